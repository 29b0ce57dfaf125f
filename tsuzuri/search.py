"""Search: the article of every post, indexed by Pagefind for Japanese full-text search.

Why not Pagefind's own Japanese support: its extended build segments Japanese with a
dictionary (~17 s and 1 GB for 1,000 long posts) and the browser re-segments the query with
``Intl.Segmenter``, a different dictionary, so compounds split differently on the two sides
and match the wrong pages. Here ``segment`` turns every run of Japanese word characters into
overlapping character pairs (データ -> デー ータ タ: each pair, then the run's last character
alone), and the browser (``docs/assets/search.js``, same character classes) cuts the query
the same way: a Japanese query matches exactly where its characters stand together, as a
substring, through a phrase of pairs. No dictionary, the same rule on both sides. Pairs rather
than single characters: a query word's posting list is that of a pair (ータ), not of a
character in every post (タ), so the browser fetches far fewer index bytes.

Ranking (weights in ``page_html``): title >> headings >> body >> tags and aliases, which only
make a post findable (weight 0: they never rank it above a post whose text says the words).
The staged page puts its parts at fixed word positions (EXTRA_SLOT, TITLE_END), so that the
browser tells from a hit's positions whether a phrase stands in the post's text and its title.
Numbers stay whole (2.5 is one word, see ``segment``) and a Latin word or number directly
before Japanese also forms a pair with it (4兆 in 2.4兆円), so 2.5兆円 never matches 25兆円; a
percent sign forms one with its number too (2.4% -> 2ꓸ4 2ꓸ4ꓺ), so 2.4% never matches 2.4倍.

What is indexed: one small staged page per post (title, tags, body, and the names and aliases
of the entities it mentions, so a search for any alias finds it), never site/ itself, so nav,
header, footer and list pages cannot leak in. Date, categories, tags and entities are
metadata, filters and a sort key.

Shards: Pagefind holds what one run indexes in memory (about 1 MB per long Japanese post: 10 GB
for 10,000), so the main index is built as shards of SHARD posts, oldest first, one run each;
the browser merges them (``tsuzuri.json`` lists them). An older shard never changes when posts
are added, so it is cached by content under ``.cache/search/shards`` and not indexed again.

Rebuilds: segmented pages are cached by content hash under ``.cache/search/pages``. When posts
were only added since the last full index (a few), they are indexed alone, into a small second
index (``delta/``) that the browser merges; under ``mkdocs serve`` (or ``--dirty``) only
``delta/`` is replaced. When a post of the main index was edited or deleted, the shards that
hold it are indexed again (the others come from the cache): hiding the old copy would leave its
text readable in the published index (its fragment holds the text, the word lists its
positions). Past DELTA_MAX added posts the main index is rebuilt the same way.

Nothing here imports MkDocs; the adapter calls ``build_index`` or ``Indexer``.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import cached_property, lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable, Iterable

from .cache import ByIdentity

VERSION = "7"           # bump when the staged page or manifest format changes (code_key() also sees edits)
LANGUAGE = "und"        # not "ja": Pagefind would run its own (slow) Japanese segmenter
PAGEFIND = [sys.executable, "-m", "pagefind"]   # the binary of the pinned pagefind[bin]
# The packages whose versions decide what Pagefind writes (part of code_key)
PAGEFIND_PACKAGES = ("pagefind", "pagefind-bin", "pagefind-bin-extended")
BUNDLE = "pagefind"     # the search bundle's folder in the site
DELTA_MAX = 0.05        # re-index everything once more than this share of posts changed
DELTA_MIN = 20          # ... but always allow this many in a delta
SHARD = 1000            # posts per Pagefind run: ~1 GB of its memory (TSUZURI_SEARCH_SHARD)
# Everything Pagefind writes that the site does not use (its stock UIs).
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
          "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")

# The CJK characters the site searches: symbols and punctuation, kana, kanji, compatibility
# kanji. Of them, word characters (kana with ー, kanji with 々〆〇: str.isalnum, as Pagefind's
# is_alphanumeric) are indexed in pairs; the others (、。「」・) are words by themselves. Keep in
# sync with CJK and RUN in docs/assets/search.js, which folds the query the same way
# (full-width ASCII -> ASCII, half-width kana -> NFKC).
CJK_RANGES = [(0x3000, 0x303F), (0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)]


def _runs(ranges, keep) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in ranges:
        for c in range(lo, hi + 1):
            if keep(chr(c)):
                if out and out[-1][1] == c - 1:
                    out[-1] = (out[-1][0], c)
                else:
                    out.append((c, c))
    return out


RUN_RANGES = _runs(CJK_RANGES, str.isalnum)
_RUN = "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in RUN_RANGES)
_TABLE: dict[int, str] = {c: f" {chr(c)} " for lo, hi in CJK_RANGES for c in range(lo, hi + 1)
                          if not chr(c).isalnum()}
_TABLE.update({c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)})  # full-width ASCII -> ASCII
_TABLE[0x3000] = " "  # ideographic space
_HALF_KANA = re.compile("[\uff61-\uff9f]+")
# A decimal point or thousands separator between digits becomes a letter that looks like it
# (Lisu ꓸ ꓹ, which Pagefind keeps inside a word): 2.5 stays one word, never 25 (Pagefind drops
# ASCII punctuation). search.js maps them back for display.
POINT, COMMA = "\ua4f8", "\ua4f9"
_NUMBER_SEP = re.compile(r"(?<=[0-9])([.,])(?=[0-9])")
# A percent sign (Pagefind drops it) after a number: the number, then the number with a letter
# for the sign (Lisu ꓺ), as a unit pairs with it: 2.4% -> 2ꓸ4 2ꓸ4ꓺ. The number alone still
# finds it; 2.4% finds only it (not 2.4倍, not 12.4%). search.js cuts a query the same way.
PERCENT = "\ua4fa"
# A word that is no word: a position for Pagefind (it counts every whitespace-separated word),
# nothing in its index (no letter or digit). It fills the staged page's parts up to their
# fixed positions (page_html), and stands between two runs of Japanese with only spaces between
# them (データ センター): two runs then never follow each other directly, so a pair two positions
# after another pair is the same run's (search.js searches a long word by every other pair).
PAD = "\u2042"   # ⁂
_GAP = re.compile(f"(?<=[{_RUN}])\\s+(?=[{_RUN}])")
_PERCENT = re.compile("(?<![0-9A-Za-z\ua4f8\ua4f9])([0-9][0-9\ua4f8\ua4f9]*)[ \t]*%")
# A run of Japanese word characters. The Latin word or number right before it (spaces between
# allowed), when there is one, pairs with the run's first character (AI人材 -> AI人); found by
# looking back from the run, which is faster than a lookbehind tried at every character.
_RUN_RE = re.compile(f"[{_RUN}]+")
_RUN_ONE = re.compile(f"[{_RUN}]")


def _pairs(m: re.Match) -> str:
    run, text, i = m.group(), m.string, m.start() - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    pairs = " ".join(map(str.__add__, run, run[1:]))
    # then the last character alone: a one-character query finds it as a prefix
    out = f" {pairs} {run[-1]} " if pairs else f" {run} "
    # the whole word or number before (2ꓸ5兆, never 5兆: 2.55兆円 must not hold 2.5兆円's words)
    j = i
    while j >= 0 and text[j].isalnum() and not _RUN_ONE.match(text[j]):
        j -= 1
    if j < i:
        out = f" {text[j + 1:i + 1]}{run[0]}" + out
    return out


def segment(text: str) -> str:
    """The text as Pagefind should index it: widths folded, numbers whole, Japanese as pairs.
    ~0.3 CPU-s per 1M characters."""
    if _HALF_KANA.search(text):  # rare: ｱｯﾌﾟﾙ -> アップル (voiced marks need composing)
        text = _HALF_KANA.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = _NUMBER_SEP.sub(lambda m: POINT if m.group(1) == "." else COMMA, text.translate(_TABLE))
    if "%" in text:
        text = _PERCENT.sub(lambda m: f"{m.group(1)} {m.group(1)}{PERCENT}", text)
    return _RUN_RE.sub(_pairs, _GAP.sub(f" {PAD} ", text))


def code_key() -> str:
    """What makes the staged pages and the indexes besides the posts: this module's code (the
    staged page, segmentation), the Pagefind that runs (its version, or the binary named by
    PAGEFIND_BINARY_PATH) and its options. Part of every cache key: an edit or an upgrade never
    serves an index made by the old one."""
    return hashlib.sha1(f"{_code()}\0{os.environ.get('PAGEFIND_BINARY_PATH', '')}".encode()).hexdigest()[:16]


@lru_cache(maxsize=None)
def _code() -> str:
    h = hashlib.sha1(VERSION.encode())
    # Pagefind's wrapper and the binary package it runs, by version: not PAGEFIND's interpreter
    # path, which is .venv/bin/python3 under `mkdocs build` and .venv/bin/python under
    # `python -m mkdocs` (each re-staged and re-indexed every post).
    for part in (Path(__file__).read_bytes(), *map(_installed, PAGEFIND_PACKAGES), " ".join(PAGEFIND[1:]),
                 LANGUAGE):
        h.update((part if isinstance(part, bytes) else part.encode()) + b"\0")
    return h.hexdigest()


def _installed(package: str) -> str:
    try:
        return f"{package} {version(package)}"
    except PackageNotFoundError:
        return f"{package} -"


@dataclass(frozen=True)
class SearchDoc:
    """What the index knows of one post."""
    url: str                          # site-relative, "2025/09/18/slug/"
    title: str
    date: str                         # as shown, "2025年9月18日"
    date_iso: str                     # sort key
    text: str                         # plain text of the article body
    headings: tuple[str, ...] = ()    # the article's section headings, as plain text
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()    # canonical names of the entities mentioned
    aliases: tuple[str, ...] = ()     # every other spelling of those entities

    @cached_property
    def key(self) -> str:
        """Content hash: the cache key, and the id that marks a main-index copy as stale."""
        h = hashlib.sha1(code_key().encode())
        for part in (self.url, self.title, self.date, self.date_iso, _text_digest(self.text), *self.headings,
                     "\0", *self.categories, "\0", *self.tags, "\0", *self.entities, "\0", *self.aliases):
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\x1f")
        return h.hexdigest()[:20]


# An article's text is hashed once per content object (mkdocs serve keeps unchanged posts' text).
_text_digest = ByIdentity(lambda text: hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest())


def docs_from_site(site) -> list[SearchDoc]:
    """One SearchDoc per published post; entity aliases come from ``site.registry`` when present."""
    registry = getattr(site, "registry", None)
    known = getattr(registry, "entities", {}) or {}
    _text_digest.new_build()
    docs = []
    for post in site.posts:
        names, aliases = [], []
        for eid in getattr(post, "mentions", {}) or {}:
            entity = known.get(eid)
            if entity is None:
                continue
            names.append(entity.name)
            aliases += [a for a in entity.aliases if a != entity.name and a not in aliases]
        d = post.date
        docs.append(SearchDoc(
            url=post.url, title=post.title, date=f"{d.year}年{d.month}月{d.day}日", date_iso=d.isoformat(),
            text=post.text, headings=tuple(_headings(getattr(post, "toc", None) or [])),
            categories=tuple(post.categories), tags=tuple(post.tags),
            entities=tuple(names), aliases=tuple(aliases)))
    return docs


def _headings(toc: list) -> Iterable[str]:
    """Heading texts of a post's toc tokens (names are escaped plain text, see render.safe_toc)."""
    for token in toc:
        if isinstance(token, dict):
            yield html.unescape(str(token.get("name", "")))
            yield from _headings(token.get("children") or [])


