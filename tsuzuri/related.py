"""Related posts: shared entities and tags, each weighted by rarity.

score(p, q) = sum of idf(f) over the features f (tags and entities) p and q share, with
idf(f) = log(N / posts with f): a tag on every post counts for nothing. Ties go to the post
closest in date, then to the URL, so the result is deterministic.

Cost: candidates are gathered along each shared feature's list of posts. A feature on more
than WINDOW posts contributes only the WINDOW posts nearest in date (a blog relates recent
posts; the lists of common features are what made this quadratic), then the best
candidates are scored exactly. So the work is about N * features per post * WINDOW: linear.
With at most WINDOW posts per feature (small sites, the tests) the result is exact.
"""

from __future__ import annotations

import bisect
import heapq
import math
import re
from collections import defaultdict
from urllib.parse import unquote

from .posts import Post, entry_line

LIMIT = 5
WINDOW = 100     # posts per feature considered, nearest in date
RESCORE = 30     # candidates scored exactly (and any tied with the last)


def features(post: Post) -> set[tuple[str, str]]:
    from .taxonomy import term_key
    feats = {("tag", term_key(t)) for t in post.tags}
    feats.update(("entity", e) for e in getattr(post, "mentions", {}) or {})
    return feats


def compute(posts: list[Post], limit: int = LIMIT) -> dict[Post, list[Post]]:
    n = len(posts)
    order = sorted(range(n), key=lambda i: (posts[i].date, posts[i].url))  # by date
    rank = {i: r for r, i in enumerate(order)}
    feats = [features(p) for p in posts]
    postings: dict[tuple, list[int]] = defaultdict(list)  # feature -> post ranks, by date
    for r, i in enumerate(order):
        for f in feats[i]:
            postings[f].append(r)
    weight = {f: math.log(n / len(ids)) for f, ids in postings.items()}
    stamps = [p.date.timestamp() for p in posts]
    scores = [0.0] * n
    result: dict[Post, list[Post]] = {}
    for i, post in enumerate(posts):
        touched: set[int] = set()
        for f in feats[i]:
            w = weight[f]
            if w <= 0:
                continue
            ids = postings[f]
            if len(ids) > WINDOW:  # the WINDOW posts with this feature nearest in date
                at = bisect.bisect_left(ids, rank[i])
                lo = max(0, min(at - WINDOW // 2, len(ids) - WINDOW))
                ids = ids[lo:lo + WINDOW]
            touched.update(ids)
            for r in ids:
                scores[r] += w
        touched.discard(rank[i])
        top = heapq.nlargest(RESCORE, map(scores.__getitem__, touched))
        floor = top[-1] - 1e-6 if top else 0.0
        best = [r for r in touched if scores[r] >= floor]  # ties at the cut are all kept
        for r in touched:
            scores[r] = 0.0
        mine = feats[i]
        exact = {order[r]: sum(weight[f] for f in mine & feats[order[r]]) for r in best}
        ranked = sorted((j for j, s in exact.items() if s > 1e-9),
                        key=lambda j: (-round(exact[j], 9), abs(stamps[j] - stamps[i]), posts[j].url))
        result[post] = [posts[j] for j in ranked[:limit]]
    return result


# -- related_articles: the posts an editor chose, shown first ----------------------------------

MAX_CHOSEN = 10  # chosen posts shown; more is a list pasted by mistake


def references(post: Post) -> tuple[list[str], bool]:
    """The references in ``related_articles:`` (slugs, file names or URLs, as strings or as
    ``{slug: …}`` / ``{url: …}`` items, the form the real blog writes), and whether the value
    was readable as such."""
    value = post.data.get("related_articles")
    if value is None:
        return [], True
    if isinstance(value, (str, dict)):
        value = [value]
    if not isinstance(value, list):
        return [], False
    out, ok = [], True
    for item in value:
        if isinstance(item, dict):
            item = next((item[k] for k in ("slug", "url", "path", "post") if isinstance(item.get(k), str)), None)
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            item = str(item)
        if isinstance(item, str) and item.strip():
            out.append(item.strip())
        else:
            ok = False
    return out, ok


def _keys(post: Post) -> tuple[list[str], list[str]]:
    """(exact names, looser names) a reference to ``post`` may use, as Jekyll names a post: its
    file name (with or without folders), its URL; then its slug, date-slug and their slugified forms."""
    import posixpath

    from .urls import jekyll_slugify
    stem = posixpath.splitext(post.rel)[0]
    exact = [stem, posixpath.basename(stem), unquote(post.url).strip("/")]
    day = f"{post.date:%Y-%m-%d}"
    loose = [post.slug, f"{day}-{post.slug}"]
    loose += [s for k in (*exact[:2], *loose) if (s := jekyll_slugify(k))]
    return exact, loose


def _normal(ref: str, site_url: str = "") -> str:
    """A reference without what may surround a post's name: the site URL, slashes, an extension,
    a _posts/ or posts/ folder."""
    import posixpath
    from urllib.parse import urlsplit
    ref = unquote(ref.strip())
    if site_url and ref.startswith(site_url.rstrip("/")):
        ref = ref[len(site_url.rstrip("/")):]
    elif re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", ref):
        ref = urlsplit(ref).path
    ref = ref.strip().strip("/")
    for prefix in ("_posts/", "posts/"):
        ref = ref.removeprefix(prefix)
    stem, ext = posixpath.splitext(ref)
    if ext.lower() in (".md", ".markdown", ".html", ".htm"):
        ref = stem
    if ref.endswith("/index"):
        ref = ref[: -len("/index")]
    return ref


class Index:
    """Posts by every name a reference may use: exact names first, then looser ones; a name
    shared by several posts resolves to the newest of them, with the others reported."""

    def __init__(self, posts: list[Post], unpublished: list[Post] = (), site_url: str = ""):
        self.site_url = site_url
        self.tiers: list[dict[str, list[Post]]] = [defaultdict(list), defaultdict(list)]
        self.unpublished: dict[str, Post] = {}
        for post in sorted(posts, key=lambda p: p.sort_key, reverse=True):  # newest first
            for tier, names in zip(self.tiers, _keys(post)):
                for name in dict.fromkeys(names):
                    tier[name.casefold()].append(post)
        for post in unpublished:
            for names in _keys(post):
                for name in names:
                    self.unpublished.setdefault(name.casefold(), post)
        self.names = sorted({k for k in self.tiers[0]})   # for "did you mean"

    def find(self, ref: str) -> tuple[Post | None, list[Post]]:
        """(the post, other posts the name also fits)."""
        key = _normal(ref, self.site_url).casefold()
        from .urls import jekyll_slugify
        for tier in self.tiers:
            for k in (key, (jekyll_slugify(key) or "").casefold()):
                found = tier.get(k)
                if found:
                    return found[0], found[1:]
        return None, []

    def hint(self, ref: str) -> str:
        import difflib
        key = _normal(ref, self.site_url).casefold()
        hidden = self.unpublished.get(key)
        if hidden is not None:
            return f"{hidden.source} is not published (published: false or draft: true)"
        close = difflib.get_close_matches(key, self.names, n=1, cutoff=0.6)
        return f"did you mean {close[0]!r}?" if close else "write the file name of a post (without .md), or its URL"


def chosen(posts: list[Post], index: Index, diags, *, complete: bool = True) -> dict[Post, list[Post]]:
    """Each post's ``related_articles``, resolved, with a warning for each reference that names
    no post (``complete``: every post was read; else unknown names are not reported)."""
    out: dict[Post, list[Post]] = {}
    for post in posts:
        if "related_articles" not in post.data:
            continue
        refs, ok = references(post)
        key_line = post.key_lines.get("related_articles")
        if not ok:
            diags.warning(post.source, key_line, "related_articles should be a list of post slugs; "
                          "items that are not were skipped", 'write related_articles: ["2025-01-01-slug", …]')
        found: list[Post] = []
        for ref in refs:
            target, others = index.find(ref)
            line = entry_line(post, ref, key_line) if target is None or others or target is post else None
            if target is None:
                if complete:
                    diags.warning(post.source, line, f"related_articles: no post {ref[:80]!r}; it is not shown",
                                  index.hint(ref))
                continue
            if others:
                diags.warning(post.source, line, f"related_articles: {ref[:80]!r} fits several posts ("
                              + ", ".join(p.source for p in [target, *others][:3]) + f"); {target.source} is shown",
                              "write the post's file name (without .md) instead")
            if target is post:
                diags.warning(post.source, line, f"related_articles: {ref[:80]!r} is this post itself; it is not shown",
                              "delete the entry")
            elif target not in found:
                found.append(target)
        if len(found) > MAX_CHOSEN:
            diags.warning(post.source, key_line, f"related_articles names {len(found)} posts; the first "
                          f"{MAX_CHOSEN} are shown", f"keep at most {MAX_CHOSEN}")
            found = found[:MAX_CHOSEN]
        if found:
            out[post] = found
    return out


def merge(chosen_posts: list[Post], computed: list[Post], limit: int = LIMIT) -> list[Post]:
    """The chosen posts in their order, then computed ones up to ``limit`` in all, each once."""
    rest = [p for p in computed if p not in chosen_posts]
    return chosen_posts + rest[: max(0, limit - len(chosen_posts))]
