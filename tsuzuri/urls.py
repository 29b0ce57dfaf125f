"""Permalinks: Jekyll's placeholders, expanded in the site timezone, and checked for escapes."""

from __future__ import annotations

import hashlib
import posixpath
import re
import unicodedata
from urllib.parse import quote, unquote

from .posts import Post

STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}

_PLACEHOLDER = re.compile(r":(output_ext|categories|short_year|short_month|long_month|i_month|i_day|"
                          r"y_day|year|month|day|hour|minute|second|title|slug)")


MAX_NAME = 255   # bytes in one file name (ext4, APFS, NTFS): longer names cannot be written
_SAFE = ":@!$&'()*+,;=-._~"   # characters url_of leaves as they are in a URL


class PermalinkError(ValueError):
    pass


def encoded_len(name: str) -> int:
    """Bytes of ``name`` as a percent-encoded URL segment (how url_of spells it)."""
    return len(quote(name.encode("utf-8", "surrogatepass"), safe=_SAFE))


def bounded(name: str, limit: int = MAX_NAME) -> str:
    """``name`` if its percent-encoded form fits in ``limit`` bytes; else a readable prefix plus
    8 hex digits of its hash (deterministic, so the URL is stable across builds)."""
    if encoded_len(name) <= limit:
        return name
    tail = "-" + hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    prefix, size = [], len(tail)
    for ch in name:
        size += encoded_len(ch)
        if size > limit:
            break
        prefix.append(ch)
    return "".join(prefix).rstrip("-.") + tail


def long_segment(dest: str) -> str | None:
    """The first segment of a destination path too long to be a file name, if any."""
    return next((seg for seg in dest.split("/") if len(seg.encode("utf-8", "surrogatepass")) > MAX_NAME), None)


def slugify(text: str) -> str:
    """URL-safe slug that keeps Japanese letters (for tag and category pages)."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    text = re.sub(r"[\s/\\?#%&:;,'\"<>|*^`{}\[\]]+", "-", text)
    text = re.sub(r"-{2,}", "-", text).strip("-.")
    return text or "_"


def expand(pattern: str, post: Post) -> str:
    pattern = STYLES.get(pattern, pattern)
    d = post.date
    values = {
        "year": f"{d.year:04d}", "month": f"{d.month:02d}", "day": f"{d.day:02d}",
        "i_month": str(d.month), "i_day": str(d.day), "short_year": f"{d.year % 100:02d}",
        "short_month": d.strftime("%b"), "long_month": d.strftime("%B"),
        "y_day": f"{d.timetuple().tm_yday:03d}",
        "hour": f"{d.hour:02d}", "minute": f"{d.minute:02d}", "second": f"{d.second:02d}",
        "title": post.slug, "slug": post.slug, "output_ext": ".html",
        "categories": "/".join(slugify(c) for c in post.categories),
    }
    url = _PLACEHOLDER.sub(lambda m: values[m.group(1)], pattern)
    return "/" + re.sub(r"/{2,}", "/", url).lstrip("/")


def check(url: str) -> None:
    """Raise PermalinkError if the URL could land outside the site."""
    probe = url
    for _ in range(3):  # %252e%252e decodes twice
        probe = unquote(probe)
    if "\\" in probe or "\x00" in probe:
        raise PermalinkError(f"permalink {url!r} contains a backslash or NUL")
    first = probe.lstrip("/").split("/", 1)[0]
    # a scheme ("javascript:", "https:") before any "/"; ":year" placeholders start with ":"
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", probe) or probe.startswith("//") or re.match(r"^[^:]+:", first):
        raise PermalinkError(f"permalink {url!r} is an absolute URL, not a path in the site")
    if any(seg in ("..", ".") for seg in probe.split("/")):
        raise PermalinkError(f"permalink {url!r} escapes the site with '..'")


def dest_uri(url: str) -> str:
    """'/a/b/' -> 'a/b/index.html'; '/a/b.html' -> 'a/b.html'; '/a/b' -> 'a/b.html' (Jekyll)."""
    path = url.lstrip("/")
    if not path or path.endswith("/"):
        return path + "index.html"
    if posixpath.splitext(path)[1]:
        return path
    return path + ".html"


def url_of(dest: str) -> str:
    """The site-relative URL MkDocs gives a destination path (no leading slash)."""
    if dest == "index.html":
        return ""
    if dest.endswith("/index.html"):
        dest = dest[: -len("index.html")]
    return quote(dest, safe="/" + _SAFE)