# data-pagefind-weight of each part of the staged page. Pagefind stores weight x 24 as a byte,
# so the body's 0.05 is its least weight above zero (1/24): a title word counts 240 body
# occurrences, a heading word 72, and with BM25's saturation a post whose title holds the
# query ranks above one that says it many times. Tags and aliases weigh 0: they make a post
# found but add nothing to its score.
WEIGHTS = {"title": "10", "headings": "3", "body": "0.05", "extra": "0"}
# Where each part stands, in Pagefind's word positions, so that the browser can tell from a hit's
# positions alone (before it fetches the page's fragment) whether a phrase stands in the post's
# own text and in its title (search.js ranks by both): tags and aliases at 0..EXTRA_SLOT, the
# title from EXTRA_SLOT to TITLE_END, then headings and body. PAD fills a part up to its end: a
# position for Pagefind (it counts every word), but no word (it is no letter or digit), so it
# costs the index nothing. What does not fit (a title of more than 128 pairs; tags and aliases
# past 512 words, none of the real blog's 2,513 posts: 489 at most) goes on after it.
# Keep in sync with search.js.
EXTRA_SLOT, TITLE_END = 512, 640


def _fill(words: str, end: int) -> tuple[str, str]:
    """``words`` padded to ``end`` words, and what did not fit."""
    split = words.split()
    return " ".join(split[:end] + [PAD] * (end - len(split))), " ".join(split[end:])


