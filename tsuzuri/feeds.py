"""Atom feeds (feedgen): the site's, one per category and one per tag.

Entry ids follow jekyll-feed (site URL + the post's Jekyll id, "/2025/09/18/slug"), so readers
subscribed to the Jekyll blog's feed do not see every post again after the move.

The site and category feeds carry each post's full cleaned HTML; tag feeds carry summaries
and links only: a blog with hundreds of tags would otherwise publish every article's full
text hundreds of times (20 posts x ~30 KB per tag feed).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Callable, Mapping

import lxml.html
from feedgen.feed import FeedGenerator

from .posts import Post
from .publish import FEED_TERMS, Identity, modified, xml_text

LIMIT = 20
EPOCH = "1970-01-01T00:00:00+00:00"  # `updated` of a feed with no posts (Atom requires one)


@dataclass
class Feed:
    path: str               # "feed.xml", "categories/<slug>/feed.xml"
    page_url: str           # the HTML page the feed follows: "", "categories/<slug>/"
    title: str
    posts: list[Post] = field(default_factory=list)   # newest first
    full: bool = True       # full content (site, categories) or summaries (tags)


def plan(posts: list[Post], identity: Identity, categories: Mapping = {}, tags: Mapping = {}) -> list[Feed]:
    """The site feed plus one per category and per tag (taxonomy.Term values: name, url, posts)."""
    feeds = [Feed("feed.xml", "", identity.name, posts[:LIMIT])]
    for label, terms, full in (("カテゴリー", categories, True), ("タグ", tags, False)):
        for term in sorted(terms.values(), key=lambda t: t.url):
            feeds.append(Feed(f"{term.url}feed.xml", term.url, f"{identity.name} — {label}: {term.name}",
                              term.posts[:LIMIT], full))
    return feeds


def entry_id(post: Post, identity: Identity) -> str:
    """jekyll-feed's id: site URL + dirname(url) + slug (Jekyll's ``post.id``)."""
    jekyll_id = posixpath.join(posixpath.dirname("/" + post.url.rstrip("/")), post.slug)
    return identity.absolute(jekyll_id)


def atom(posts: list[Post], *, identity: Identity, title: str, feed_url: str, page_url: str,
         content: Callable[[Post], str] | None = None, category_scheme: str = "", tag_scheme: str = "") -> bytes:
    """An Atom document of ``posts`` (already limited and ordered newest first).

    ``content(post)`` gives an entry's HTML (see ``entry_html``); without it entries carry
    only their summary and link.
    """
    fg = FeedGenerator()
    fg.id(feed_url)
    fg.title(xml_text(title) or identity.url or "feed")  # Atom requires a title; feedgen raises without one
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
        fe.title(xml_text(post.title) or post.slug)
        fe.link(href=url, rel="alternate", type="text/html")
        fe.published(post.date.replace(microsecond=0))
        fe.updated(modified(post).replace(microsecond=0))
        if post.author:
            fe.author({"name": xml_text(post.author)})
        fe.summary(xml_text(post.summary))
        if content is not None:
            fe.content(content(post), type="html")
        # At most FEED_TERMS (publish.check warns beyond): each of a post's tag feeds carries its
        # entry, so all of 1,000 tags would be 1,000,000 terms. One call: feedgen rebuilds the
        # entry's category list on every call.
        terms = ([(name, category_scheme) for name in post.categories]
                 + [(name, tag_scheme) for name in post.tags])[:FEED_TERMS]
        if terms:
            fe.category([{"term": xml_text(name), **({"scheme": scheme} if scheme else {})} for name, scheme in terms])
    return fg.atom_str(pretty=True)


def entry_html(post: Post, identity: Identity) -> str:
    """A post's HTML as a feed carries it: links absolute, no characters XML cannot hold."""
    return xml_text(absolute_links(post.html, identity.absolute(post.url)))


def absolute_links(html: str, base: str) -> str:
    """The post's HTML with every link and image made absolute (feed readers have no base)."""
    if not html.strip():
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    root.make_links_absolute(base, resolve_base_href=False)
    return lxml.html.tostring(root, encoding="unicode")[len("<div>"):-len("</div>")]
