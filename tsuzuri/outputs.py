"""The files published beside the pages (feeds, sitemap, robots.txt) and each page's <head> data.

The adapter calls ``plan`` once per build, ``head`` for every page it renders and ``files``
after the pages are written. Nothing here knows MkDocs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import unquote

from . import feeds, seo, sitemap
from .pages import PageSpec, category_url
from .posts import Post
from .publish import Identity
from .site import Site

RECENT = 5  # posts the 404 page links to


@dataclass
class Plan:
    identity: Identity
    feeds: list[feeds.Feed]
    specs: list[PageSpec]
    posts: list[Post]
    tag_url: Callable[[str], str] | None = None
    _by_page: dict[str, feeds.Feed] = field(default_factory=dict)

    def __post_init__(self):
        self._by_page = {unquote(f.page_url): f for f in self.feeds}  # page URLs may be %-encoded


def plan(site: Site, specs: list[PageSpec], identity: Identity,
         tag_url: Callable[[str], str] | None = None) -> Plan:
    return Plan(identity, feeds.plan(site.posts, identity, category_url, tag_url), specs, site.posts, tag_url)


def head(p: Plan, *, url: str | None, title: str, description: str = "", post: Post | None = None) -> dict[str, Any]:
    """<head> data of a page at ``url`` (site-relative; None for the 404 page)."""
    home = url == ""
    return seo.head(p.identity, url=url, title=p.identity.name if home else title, description=description,
                    post=post, feeds=feed_links(p, url, post), home=home)


def feed_links(p: Plan, url: str | None, post: Post | None) -> list[dict]:
    """The site feed everywhere; a category's (tag's) feed on its pages and on its posts."""
    wanted = [""]
    if post is not None:
        wanted += [category_url(c) for c in post.categories]
        if p.tag_url is not None:
            wanted += [p.tag_url(t) for t in post.tags]
    elif url:
        wanted.append(re.sub(r"(^|/)page/\d+/$", r"\1", url))   # "categories/x/page/2/" -> its first page
    links, seen = [], set()
    for page_url in wanted:
        feed = p._by_page.get(unquote(page_url))
        if feed is not None and feed.path not in seen:
            seen.add(feed.path)
            links.append({"title": feed.title, "href": p.identity.absolute(feed.path)})
    return links


def recent(p: Plan) -> list[dict]:
    """The newest posts, for the 404 page."""
    return [{"title": post.title, "url": post.url, "date_iso": post.date.isoformat(),
             "date": f"{post.date.year}年{post.date.month}月{post.date.day}日"} for post in p.posts[:RECENT]]


def files(p: Plan, docs_urls: list[str]) -> dict[str, bytes]:
    """Every published file by its path in the site: feeds, sitemap.xml(.gz), robots.txt."""
    ident = p.identity
    out: dict[str, bytes] = {}
    for feed in p.feeds:
        out[feed.path] = feeds.atom(feed.posts, identity=ident, title=feed.title,
                                    feed_url=ident.absolute(feed.path), page_url=ident.absolute(feed.page_url),
                                    category_scheme=ident.absolute("categories/"),
                                    tag_scheme=ident.absolute("tags/") if p.tag_url else "")
    pages = [(s.url, s.context, s.post) for s in p.specs]
    xml = sitemap.xml(sitemap.entries(pages, p.posts, docs_urls), ident)
    out["sitemap.xml"], out["sitemap.xml.gz"] = xml, sitemap.gz(xml)
    out["robots.txt"] = sitemap.robots(ident).encode("utf-8")
    return out