def page_html(doc: SearchDoc) -> str:
    """The staged page Pagefind reads: segmented text to index, original strings as metadata."""
    e = html.escape

    def meta(kind: str, name: str, value: str) -> str:
        return f'<meta data-pagefind-{kind}="{name}[content]" content="{e(value)}">'

    # The post's URL is metadata (search.js links to it), not the staged file's path: a URL
    # is not a safe file name (a segment may exceed 255 bytes encoded; "a/b.html" would
    # become "a/b.html/").
    head = [meta("meta", "title", doc.title), meta("meta", "url", doc.url), meta("meta", "date", doc.date),
            meta("meta", "k", doc.key), meta("sort", "date", doc.date_iso)]
    if doc.categories:
        head.append(meta("meta", "category", " / ".join(doc.categories)))
    head += [meta("filter", "category", c) for c in doc.categories]
    head += [meta("filter", "tag", t) for t in doc.tags]
    head += [meta("filter", "entity", n) for n in doc.entities]
    w = WEIGHTS
    # Tags and aliases, indexed so that any spelling finds the post; never shown.
    extra, extra_rest = _fill(segment(" / ".join(x for x in (" / ".join(doc.tags), " / ".join(doc.entities + doc.aliases)) if x)), EXTRA_SLOT)
    title, title_rest = _fill(segment(doc.title), TITLE_END - EXTRA_SLOT)
    headings = " ".join(f'{title_rest} {segment(" / ".join(doc.headings))}'.split())
    if headings:  # (the body's first pair never directly after the headings' last: see PAD)
        headings += f" {PAD}"
    # The body's first word: a post found only through a tag or an alias shows its text from there.
    head.append(meta("meta", "b", str(TITLE_END + len(headings.split()))))
    body = [f'<p data-pagefind-weight="{w["extra"]}">{e(extra)}</p>',
            f'<h1 data-pagefind-weight="{w["title"]}">{e(title)}</h1>']
    if headings:
        body.append(f'<h2 data-pagefind-weight="{w["headings"]}">{e(headings)}</h2>')
    body.append(f'<div data-pagefind-weight="{w["body"]}">{e(segment(doc.text))} {PAD}</div>')
    if extra_rest:
        body.append(f'<p data-pagefind-weight="{w["extra"]}">{e(extra_rest)}</p>')
    return ('<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">' + "".join(head) +
            "</head><body><article data-pagefind-body>" + "".join(body) + "</article></body></html>\n")


