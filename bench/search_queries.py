"""Search evaluation queries, made from the posts at run time (no blog text is committed).

    python bench/search_queries.py /work/realblog/today/_posts            # summary
    python bench/search_queries.py /work/realblog/today/_posts --show     # every query
    python bench/search_queries.py POSTS --json > queries.json

The real blog has no licence, so this file holds the *procedure* and its seed, never the
queries' text: the same posts and seed give the same queries, byte for byte. The set is cached
as JSON under /tmp (keyed by the posts' content, the seed and this file's version).

Kinds (issue 16), each chosen at random with the fixed seed:

- ``known``: a reader types a distinctive phrase from a post's title: an entity (an alias from
  entities.yml, a Latin name or a katakana name) and a kanji/katakana word of the same title,
  such that no other post's title holds both. Expected: that post's URL (Jekyll's URL rules,
  bench/realblog.py).
- ``topic``: two common words (tags and title words) that occur together in at least 10 posts,
  plus the issue's own examples. Expected: every one of the first 10 results contains both.
- ``number``: an amount with a decimal point and a unit from a body (``2.5兆円``). Expected:
  every result contains that amount exactly (not ``25兆円`` nor ``12.5兆円``).
- ``katakana``: one of the most common long katakana words (they cost the most bytes).
- ``mixed``: a Latin name with its version number and a word of a post that holds both
  (``Llama 4 推論``). Expected: every result contains the name with that number and the word.

Each query carries ``must``: regular expressions (over the folded text of a result's title and
body, see text_key) that a relevant result matches, all of them, and ``matching``: how many posts do.
"""

from __future__ import annotations

import argparse
import collections
import functools
import hashlib
import json
import random
import re
import sys
import unicodedata
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from realblog import POST_EXTENSIONS, _front_matter, jekyll_url  # noqa: E402

SEED = 16          # issue 16
VERSION = 1        # bump when the procedure changes: the cached sets are then made again
COUNTS = {"known": 30, "topic": 12, "number": 8, "katakana": 8, "mixed": 6}
# The issue's own examples: generic words, not blog text.
ISSUE_TOPICS = ["半導体 輸出規制", "データセンター 電力", "AI人材 不足"]

KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆"
KATA = "\u30a1-\u30fa\u30fc"
KATA_RUN = re.compile(rf"(?<![{KATA}])[{KATA}]{{4,}}(?![{KATA}])")
KANJI_RUN = re.compile(rf"(?<![{KANJI}\d])[{KANJI}]{{2,4}}(?![{KANJI}])")
# a title's kanji word: not after a digit ("2025年日立") or katakana ("タンパク質"), not before okurigana ("目指す")
KANJI_WORD = re.compile(rf"(?<![{KANJI}{KATA}\d])[{KANJI}]{{2,4}}(?![{KANJI}]|[\u3041-\u3093](?<![のをはがにでとへもや]))")
LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[.\-+][A-Za-z0-9]+)*")
# an amount a reader might look up: a decimal number and a unit
AMOUNT = re.compile(r"(?<![\d.,])\d+\.\d+(?:兆|億|万)?(?:円|ドル|ユーロ|人|倍|社|件|GW|MW|TB|%|％)")
# a model or product with its version: "Llama 4", "GPT-5", "Gemini 2.5"
VERSIONED = re.compile(r"(?<![A-Za-z0-9])([A-Z][A-Za-z]{2,})[ \-]?(\d+(?:\.\d+)?)(?![\d.]|[A-Za-z])")
# Latin words too common or too generic to name the post a reader means
GENERIC = {"ai", "llm", "llms", "dx", "it", "api", "gpu", "gpus", "cpu", "saas", "the", "and", "of", "for", "in",
           "to", "a", "vs", "ceo", "no", "pc", "iot", "ev", "ar", "vr", "ml", "5g", "b2b", "bto", "ipo"}


def fold(text: str) -> str:
    """What the site folds on both sides (widths; case for the checks)."""
    return unicodedata.normalize("NFKC", text)


_SPACE = re.compile(r"\s+")


