"""What feeds, meta tags and the sitemap share: absolute URLs, modification dates, site identity.

Pages know themselves by site-relative URLs ("2025/09/18/slug/"); everything published for
other machines (feeds, sitemap, Open Graph, JSON-LD) needs absolute, percent-encoded URLs.
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

from .config import SiteConfig
from .dates import DateError, parse_date
from .diagnostics import Diagnostics, short
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
        diags.warning(post.source, post.key_lines.get("image"),
                      f"image {short(image)} is not a path or URL; the site's default image is used",
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
    if re.search(r"[\x00-\x1f\x7f]", value):
        return ""  # a URL parser drops tabs and newlines ("http:\t//x"): what it read is not what is written
    parts = urlsplit(value)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return ""  # javascript:, data: and friends are not share images
    if parts.netloc and not parts.scheme or parts.scheme and not parts.netloc:
        return ""  # "//host/x.png", "https:x.png": neither a site path nor a full URL
    return value


@dataclass(frozen=True)
class Image:
    """A post's own image as its pages show it (thumbnail, post header, share card)."""
    src: str        # site-relative and %-encoded ("assets/images/x.png"), or an absolute http(s) URL
    alt: str = ""   # `image: {alt: ...}`; templates use the post's title without one


def images(posts: list[Post], docs: Path, docs_label: str, diags: Diagnostics) -> dict[str, Image]:
    """Each post's usable ``image:`` by post URL. A site path must name a file under ``docs``
    (the site's own files): a missing one is a warning on the ``image:`` line, and the post is
    shown without it. Runs every build, outside the per-post cache (docs/ changes on its own),
    reading each folder of docs/ once. URLs are not fetched."""
    files, found = _Files(docs), {}
    for post in posts:
        value = image_path(post.data.get("image"))
        if not value:
            continue  # absent, or reported by check() (a wrong scheme or type)
        raw = post.data["image"]
        alt = raw.get("alt") if isinstance(raw, dict) and isinstance(raw.get("alt"), str) else ""
        parts = urlsplit(value)
        if parts.scheme:
            found[post.url] = Image(quote(value, safe=":/?#[]@!$&'()*+,;=%~"), alt.strip())
            continue
        rel = _site_path(parts.path)
        problem = "is outside the site" if rel is None else files.missing(rel)
        if problem:
            diags.warning(post.source, post.key_lines.get("image"),
                          f"image {repr(value) if len(value) <= 300 else short(value)} {problem}; the post is "
                          "shown without it and its share card uses the site's default image",
                          f"add the file under {docs_label}/ (/assets/x.png is {docs_label}/assets/x.png), "
                          "or correct the path")
            continue
        query = quote(parts.query, safe="=&;%+/:,@!$'()*~")  # ?v=2 (a cache buster) is kept, encoded
        src = quote(rel, safe="/!$&'()*+,;=@~") + (f"?{query}" if query else "")
        found[post.url] = Image(src, alt.strip())
    return found


def _site_path(path: str) -> str | None:
    """'/assets/a/../b.png' -> 'assets/b.png' (decoded); None if it leaves the site or names no file."""
    segments: list[str] = []
    for seg in unquote(path).split("/"):
        if seg == "..":
            if not segments:
                return None
            segments.pop()
        elif seg not in ("", "."):
            segments.append(seg)
    return "/".join(segments) or None


class _Files:
    """Which paths exist under a folder, with their exact case (the server's file system is
    case-sensitive even when the editor's is not): one listing per folder, kept for the build."""

    def __init__(self, root: Path):
        self.root = root
        self.listings: dict[str, dict[str, bool] | None] = {}  # folder -> {NFC name: is a folder}

    def _listing(self, folder: str) -> dict[str, bool] | None:
        if folder not in self.listings:
            try:
                with os.scandir(self.root / folder) as entries:
                    self.listings[folder] = {unicodedata.normalize("NFC", e.name): e.is_dir() for e in entries}
            except (OSError, ValueError):  # not a folder, unreadable, a NUL in the name
                self.listings[folder] = None
        return self.listings[folder]

    def missing(self, rel: str) -> str:
        """'' if ``rel`` is a file here, else what is wrong, naming the folder it was looked for in."""
        folder = ""
        segments = unicodedata.normalize("NFC", rel).split("/")
        for i, seg in enumerate(segments):
            names = self._listing(folder)
            if names is None or seg not in names or (names[seg] != (i < len(segments) - 1)):
                near = [n for n in (names or ()) if n.casefold() == seg.casefold() and n != seg]
                where = posixpath.join(folder, near[0]) if near else ""
                return (f"does not exist in the site ({where!r} differs only by case, which the server "
                        "does not forgive)" if near else "does not exist in the site")
            folder = posixpath.join(folder, seg)
        return ""


def rfc3339(when: dt.datetime) -> str:
    """2025-09-18T13:37:41+09:00 (seconds, explicit offset)."""
    return when.replace(microsecond=0).isoformat()