@dataclass
class IndexStats:
    posts: int = 0
    mode: str = ""              # "full", "delta" or "cached"
    indexed: int = 0            # posts Pagefind read this time
    seconds: float = 0.0        # wall time of build_index
    segment_seconds: float = 0.0
    pagefind_seconds: float = 0.0
    pagefind_cpu: float = 0.0   # Pagefind's user + system CPU seconds (steadier than wall time on a busy machine)
    peak_rss_mb: float = 0.0    # Pagefind's peak resident memory
    bundle_bytes: int = 0
    files: int = 0

    def summary(self) -> str:
        s = (f"search: {self.posts} posts ({self.mode}, {self.indexed} indexed) in {self.seconds:.2f} s")
        if self.indexed:
            s += (f"; Pagefind {self.pagefind_seconds:.2f} s ({self.pagefind_cpu:.2f} s CPU), "
                  f"{self.peak_rss_mb:.0f} MB peak")
        return s + f"; {self.bundle_bytes / 1e6:.1f} MB in {self.files} files"


class SearchError(RuntimeError):
    """Pagefind failed; the message says what it printed."""


def _pagefind(stage: Path, out: Path) -> tuple[float, float, float]:
    """Run the Pagefind CLI over ``stage`` into ``out``; (seconds, CPU seconds, peak RSS in MB)."""
    start = time.perf_counter()
    cmd = [*PAGEFIND, "--site", str(stage), "--output-path", str(out),
           "--force-language", LANGUAGE, "--quiet"]
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except OSError as exc:
        raise SearchError(f"could not start Pagefind: {exc}") from exc
    output = proc.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    if proc.returncode != 0 or not (out / "pagefind-entry.json").exists():
        raise SearchError(f"Pagefind exited with {proc.returncode}: {output.strip()[-2000:]}")
    for name in UNUSED:
        (out / name).unlink(missing_ok=True)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _link_tree(src: Path, dst: Path) -> None:
    """Copy a folder by hard links (instant, no extra space); plain copies across filesystems."""
    def link(s, d):
        try:
            os.link(s, d)
        except OSError:
            shutil.copy2(s, d)
    shutil.copytree(src, dst, copy_function=link, dirs_exist_ok=True)


