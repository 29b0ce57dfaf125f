"""The files published beside the pages (feeds, sitemap, robots.txt, llms.txt) and each page's <head> data.

The adapter calls ``plan`` once per build, ``head`` for every page it renders and ``files``
after the pages are written. Nothing here knows MkDocs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable
from urllib.parse import unquote

from . import feeds, llms, redirects, seo, sitemap
from .pages import PageSpec
from .posts import Post
from .publish import Identity, modified
from .site import Site
from .taxonomy import term_key

RECENT = 5  # posts the 404 page links to


@dataclass
class Plan:
    identity: Identity
    feeds: list[feeds.Feed]
    specs: list[PageSpec]
    site: Site
    _by_page: dict[str, feeds.Feed] = field(default_factory=dict)

    def __post_init__(self):
        self._by_page = {unquote(f.page_url): f for f in self.feeds}  # page URLs may be %-encoded


def plan(site: Site, specs: list[PageSpec], identity: Identity) -> Plan:
    return Plan(identity, feeds.plan(site.posts, identity, site.categories, site.tags), specs, site)


def head(p: Plan, *, url: str | None, title: str, description: str = "", post: Post | None = None) -> dict[str, Any]:
    """<head> data of a page at ``url`` (site-relative; None for the 404 page)."""
    home = url == ""
    image = p.site.images.get(post.url) if post is not None else None
    return seo.head(p.identity, url=url, title=p.identity.name if home else title, description=description,
                    post=post, feeds=feed_links(p, url, post), home=home, image=image.src if image else "")


def feed_links(p: Plan, url: str | None, post: Post | None) -> list[dict]:
    """The site feed everywhere; a category's or tag's feed on its pages; a post's categories' feeds
    on the post (not its tags': six feed links would drown the reader's choice)."""
    wanted = [""]
    if post is not None:
        wanted += [p.site.categories[term_key(c)].url for c in post.categories if term_key(c) in p.site.categories]
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
             "date": f"{post.date.year}年{post.date.month}月{post.date.day}日"} for post in p.site.posts[:RECENT]]


# mkdocs serve: each file's inputs and bytes from the last rebuild. The keys hold the values
# themselves (an unchanged post keeps its strings, so comparing them is cheap), never ids.
_LAST: dict[str, tuple[tuple, bytes]] = {}


def _remember(path: str, key: tuple, make: Callable[[], bytes]) -> bytes:
    last = _LAST.get(path)
    if last is not None and last[0] == key:
        return last[1]
    data = make()
    _LAST[path] = (key, data)
    return data


def _entry_key(post: Post, full: bool) -> tuple:
    """What feeds.atom reads of a post."""
    return (post.url, post.slug, post.title, post.date, modified(post), post.author, post.summary,
            tuple(post.categories), tuple(post.tags), post.html if full else None)


def files(p: Plan, docs_urls: list[str]) -> dict[str, bytes]:
    """Every published file by its path in the site: feeds, sitemap.xml(.gz), robots.txt, llms.txt."""
    ident = p.identity
    out: dict[str, bytes] = {}
    content = lru_cache(maxsize=None)(lambda post: feeds.entry_html(post, ident))  # once per post, not per feed
    for feed in p.feeds:
        key = (ident, feed.title, feed.page_url, feed.full, tuple(_entry_key(q, feed.full) for q in feed.posts))
        out[feed.path] = _remember(feed.path, key, lambda feed=feed: feeds.atom(
            feed.posts, identity=ident, title=feed.title, feed_url=ident.absolute(feed.path),
            page_url=ident.absolute(feed.page_url), content=content if feed.full else None,
            category_scheme=ident.absolute("categories/"), tag_scheme=ident.absolute("tags/")))
    pages = [(s.url, s.context, s.post) for s in p.specs]
    items = sitemap.entries(pages, p.site.posts, docs_urls)
    xml = _remember("sitemap.xml", (ident, tuple(items)), lambda: sitemap.xml(items, ident))
    out["sitemap.xml"] = xml
    out["sitemap.xml.gz"] = _remember("sitemap.xml.gz", (xml,), lambda: sitemap.gz(xml))
    out["robots.txt"] = sitemap.robots(ident).encode("utf-8")
    out.update(llms.files(p.site.posts, p.site.categories, p.site.redirects, ident, p.site.config.llms))
    return out


def redirect_pages(p: Plan) -> dict[str, bytes]:
    """redirect_from's pages by their path in the site (with or without site_url: they send
    readers on by a relative link; only their canonical link needs the site's address)."""
    ident = p.identity
    return {r.dest: redirects.page(r, ident.absolute(r.post.url) if ident.url else "") for r in p.site.redirects}