def text_key(text: str) -> str:
    """A result's text as the checks see it: folded, lower case, no spaces between Japanese."""
    text = fold(text).lower()
    text = _SPACE.sub(lambda m: " " if (m.start() and m.end() < len(text) and text[m.start() - 1].isascii()
                                        and text[m.end()].isascii()) else "", text)
    # a space gone may leave a mark to compose with the character before it (う゛ -> ゔ)
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _strip_markdown(body: str) -> str:
    body = re.sub(r"```.*?```", " ", body, flags=re.S)
    body = re.sub(r"\{%.*?%\}|\{\{.*?\}\}|<[^>]+>|!\[[^\]]*\]\([^)]*\)|https?://\S+", " ", body)
    body = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", body)
    return re.sub(r"[#*_>|`]", " ", body)


def read_posts(posts: Path, timezone: str = "Asia/Tokyo",
               permalink: str = "/:year/:month/:day/:title/") -> list[dict]:
    """Published posts: url, title, tags and text (title + body), in file order; the
    later-dated post wins a URL two posts share, as Jekyll does."""
    tz = ZoneInfo(timezone)
    by_url: dict[str, tuple] = {}
    for f in sorted(p for p in posts.rglob("*") if p.is_file() and p.suffix.lower() in POST_EXTENSIONS):
        if "_drafts" in f.relative_to(posts).parts:
            continue
        raw = f.read_text(encoding="utf-8", errors="replace")
        data = _front_matter(raw)
        if data is None or data.get("draft") is True:
            continue
        got = jekyll_url(f.relative_to(posts).as_posix(), data, permalink, tz)
        if got is None:
            continue
        url, date = got
        title = fold(str(data.get("title") or "")).strip().strip("#*").strip()
        tags = data.get("tags") or []
        tags = [fold(str(t)) for t in (tags.split() if isinstance(tags, str) else tags) if t]
        body = _strip_markdown(raw.lstrip("\ufeff").split("---", 2)[-1])
        post = {"url": url, "title": title, "tags": tags, "file": f.name, "text": text_key(title + "\n" + body)}
        if url not in by_url or (date, f.name) >= by_url[url][0]:
            by_url[url] = ((date, f.name), post)
    return [p for _, p in sorted(by_url.values(), key=lambda v: v[1]["file"])]


def entity_names(entities: Path) -> list[str]:
    data = yaml.safe_load(entities.read_text(encoding="utf-8")) if entities.is_file() else []
    names = {fold(str(a)) for e in data or [] for a in [e.get("name"), *(e.get("aliases") or [])] if a}
    return sorted((n for n in names if len(n) >= 2 and n.lower() not in GENERIC), key=lambda n: (-len(n), n))


def alias_groups(entities: Path) -> dict[str, str]:
    """re.escape(text_key(alias)) -> a pattern matching any name of that entity."""
    data = yaml.safe_load(entities.read_text(encoding="utf-8")) if entities.is_file() else []
    out = {}
    for e in data or []:
        keys = sorted({text_key(str(a)) for a in [e.get("name"), *(e.get("aliases") or [])] if a and str(a).strip()})
        pattern = "(?:" + "|".join(re.escape(k) for k in keys) + ")"
        out.update({re.escape(k): pattern for k in keys})
    return out


