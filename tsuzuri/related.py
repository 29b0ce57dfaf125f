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
from collections import defaultdict

from .posts import Post

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
