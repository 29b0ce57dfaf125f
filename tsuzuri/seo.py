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

from .posts import Post
from .publish import Identity, image_path, modified, rfc3339


def head(identity: Identity, *, url: str | None, title: str, description: str = "",
         post: Post | None = None, feeds: list[dict] = (), home: bool = False) -> dict[str, Any]:
    """Meta tags, canonical URL, feed links and JSON-LD of one page.

    ``url`` is site-relative (None for the 404 page, which has no address of its own).
    """
    canonical = identity.absolute(url) if url is not None and identity.url else ""
    description = _one_line(post.summary if post is not None else description or identity.description)
    image = identity.absolute(_image(post, identity)) if identity.url and _image(post, identity) else ""
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
            "feeds": list(feeds), "json_ld": json_ld(ld) if ld else "", "noindex": url is None}


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


def _image(post: Post | None, identity: Identity) -> str:
    own = image_path(post.data.get("image")) if post is not None else ""
    return own or identity.image


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()