def _template_count(posts: list[dict]) -> int:
    """More titles than this share a word: it is the titles' template, not a topic (1%)."""
    return max(2, len(posts) // 100)


def _entities_in(title: str, names: list[str], common_kata: set[str]) -> list[str]:
    """Names in a title: entities.yml's, Latin names, katakana words that are not common."""
    found = [n for n in names if n in title]
    found += [w for w in LATIN.findall(title) if w.lower() not in GENERIC and len(w) >= 2 and not w.isdigit()
              and not any(w in n for n in found)]   # "Hai" of "Hon Hai" is no name of its own
    found += [w for w in KATA_RUN.findall(title) if w not in common_kata]
    return list(dict.fromkeys(found))


def _title_words(title: str) -> list[str]:
    """Kanji words of a title as a reader would type them (not cut off before okurigana)."""
    return [m.group() for m in KANJI_WORD.finditer(title)]


def _index(posts: list[dict]) -> tuple[collections.Counter, collections.Counter]:
    """How many posts' texts hold each bounded katakana run, and how many titles each kanji word."""
    kata, title_words = collections.Counter(), collections.Counter()
    for p in posts:
        kata.update(set(KATA_RUN.findall(p["text"])))
        title_words.update(set(_title_words(p["title"])))
    return kata, title_words


def known_items(posts: list[dict], names: list[str], rng: random.Random, n: int) -> list[dict]:
    kata, title_words = _index(posts)
    common_kata = {w for w, c in kata.items() if c > len(posts) // 50}
    template = {w for w, c in title_words.items() if c > _template_count(posts)}
    titles = [text_key(p["title"]) for p in posts]
    out, order = [], list(range(len(posts)))
    rng.shuffle(order)
    for i in order:
        title = posts[i]["title"]
        ents = _entities_in(title, names, common_kata)
        words = [w for w in _title_words(title) if w not in template]
        pairs = [(e, t) for e in ents for t in words if t not in e and e not in t]
        rng.shuffle(pairs)
        for e, t in pairs:
            ke, kt = text_key(e), text_key(t)
            if sum(ke in s and kt in s for s in titles) == 1:
                out.append({"kind": "known", "q": f"{e} {t}", "expect": posts[i]["url"],
                            "must": [re.escape(ke), re.escape(kt)]})
                break
        if len(out) == n:
            break
    return out


def topics(posts: list[dict], rng: random.Random, n: int) -> list[dict]:
    """A tag (a topic the blog files posts under) and a word of the titles (nouns, mostly)."""
    tags = collections.Counter(t for p in posts for t in set(p["tags"]))
    first = sorted(t for t, c in tags.items() if c >= 5 and t.lower() not in GENERIC)
    _, title_words = _index(posts)
    second = sorted(w for w, c in title_words.items() if 3 <= c <= _template_count(posts))
    holds = functools.lru_cache(None)(lambda w: frozenset(i for i, p in enumerate(posts) if text_key(w) in p["text"]))
    rng.shuffle(first)
    out = []
    for a in first:
        if not 10 <= len(holds(a)) <= len(posts) // 3:
            continue
        tries = rng.sample(second, min(40, len(second)))
        b = next((b for b in tries if b not in a and len(holds(a) & holds(b)) >= 10), None)
        if b is None:
            continue
        out.append({"kind": "topic", "q": f"{a} {b}", "must": [re.escape(text_key(a)), re.escape(text_key(b))]})
        if len(out) == n:
            break
    return out + [{"kind": "topic", "q": q, "issue": True, "must": [re.escape(text_key(w)) for w in q.split()]}
                  for q in ISSUE_TOPICS]


def _amount_pattern(amount: str) -> str:
    return rf"(?<![\d.,]){re.escape(text_key(amount))}"


def numbers(posts: list[dict], rng: random.Random, n: int) -> list[dict]:
    df = collections.Counter()
    for p in posts:
        df.update(set(AMOUNT.findall(p["text"])))
    # a number whose digits, read without the point, are another amount in the blog: the trap
    trap = sorted(a for a, c in df.items() if c <= 20 and re.sub(r"\.", "", a) in df)
    plain = sorted(a for a, c in df.items() if c <= 20 and a not in trap)
    rng.shuffle(trap)
    rng.shuffle(plain)
    chosen = trap[: n // 2] + plain[: n - min(len(trap), n // 2)]
    return [{"kind": "number", "q": a, "must": [_amount_pattern(a)], "posts": df[a]} for a in chosen[:n]]


def katakana(posts: list[dict], rng: random.Random, n: int) -> list[dict]:
    df = collections.Counter()
    for p in posts:
        df.update(set(KATA_RUN.findall(p["text"])))
    top = sorted(sorted(df), key=lambda w: -df[w])[:40]
    rng.shuffle(top)
    return [{"kind": "katakana", "q": w, "must": [re.escape(w)], "posts": df[w]} for w in top[:n]]


def mixed(posts: list[dict], rng: random.Random, n: int) -> list[dict]:
    df, where = collections.Counter(), collections.defaultdict(list)
    for i, p in enumerate(posts):
        for name, ver in set(VERSIONED.findall(fold(p["title"]))):
            if name.lower() not in GENERIC:
                df[(name, ver)] += 1
                where[(name, ver)].append(i)
    cands = sorted(k for k, c in df.items() if c >= 2 and not re.fullmatch(r"(19|20)\d\d", k[1]))  # a year is no version
    _, title_words = _index(posts)
    template = {w for w, c in title_words.items() if c > _template_count(posts)}
    rng.shuffle(cands)
    out = []
    for name, ver in cands:
        pattern = rf"{re.escape(name.lower())}[ \-]?{re.escape(ver)}(?![\d.])"
        words = sorted({w for i in where[(name, ver)] for w in _title_words(posts[i]["title"]) if w not in template})
        if not words:
            continue
        word = rng.choice(words)
        out.append({"kind": "mixed", "q": f"{name} {ver} {word}", "must": [pattern, re.escape(text_key(word))]})
        if len(out) == n:
            break
    return out


def make(posts_dir: Path, entities: Path = ROOT / "entities.yml", seed: int = SEED,
         counts: dict[str, int] | None = None, timezone: str = "Asia/Tokyo",
         permalink: str = "/:year/:month/:day/:title/") -> list[dict]:
    counts = {**COUNTS, **(counts or {})}
    posts = read_posts(posts_dir, timezone, permalink)
    names = entity_names(entities)
    out = []
    for kind, fn in (("known", lambda r, k: known_items(posts, names, r, k)), ("topic", lambda r, k: topics(posts, r, k)),
                     ("number", lambda r, k: numbers(posts, r, k)), ("katakana", lambda r, k: katakana(posts, r, k)),
                     ("mixed", lambda r, k: mixed(posts, r, k))):
        # one generator per kind, so a change in one kind's procedure leaves the others as they were
        out += fn(random.Random(f"{seed}:{kind}"), counts[kind])
    # Search is alias-aware (Foxconn finds the post that says 鴻海): a word that names an entity
    # is matched by any of its names.
    names_of = alias_groups(entities)
    for q in out:
        q["must"] = [names_of.get(m, m) for m in q["must"]]
    for q in out:   # how many posts a perfect search finds (the share's denominator up to 10)
        if "expect" not in q:
            patterns = [re.compile(p) for p in q["must"]]
            q["matching"] = sum(all(p.search(post["text"]) for p in patterns) for post in posts)
    return out


def _jekyll_config(posts_dir: Path) -> tuple[str, str]:
    cfg = posts_dir.parent / "_config.yml"
    data = yaml.safe_load(cfg.read_text(encoding="utf-8")) if cfg.is_file() else {}
    data = data if isinstance(data, dict) else {}
    return str(data.get("timezone") or "Asia/Tokyo"), str(data.get("permalink") or "/:year/:month/:day/:title/")


def load(posts_dir: Path, entities: Path = ROOT / "entities.yml", seed: int = SEED,
         cache: Path = Path("/tmp/tsuzuri-search-queries")) -> list[dict]:
    """The query set for these posts, from the cache when the posts, seed and code are the same."""
    h = hashlib.sha256(f"{VERSION}:{seed}".encode())
    h.update(Path(__file__).read_bytes())
    h.update(entities.read_bytes() if entities.is_file() else b"")
    for f in sorted(p for p in posts_dir.rglob("*") if p.is_file()):
        h.update(f.relative_to(posts_dir).as_posix().encode() + b"\0" + f.read_bytes())
    path = cache / f"{h.hexdigest()[:20]}.json"
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    tz, permalink = _jekyll_config(posts_dir)
    queries = make(posts_dir, entities, seed, timezone=tz, permalink=permalink)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(queries, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
    return queries


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("posts", type=Path, help="the _posts/ (or posts/) folder")
    ap.add_argument("--entities", type=Path, default=ROOT / "entities.yml")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--show", action="store_true", help="print every query (local use only: blog text)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    queries = load(args.posts, args.entities, args.seed)
    if args.json:
        print(json.dumps(queries, ensure_ascii=False, indent=1))
        return 0
    for kind, n in collections.Counter(q["kind"] for q in queries).items():
        print(f"{kind}: {n}")
    print(f"total: {len(queries)}")
    if args.show:
        for q in queries:
            print(q["kind"], q["q"], q.get("expect", ""), sep="\t")
    return 0


if __name__ == "__main__":
    sys.exit(main())
