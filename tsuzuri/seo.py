"""What a page tells search engines and social networks, as plain data for the <head> template.

Values are raw text here; the template escapes every attribute. JSON-LD is the one value
that goes into the page as is (a <script> body is not HTML-escaped), so ``json_ld`` makes it
safe itself: ``<``, ``>`` and ``&`` become JSON ``\\u`` escapes, so no front matter can close
the script element.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from .diagnostics import Diagnostics, short
from .posts import Post
from .publish import Identity, image_path, modified, rfc3339


def head(identity: Identity, *, url: str | None, title: str, description: str = "",
         post: Post | None = None, feeds: list[dict] = (), home: bool = False,
         image: str | None = None) -> dict[str, Any]:
    """Meta tags, canonical URL, feed links and JSON-LD of one page.

    ``url`` is site-relative (None for the 404 page, which has no address of its own). ``image``
    is the post's image once checked (publish.images: "" when missing from the site); without
    it the front matter's is taken as written.
    """
    canonical = identity.absolute(url) if url is not None and identity.url else ""
    if post is not None and (own := canonical_url(post)):
        canonical = identity.absolute(own)   # jekyll-seo-tag: canonical_url is the canonical link and og:url
    # `description:` describes the post to search engines; the excerpt stays the lists' summary
    own_description = _text(post.data.get("description")) if post is not None else ""
    description = _one_line(own_description or (post.summary if post is not None else "")
                            or description or identity.description)
    own = image if image is not None else image_path(post.data.get("image")) if post is not None else ""
    image = identity.absolute(own or identity.image) if identity.url and (own or identity.image) else ""
    og = [("og:type", "article" if post is not None else "website"), ("og:title", title),
          ("og:description", description), ("og:url", canonical), ("og:site_name", identity.name),
          ("og:locale", identity.locale), ("og:image", image)]
    if post is not None:
        og += [("article:published_time", rfc3339(post.date)),
               ("article:modified_time", rfc3339(modified(post))),
               ("article:section", post.categories[0] if post.categories else "")]
        og += [("article:tag", tag) for tag in post.tags]
    twitter = [("twitter:card", "summary_large_image" if image else "summary"), ("twitter:title", title),
               ("twitter:description", description), ("twitter:image", image),
               ("twitter:site", identity.twitter)]
    meta = [{"attr": "property", "key": k, "value": v} for k, v in og if v] + \
           [{"attr": "name", "key": k, "value": v} for k, v in twitter if v]
    ld = None
    if post is not None and canonical:
        ld = blog_posting(post, identity, canonical, image, description)
    elif home and identity.url:
        ld = {"@context": "https://schema.org", "@type": "WebSite", "name": identity.name,
              "url": identity.url, "description": identity.description, "inLanguage": identity.language}
    return {"title": title, "description": description, "canonical": canonical, "meta": meta,
            "feeds": list(feeds), "json_ld": json_ld(ld) if ld else "",
            "robots": "noindex" if url is None else robots(post)[0] if post is not None else ""}


# Directives search engines document for <meta name="robots"> (Google, Bing)
ROBOTS = frozenset("all index follow noindex nofollow none noarchive nocache nosnippet notranslate "
                   "noimageindex indexifembedded".split())
_ROBOTS_PARAM = re.compile(r"^(max-snippet|max-video-preview):\s*-?\d+$|^max-image-preview:\s*(none|standard|large)$"
                           r"|^unavailable_after:\s*[\w ,:+-]+$", re.IGNORECASE)


def robots(post: Post) -> tuple[str, list[str]]:
    """The post's `robots:` as (meta content of the known directives, the tokens left out)."""
    value = post.data.get("robots")
    if value is None or value is False:
        return "", []
    items = value if isinstance(value, list) else str(value).split(",")
    kept, bad = [], []
    for item in items:
        token = re.sub(r"\s+", " ", str(item)).strip()
        if token.lower() in ROBOTS or _ROBOTS_PARAM.match(token):
            kept.append(token.lower() if token.lower() in ROBOTS else token)
        elif token:
            bad.append(token)
    return ", ".join(kept), bad


def canonical_url(post: Post) -> str:
    """The post's `canonical_url:` when it is an absolute http(s) URL, else ""."""
    value = post.data.get("canonical_url")
    if not isinstance(value, str):
        return ""
    value = value.strip()
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc and not re.search(r"[\s<>\"]", value) else ""


def check(post: Post) -> Diagnostics:
    """The front matter the <head> and the sitemap read: description, robots, canonical_url, sitemap."""
    diags, line = Diagnostics(), post.key_lines.get
    if post.data.get("description") not in (None, "") and not isinstance(post.data["description"], str):
        diags.warning(post.source, line("description"), f"description must be text, got {short(post.data['description'])}; "
                      "the excerpt is used instead", 'write description: "検索結果に出る説明"')
    if bad := robots(post)[1]:
        diags.warning(post.source, line("robots"), f"robots: {', '.join(map(short, bad))} is not a robots directive; "
                      "it was left out of the page", "use noindex, nofollow, noarchive, nosnippet, ... (comma-separated)")
    value = post.data.get("canonical_url")
    if value not in (None, "") and not canonical_url(post):
        diags.warning(post.source, line("canonical_url"), f"canonical_url {short(value)} is not an http(s) URL; "
                      "the post's own URL is used", "write canonical_url: https://example.com/path/ or remove it")
    if isinstance(post.data.get("sitemap"), str):
        diags.warning(post.source, line("sitemap"), f"sitemap: {short(post.data['sitemap'])} is text, not false; "
                      "the post is listed in sitemap.xml", "write sitemap: false (without quotes) to leave it out")
    return diags


def blog_posting(post: Post, identity: Identity, canonical: str, image: str, description: str) -> dict:
    publisher: dict[str, Any] = {"@type": "Organization", "name": identity.name, "url": identity.url}
    if identity.image:
        publisher["logo"] = {"@type": "ImageObject", "url": identity.absolute(identity.image)}
    authors = [{"@type": "Person", "name": name} for name in split_authors(post.author)]
    data: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "BlogPosting",
        "headline": post.title, "description": description,
        "datePublished": rfc3339(post.date), "dateModified": rfc3339(modified(post)),
        "author": authors or [{"@type": "Organization", "name": identity.name, "url": identity.url}],
        "publisher": publisher,
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "url": canonical, "inLanguage": identity.language,
        "keywords": list(post.tags),
    }
    if post.categories:
        data["articleSection"] = post.categories[0]
    if image:
        data["image"] = [image]
    return data


def json_ld(data: dict) -> str:
    """JSON for a <script type="application/ld+json"> body that nothing in it can break out of."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def split_authors(author: str) -> list[str]:
    """"浅島亮子、村井令二" -> two people (front matter lists co-authors in one string)."""
    return [a.strip() for a in re.split(r"[、，,]|\s+and\s+", author or "") if a.strip()]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()
