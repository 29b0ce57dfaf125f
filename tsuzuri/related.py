"""Related posts: shared entities and tags, each weighted by rarity.

score(p, q) = sum of idf(f) over the features f (tags and entities) p and q share, with
idf(f) = log(N / posts with f): a tag on every post counts for nothing. Ties go to the post
closest in date, then to the URL, so the result is deterministic.

Cost: a post's candidates come from the posting lists of its *rare* features (df <= CAP), so the
work is about N * CAP instead of N². Common features still add their weight to every candidate;
a post is scanned in full only when its rare links are too weak to rule out a post that shares
only common features with it.
"""

from __future__ import annotations

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
    cap = max(50, int(4 * math.sqrt(n)))
    rare = {f for f, ids in postings.items() if len(ids) <= cap and weight[f] > 0}
    stamps = [p.date.timestamp() for p in posts]
    result: dict[Post, list[Post]] = {}
    for i, post in enumerate(posts):
        mine = feats[i]
        common = [f for f in mine if f not in rare and weight[f] > 0]
        scores: dict[int, float] = defaultdict(float)
        for f in mine & rare:
            w = weight[f]
            for j in postings[f]:
                scores[j] += w
        scores.pop(i, None)
        for j in scores:
            scores[j] += sum(weight[f] for f in common if f in feats[j])
        ceiling = sum(weight[f] for f in common)  # best a post sharing only common features can do
        if common and (len(scores) < limit or sorted(scores.values(), reverse=True)[limit - 1] <= ceiling):
            for f in common:
                for j in postings[f]:
                    if j != i and j not in scores:
                        scores[j] = sum(weight[g] for g in common if g in feats[j])
        ranked = sorted((j for j, s in scores.items() if s > 0),
                        key=lambda j: (-round(scores[j], 9), abs(stamps[j] - stamps[i]), posts[j].url))
        result[post] = [posts[j] for j in ranked[:limit]]
    return result
