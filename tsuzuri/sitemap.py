"""sitemap.xml and robots.txt.

``lastmod`` is when the content changed, not when the site was built (MkDocs' own sitemap):
a post's ``last_modified_at`` or date; for a list page, the newest of the posts it shows; for
a page that shows no post but summarises them (category index), the newest post of the site.
Hand-written pages without a date are listed without ``lastmod``.
"""

from __future__ import annotations

import datetime as dt
import gzip
from dataclasses import dataclass
from typing import Any, Iterable

from lxml import etree

from .posts import Post
from .publish import Identity, modified, rfc3339

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


@dataclass(frozen=True)
class Entry:
    url: str                          # site-relative
    lastmod: dt.datetime | None = None


def entries(pages: Iterable[tuple[str, Any, Post | None]], posts: list[Post],
            extra_urls: Iterable[str] = ()) -> list[Entry]:
    """Entries for generated pages given as (url, context, post) plus hand-written pages."""
    by_url = {p.url: p for p in posts}
    newest = max((modified(p) for p in posts), default=None)
    out = []
    for url, context, post in pages:
        if post is not None:
            if post.data.get("sitemap") is not False:  # jekyll-sitemap: `sitemap: false` leaves it out
                out.append(Entry(url, modified(post)))
            continue
        shown = [by_url[i["url"]] for i in (context or {}).get("items") or () if i.get("url") in by_url]
        out.append(Entry(url, max(map(modified, shown)) if shown else newest))
    out += [Entry(u) for u in extra_urls]
    return sorted(set(out), key=lambda e: e.url)


def xml(items: list[Entry], identity: Identity) -> bytes:
    root = etree.Element(f"{{{NS}}}urlset", nsmap={None: NS})
    for item in items:
        url = etree.SubElement(root, f"{{{NS}}}url")
        etree.SubElement(url, f"{{{NS}}}loc").text = identity.absolute(item.url)
        if item.lastmod is not None:
            etree.SubElement(url, f"{{{NS}}}lastmod").text = rfc3339(item.lastmod)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def gz(data: bytes) -> bytes:
    """sitemap.xml.gz, byte-identical across builds (gzip stores a time: zero it)."""
    return gzip.compress(data, mtime=0)


def robots(identity: Identity) -> str:
    return f"User-agent: *\nAllow: /\n\nSitemap: {identity.absolute('sitemap.xml')}\n"
