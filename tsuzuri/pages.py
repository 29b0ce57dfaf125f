"""Emit: the set of pages the site consists of, as plain values for the adapter.

URLs here are site-relative without a leading slash ("2025/09/18/slug/"); templates pass
them through MkDocs' ``url`` filter so the site works under any base path.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .posts import Post
from .site import Site
from .urls import slugify, url_of

WEEKDAYS = "月火水木金土日"


@dataclass
class PageSpec:
    dest_uri: str          # "2025/09/18/slug/index.html"
    src_uri: str           # the virtual Markdown source MkDocs is given
    title: str
    template: str          # a template in templates/
    context: dict[str, Any] = field(default_factory=dict)
    html: str = ""         # pre-rendered body (posts)
    toc: list = field(default_factory=list)
    post: Post | None = None

    @property
    def url(self) -> str:
        return url_of(self.dest_uri)


def display_date(post: Post) -> str:
    d = post.date
    return f"{d.year}年{d.month}月{d.day}日（{WEEKDAYS[d.weekday()]}） {d:%H:%M}"


def category_url(name: str) -> str:
    return f"categories/{slugify(name)}/"


def summary(post: Post) -> dict[str, Any]:
    """What a list page shows of a post."""
    return {
        "title": post.title, "url": post.url, "date": display_date(post),
        "date_iso": post.date.isoformat(), "summary": post.summary,
        "categories": [{"name": c, "url": category_url(c)} for c in post.categories],
        "tags": post.tags, "reading_time": post.reading_time, "author": post.author,
    }


def build(site: Site) -> list[PageSpec]:
    """Every page of the site, deterministic in order and content."""
    specs: list[PageSpec] = []
    summaries = {p: summary(p) for p in site.posts}
    for post in site.posts:
        stem = posixpath.splitext(post.rel)[0]
        ctx = dict(summaries[post], kind="post")
        specs.append(PageSpec(post.dest_uri, f"_posts/{stem}.md", post.title, "post.html",
                              ctx, html=post.html, toc=post.toc, post=post))
    items = [summaries[p] for p in site.posts]
    specs += paginate(items, "", "最新の記事", site.config.paginate, src="index.md")

    by_category: dict[str, list[Post]] = defaultdict(list)
    for post in site.posts:
        for cat in post.categories:
            by_category[cat].append(post)
    specs.append(PageSpec("categories/index.html", "categories/index.md", "カテゴリー", "terms.html", {
        "kind": "categories", "heading": "カテゴリー",
        "terms": [{"name": c, "url": category_url(c), "count": len(ps)}
                  for c, ps in sorted(by_category.items(), key=lambda kv: (-len(kv[1]), kv[0]))],
    }))
    for cat, posts in sorted(by_category.items()):
        specs += paginate([summaries[p] for p in posts], category_url(cat),
                          f"カテゴリー: {cat}", site.config.paginate)

    specs.append(PageSpec("archive/index.html", "archive/index.md", "アーカイブ", "archive.html",
                          {"kind": "archive", "heading": "アーカイブ", "years": archive(site.posts, summaries)}))
    return specs


def paginate(items: list[dict], base: str, heading: str, per_page: int, src: str | None = None) -> list[PageSpec]:
    """Pages base, base/page/2/, ... of ``per_page`` items each (one page when empty)."""
    per_page = max(1, per_page)
    chunks = [items[i:i + per_page] for i in range(0, len(items), per_page)] or [[]]
    total = len(chunks)

    def url(n: int) -> str:
        return base if n == 1 else f"{base}page/{n}/"

    specs = []
    for n, chunk in enumerate(chunks, 1):
        dest = url(n) + "index.html"
        title = heading if n == 1 else f"{heading}（{n}ページ目）"
        src_uri = src if (src and n == 1) else dest[: -len(".html")] + ".md"
        specs.append(PageSpec(dest, src_uri, title, "list.html", {
            "kind": "list", "heading": heading, "items": chunk,
            "pagination": {"page": n, "pages": total, "count": len(items),
                           "prev": url(n - 1) if n > 1 else None,
                           "next": url(n + 1) if n < total else None},
        }))
    return specs


def archive(posts: list[Post], summaries: dict[Post, dict]) -> list[dict]:
    """Years (newest first) of months (newest first) of posts."""
    years: dict[int, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for post in posts:
        years[post.date.year][post.date.month].append(summaries[post])
    return [{"year": y, "count": sum(len(v) for v in months.values()),
             "months": [{"month": m, "items": months[m]} for m in sorted(months, reverse=True)]}
            for y, months in sorted(years.items(), reverse=True)]