def _replace_dir(new: Path, dest: Path) -> None:
    """Put ``new`` at ``dest``, removing what was there (never half-written)."""
    old = dest.with_name(dest.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        dest.rename(old)
    new.rename(dest)
    shutil.rmtree(old, ignore_errors=True)


# (pages folder, key) of staged pages known to exist, across the builds of one process.
_staged: set[tuple[Path, str]] = set()


class Cache:
    """``.cache/search``: segmented pages by key, the shards of the last full index by their
    content, and the manifest of that index."""

    def __init__(self, root: Path):
        self.root = root
        self.pages = root / "pages"
        self.shards = root / "shards"
        self.manifest = root / "main.json"

    def page(self, doc: SearchDoc) -> tuple[Path, bool]:
        """The staged page of ``doc``, written if not cached; (path, was it written)."""
        key = doc.key
        path = self.pages / key[:2] / f"{key}.html"
        if (self.pages, key) in _staged or path.exists():
            _staged.add((self.pages, key))
            return path, False
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(page_html(doc), encoding="utf-8")
        tmp.replace(path)
        _staged.add((self.pages, key))
        return path, True

    def shard(self, key: str) -> Path | None:
        """The cached index of one shard, if it is whole."""
        path = self.shards / key
        return path if (path / "pagefind-entry.json").exists() else None

    def main(self) -> dict | None:
        """The manifest of the last full index (id, url -> doc key, shard keys) if every shard
        of it is still cached and it was made as this build would make it (code, shard size)."""
        try:
            data = json.loads(self.manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if (not isinstance(data, dict) or data.get("version") != code_key() or data.get("shard_size") != shard_size()
                or not data.get("shards")):
            return None
        return data if all(self.shard(k) for k in data["shards"]) else None

    def prune(self, keep: set[str], shards: set[str]) -> None:
        """Drop cached pages and shards that the current index no longer uses."""
        for path in self.pages.glob("*/*.html") if self.pages.exists() else ():
            if path.stem not in keep:
                path.unlink(missing_ok=True)
                _staged.discard((self.pages, path.stem))
        for path in self.shards.iterdir() if self.shards.exists() else ():
            if path.name not in shards:
                shutil.rmtree(path, ignore_errors=True)


def shards_of(docs: list[SearchDoc], size: int) -> list[list[SearchDoc]]:
    """The posts oldest first, in runs of ``size``: an older run never changes when posts are
    added, so its index is reused from the cache (as list pages are, see pages.paginate)."""
    ordered = sorted(docs, key=lambda d: (d.date_iso, d.url))
    return [ordered[i:i + size] for i in range(0, len(ordered), size)]


def shard_key(docs: list[SearchDoc]) -> str:
    h = hashlib.sha1(code_key().encode())
    for doc in docs:
        h.update(doc.key.encode())
    return h.hexdigest()[:20]


def stage_name(url: str) -> str:
    """The staged page's folder: a hash of the URL, so any URL is a short, safe file name."""
    return hashlib.sha1(url.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def _stage(docs: Iterable[SearchDoc], cache: Cache, stage: Path) -> None:
    """A folder Pagefind can read: <hash of url>/index.html for each doc, linked from the page
    cache (the URL itself travels as metadata, see page_html)."""
    for doc in docs:
        src, _ = cache.page(doc)
        dest = stage / stage_name(doc.url) / "index.html"
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, dest)
        except FileNotFoundError:  # .cache/ was emptied while `mkdocs serve` ran: write it again
            _staged.discard((cache.pages, doc.key))
            src, _ = cache.page(doc)
            os.link(src, dest)
        except OSError:
            shutil.copyfile(src, dest)


def build_index(docs_or_site, out_dir: Path, cache_dir: Path | None = None, *,
                delta: bool = True) -> IndexStats:
    """Write the search bundle for these posts into ``out_dir`` (the site's ``pagefind/``).

    ``docs_or_site`` is a list of SearchDoc or a loaded Site. With ``cache_dir`` (the project's
    ``.cache/search``) unchanged posts are not segmented again, an unchanged site reuses the
    last index, and a few changed posts are indexed alone into ``delta/``. Raises SearchError
    if Pagefind fails.
    """
    start = time.perf_counter()
    docs = list(docs_or_site) if isinstance(docs_or_site, (list, tuple)) else docs_from_site(docs_or_site)
    if not docs:  # Pagefind refuses an empty site; the browser is told there is nothing to search
        out_dir = Path(out_dir)
        shutil.rmtree(out_dir, ignore_errors=True)
        out_dir.mkdir(parents=True)
        (out_dir / "tsuzuri.json").write_text('{"delta": null, "empty": true, "stale": []}', encoding="utf-8")
        stats = IndexStats()
        stats.mode, stats.seconds, stats.files = "empty", time.perf_counter() - start, 1
        return stats
    own_cache = cache_dir is None
    cache = Cache(Path(cache_dir) if cache_dir else Path(tempfile.mkdtemp(prefix="tsuzuri-search-")))
    cache.root.mkdir(parents=True, exist_ok=True)
    out_dir = Path(out_dir)
    stats = IndexStats(posts=len(docs))
    keys = {d.url: d.key for d in docs}
    try:
        main = cache.main() if delta else None
        indexed = (main or {}).get("docs") or {}
        changed = [d for d in docs if main is not None and indexed.get(d.url) != keys[d.url]]
        stale = sorted(k for u, k in indexed.items() if keys.get(u) != k)
        limit = max(DELTA_MIN, int(len(docs) * DELTA_MAX))
        with tempfile.TemporaryDirectory(prefix="stage-", dir=cache.root) as tmp:
            tmp = Path(tmp)
            if main is None or stale or len(changed) > limit:  # (stale: an old text to take out, see above)
                stats.mode, changed, stale = "full", [], []
                main = _full_index(docs, keys, cache, tmp, stats)
            else:
                stats.mode = "delta" if (changed or stale) else "cached"
                if changed:
                    _index(changed, cache, tmp / "delta", tmp, stats)
            delta_dir = tmp / "delta" if changed else None
            if _installed_main(out_dir) == main["id"]:  # (mkdocs serve, --dirty) only the delta changes
                _swap(delta_dir, out_dir / "delta")
                _write(out_dir / "tsuzuri.json", _bundle_config(main, bool(changed), stale))
            else:
                _assemble(cache, main, tmp / "bundle", delta_dir, stale)
                out_dir.parent.mkdir(parents=True, exist_ok=True)
                _swap(tmp / "bundle", out_dir)
    finally:
        if own_cache:
            shutil.rmtree(cache.root, ignore_errors=True)
    for folder, _, names in os.walk(out_dir):
        stats.files += len(names)
        stats.bundle_bytes += sum(os.stat(os.path.join(folder, n)).st_size for n in names)
    stats.seconds = time.perf_counter() - start
    return stats


def _index(docs: list[SearchDoc], cache: Cache, out: Path, tmp: Path, stats: IndexStats) -> None:
    """One Pagefind run over ``docs`` into ``out``, its costs added to ``stats``."""
    stage = tmp / f"stage-{out.name}"
    seg = time.perf_counter()
    _stage(docs, cache, stage)
    stats.segment_seconds += time.perf_counter() - seg
    seconds, cpu, rss = _pagefind(stage, out)
    shutil.rmtree(stage, ignore_errors=True)
    stats.pagefind_seconds += seconds
    stats.pagefind_cpu += cpu
    stats.peak_rss_mb = max(stats.peak_rss_mb, rss)
    stats.indexed += len(docs)


def _full_index(docs: list[SearchDoc], keys: dict[str, str], cache: Cache, tmp: Path, stats: IndexStats) -> dict:
    """The main index as shards of at most ``shard_size()`` posts: Pagefind's memory grows with
    what one run indexes (about 1 MB per long Japanese post), so a run never holds more than
    a shard; shards whose posts did not change come from the cache."""
    shards = []
    for group in shards_of(docs, shard_size()):
        key = shard_key(group)
        if cache.shard(key) is None:
            _index(group, cache, tmp / key, tmp, stats)
            cache.shards.mkdir(parents=True, exist_ok=True)
            _replace_dir(tmp / key, cache.shards / key)
        shards.append(key)
    main = {"version": code_key(), "shard_size": shard_size(),
            "id": hashlib.sha1("".join(shards).encode()).hexdigest()[:16], "docs": keys, "shards": shards}
    _write(cache.manifest, json.dumps(main, sort_keys=True))
    cache.prune(set(keys.values()), set(shards))
    return main


def shard_size() -> int:
    """Posts per Pagefind run (TSUZURI_SEARCH_SHARD; fewer for less memory, more for fewer files)."""
    try:
        return max(1, int(os.environ.get("TSUZURI_SEARCH_SHARD", SHARD)))
    except ValueError:
        return SHARD


def _assemble(cache: Cache, main: dict, dest: Path, delta_dir: Path | None, stale: list[str]) -> None:
    """The bundle the browser loads, at ``dest``: the oldest shard at the root (pagefind.js is
    loaded from there), the others under ``shards/``, the delta (moved in) and tsuzuri.json."""
    shards = main["shards"]
    _link_tree(cache.shard(shards[0]), dest)
    for key in shards[1:]:
        _link_tree(cache.shard(key), dest / "shards" / key)
    if delta_dir is not None:
        delta_dir.rename(dest / "delta")
    _write(dest / "tsuzuri.json", _bundle_config(main, delta_dir is not None, stale))


def _bundle_config(main: dict, delta: bool, stale: list[str]) -> str:
    """tsuzuri.json: what the browser merges (docs/assets/search.js) and the stale keys it hides."""
    return json.dumps({"delta": "delta/" if delta else None, "main": main["id"],
                       "shards": [f"shards/{k}/" for k in main["shards"][1:]], "stale": stale}, sort_keys=True)


def _installed_main(out_dir: Path) -> str | None:
    """The id of the main index ``out_dir`` holds, if it holds one whole."""
    try:
        installed = json.loads((out_dir / "tsuzuri.json").read_text(encoding="utf-8")).get("main")
    except (OSError, ValueError, AttributeError):
        return None
    return installed if (out_dir / "pagefind-entry.json").exists() else None


def _swap(new: Path | None, dest: Path) -> None:
    """Put folder ``new`` at ``dest`` (None: remove ``dest``); copies when not on one disk."""
    if new is None:
        shutil.rmtree(dest, ignore_errors=True)
        return
    try:
        _replace_dir(new, dest)
    except OSError:
        shutil.rmtree(dest, ignore_errors=True)
        _link_tree(new, dest)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def install_last(cache_dir: Path, out_dir: Path) -> bool:
    """Put the last full index at ``out_dir`` at once (possibly a little stale): the preview's
    search works while the current one is built. False when there is none yet."""
    cache = Cache(Path(cache_dir))
    main = cache.main()
    if main is None or Path(out_dir).exists():
        return False
    try:
        _assemble(cache, main, Path(out_dir), None, [])
    except OSError:
        return False
    return True


@dataclass
class Indexer:
    """Builds the index off the main thread (one build at a time, the newest request wins), so
    ``mkdocs build`` renders pages meanwhile and ``mkdocs serve`` never waits for it."""
    cache_dir: Path | None        # None: no cache, every build indexes from scratch
    on_done: Callable[[IndexStats | None, Exception | None, Path], None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None
    _pending: tuple | None = None
    result: IndexStats | None = None
    error: Exception | None = None

    def start(self, docs: list[SearchDoc], out_dir: Path) -> None:
        # Segment here, on the caller's thread, before MkDocs renders: in the thread it would
        # fight MkDocs for the GIL. The thread then only waits on Pagefind (another process).
        if self.cache_dir is not None:
            cache = Cache(self.cache_dir)
            for doc in docs:
                cache.page(doc)
        with self._lock:
            self._pending = (docs, Path(out_dir))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="tsuzuri-search", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if self._pending is None:
                    return
                docs, out_dir = self._pending
                self._pending = None
            try:
                self.result, self.error = build_index(docs, out_dir, self.cache_dir), None
            except Exception as exc:  # reported through on_done / wait(), never lost
                self.result, self.error = None, exc
            if self.on_done:
                self.on_done(self.result, self.error, out_dir)

    def wait(self) -> IndexStats:
        """Block until the queued builds are done; re-raise a failure."""
        while True:
            thread = self._thread
            if thread is None:
                break
            thread.join()
            with self._lock:
                if self._pending is None and not (self._thread and self._thread.is_alive()):
                    break
        if self.error:
            raise self.error
        return self.result


def stats_json(stats: IndexStats) -> str:
    return json.dumps(asdict(stats), ensure_ascii=False)
