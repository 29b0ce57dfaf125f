"""Related posts: shared entities and tags, each weighted by rarity.

score(p, q) = sum of idf(f) over the features f (tags and entities) p and q share, with
idf(f) = log(N / posts with f): a tag on every post counts for nothing. Ties go to the post
closest in date, then to the URL, so the result is deterministic.

Cost: scores are accumulated along each feature's list of posts, so the work is the sum of
df(f)² over the features, about N * (features per post) * (posts per feature). Features on
every post weigh nothing and are skipped.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict

from .posts import Post

LIMIT = 5


def features(post: Post) -> set[tuple[str, str]]:
    from .taxonomy import term_key
    feats = {("tag", term_key(t)) for t in post.tags}
    feats.update(("entity", e) for e in getattr(post, "mentions", {}) or {})
    return feats


def compute(posts: list[Post], limit: int = LIMIT) -> dict[Post, list[Post]]:
    n = len(posts)
    feats = [features(p) for p in posts]
    postings: dict[tuple, list[int]] = defaultdict(list)
    for i, fs in enumerate(feats):
        for f in fs:
            postings[f].append(i)
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
            touched.update(ids)
            for j in ids:
                scores[j] += w
        touched.discard(i)
        top = heapq.nlargest(limit, map(scores.__getitem__, touched))
        floor = max(top[-1] - 1e-6, 1e-9) if top else 1.0  # only posts that can make the cut are sorted
        ranked = sorted((j for j in touched if scores[j] >= floor),
                        key=lambda j: (-round(scores[j], 9), abs(stamps[j] - stamps[i]), posts[j].url))
        result[post] = [posts[j] for j in ranked[:limit]]
        for j in touched | {i}:
            scores[j] = 0.0
    return result
