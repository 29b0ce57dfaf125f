"""What feeds, meta tags and the sitemap share: absolute URLs, modification dates, site identity.

Pages know themselves by site-relative URLs ("2025/09/18/slug/"); everything published for
other machines (feeds, sitemap, Open Graph, JSON-LD) needs absolute, percent-encoded URLs.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from .config import SiteConfig
from .dates import DateError, parse_date
from .diagnostics import Diagnostics
from .posts import Post

FEED_TERMS = 50  # categories and tags a feed entry lists (a post's entry is in each of its tag feeds)

# Characters XML 1.0 cannot carry at all (lxml refuses them); front matter can contain them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Identity:
    """The site as feeds and search engines see it."""
    url: str                  # absolute, ends with "/": "https://blog.example.jp/"
    name: str
    description: str = ""
    image: str = ""           # default share image, site-relative or absolute
    twitter: str = ""         # "@account" for twitter:site
    language: str = "ja"
    locale: str = "ja_JP"

    @classmethod
    def from_config(cls, config: SiteConfig, description: str = "") -> "Identity":
        extra = config.extra
        url = config.url if config.url.endswith("/") else config.url + "/"
        return cls(url=url if config.url else "", name=config.title, description=description,
                   image=str(extra.get("image") or ""), twitter=str(extra.get("twitter") or ""))

    def absolute(self, path: str) -> str:
        """Absolute URL of a site-relative path or URL; non-ASCII is percent-encoded."""
        return absolute(self.url, path)


def absolute(site_url: str, path: str) -> str:
    if urlsplit(path).scheme in ("http", "https"):
        return quote(path, safe=":/?#[]@!$&'()*+,;=%~")
    return urljoin(site_url, quote(path.lstrip("/"), safe="/?#[]@!$&'()*+,;=%~:"))


def xml_text(text: str) -> str:
    """Text with the characters XML cannot hold removed (a stray \\x0b in a title)."""
    return _NOT_XML.sub("", text or "")


def modified(post: Post) -> dt.datetime:
    """When the post last changed: ``last_modified_at`` if it is a readable date, else its date."""
    value = post.data.get("last_modified_at")
    if value in (None, ""):
        return post.date
    try:
        when, _ = parse_date(value, post.date.tzinfo)
    except (DateError, TypeError):
        return post.date
    return max(when, post.date)


def check(post: Post) -> Diagnostics:
    """Problems with the front matter that only publishing uses (last_modified_at, image, tags)."""
    diags = Diagnostics()
    value = post.data.get("last_modified_at")
    if value not in (None, ""):
        try:
            when, _ = parse_date(value, post.date.tzinfo)
            if when < post.date:
                diags.note(post.source, None, f"last_modified_at {value!r} is before the post's date; "
                           "the date is used", "remove last_modified_at or correct it")
        except (DateError, TypeError):
            diags.warning(post.source, None, f"last_modified_at {value!r} is not a date; the post's date is used",
                          "write last_modified_at: YYYY-MM-DD HH:MM:SS +0900")
    image = post.data.get("image")
    if image not in (None, "") and not image_path(image):
        diags.warning(post.source, None, f"image {image!r} is not a path or URL; the site's default image is used",
                      "write image: /assets/images/name.png (or an https:// URL)")
    terms = len(post.categories) + len(post.tags)
    if terms > FEED_TERMS:
        diags.warning(post.source, post.key_lines.get("tags"),
                      f"{terms} categories and tags: feed entries list only the first {FEED_TERMS} "
                      f"(the post is in {len(post.tags)} tag feeds; each would carry all {terms}); "
                      "every tag still has its page and feed", "keep a post to the few tags readers follow")
    return diags


def image_path(value) -> str:
    """jekyll-seo-tag's ``image``: a path/URL string or a mapping with ``path``."""
    if isinstance(value, dict):
        value = value.get("path")
    if not isinstance(value, str) or not value.strip():
        return ""
    value = value.strip()
    scheme = urlsplit(value).scheme
    if scheme and scheme not in ("http", "https"):
        return ""  # javascript:, data: and friends are not share images
    return value


def rfc3339(when: dt.datetime) -> str:
    """2025-09-18T13:37:41+09:00 (seconds, explicit offset)."""
    return when.replace(microsecond=0).isoformat()
