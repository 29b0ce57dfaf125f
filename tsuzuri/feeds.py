"""Atom feeds (feedgen): the site's, and one per category (and per tag once tags have pages).

Entry ids follow jekyll-feed (site URL + the post's Jekyll id, "/2025/09/18/slug"), so readers
subscribed to the Jekyll blog's feed do not see every post again after the move.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Callable

import lxml.html
from feedgen.feed import FeedGenerator

from .posts import Post
from .publish import Identity, modified, xml_text

LIMIT = 20
EPOCH = "1970-01-01T00:00:00+00:00"  # `updated` of a feed with no posts (Atom requires one)


@dataclass
class Feed:
    path: str               # "feed.xml", "categories/<slug>/feed.xml"
    page_url: str           # the HTML page the feed follows: "", "categories/<slug>/"
    title: str
    posts: list[Post] = field(default_factory=list)   # newest first


def plan(posts: list[Post], identity: Identity, category_url: Callable[[str], str],
         tag_url: Callable[[str], str] | None = None) -> list[Feed]:
    """The site feed plus one feed per category (and per tag when ``tag_url`` is given)."""
    feeds = [Feed("feed.xml", "", identity.name, posts[:LIMIT])]
    for kind, label, names_of, url_of in (("category", "カテゴリー", lambda p: p.categories, category_url),
                                          ("tag", "タグ", lambda p: p.tags, tag_url)):
        if url_of is None:
            continue
        grouped: dict[str, list[Post]] = {}
        for post in posts:
            for name in names_of(post):
                grouped.setdefault(url_of(name), []).append(post)
        for url, members in sorted(grouped.items()):
            name = next(n for n in names_of(members[0]) if url_of(n) == url)
            feeds.append(Feed(f"{url}feed.xml", url, f"{identity.name} — {label}: {name}", members[:LIMIT]))
    return feeds


def entry_id(post: Post, identity: Identity) -> str:
    """jekyll-feed's id: site URL + dirname(url) + slug (Jekyll's ``post.id``)."""
    jekyll_id = posixpath.join(posixpath.dirname("/" + post.url.rstrip("/")), post.slug)
    return identity.absolute(jekyll_id)


def atom(posts: list[Post], *, identity: Identity, title: str, feed_url: str, page_url: str,
         category_scheme: str = "", tag_scheme: str = "") -> bytes:
    """An Atom document of ``posts`` (already limited and ordered newest first)."""
    fg = FeedGenerator()
    fg.id(feed_url)
    fg.title(xml_text(title))
    if identity.description:
        fg.subtitle(xml_text(identity.description))
    fg.link(href=feed_url, rel="self", type="application/atom+xml")
    fg.link(href=page_url, rel="alternate", type="text/html")
    fg.language(identity.language)
    fg.author({"name": xml_text(identity.name) or "tsuzuri"})
    fg.generator("tsuzuri")
    fg.updated(max(modified(p) for p in posts).replace(microsecond=0) if posts else EPOCH)
    ids: set[str] = set()
    for post in posts:
        url = identity.absolute(post.url)
        uid = entry_id(post, identity)
        if uid in ids:  # two posts with one Jekyll id (custom permalinks): the URL is unique
            uid = url
        ids.add(uid)
        fe = fg.add_entry(order="append")
        fe.id(uid)
        fe.title(xml_text(post.title))
        fe.link(href=url, rel="alternate", type="text/html")
        fe.published(post.date.replace(microsecond=0))
        fe.updated(modified(post).replace(microsecond=0))
        if post.author:
            fe.author({"name": xml_text(post.author)})
        fe.summary(xml_text(post.summary))
        fe.content(xml_text(absolute_links(post.html, url)), type="html")
        for name in post.categories:
            fe.category({"term": xml_text(name), **({"scheme": category_scheme} if category_scheme else {})})
        for name in post.tags:
            fe.category({"term": xml_text(name), **({"scheme": tag_scheme} if tag_scheme else {})})
    return fg.atom_str(pretty=True)


def absolute_links(html: str, base: str) -> str:
    """The post's HTML with every link and image made absolute (feed readers have no base)."""
    if not html.strip():
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    root.make_links_absolute(base, resolve_base_href=False)
    return lxml.html.tostring(root, encoding="unicode")[len("<div>"):-len("</div>")]
