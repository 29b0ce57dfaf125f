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

_PLACEHOLDER = re.compile(r":(output_ext|slugified_categories|categories|short_year|short_month|long_month|"
                          r"i_month|i_day|y_day|year|month|day|hour|minute|second|title|slug|name)")

# Jekyll's Utils.slugify (lib/jekyll/utils.rb, 4.3). Its regexps use Unicode properties, which
# Python's re lacks: "\p{M}\p{L}\p{Nd}" is tested per character with unicodedata.category.
SLUGIFY_MODES = ("raw", "default", "pretty", "ascii", "latin")
_PRETTY_KEEP = frozenset("._~!$&'()+,;=@")
_RUBY_SPACE = re.compile(r"[ \t\r\n\f\v]+")  # Ruby's \s is ASCII only
_ASCII_RUN = re.compile(r"[^A-Za-z0-9]+")
# I18n.transliterate's Latin approximations that Unicode decomposition does not give
_LATIN = {"ß": "ss", "Æ": "AE", "æ": "ae", "Ø": "O", "ø": "o", "Ð": "D", "ð": "d", "Þ": "TH", "þ": "th",
          "Œ": "OE", "œ": "oe", "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "ı": "i", "ĸ": "k", "Ŀ": "L",
          "ŀ": "l", "Ŋ": "N", "ŋ": "n", "Ħ": "H", "ħ": "h", "Ŧ": "T", "ŧ": "t", "ſ": "s"}


MAX_NAME = 255   # bytes in one file name (ext4, APFS, NTFS): longer names cannot be written
_SAFE = ":@!$&'()*+,;=-._~"   # characters url_of leaves as they are in a URL


class PermalinkError(ValueError):
    pass


def jekyll_slugify(text: str | None, mode: str | None = "default", cased: bool = False) -> str | None:
    """Jekyll's ``Utils.slugify(string, mode:, cased:)``, character for character.

    default: runs of anything but letters, marks and decimal digits become one "-";
    pretty: also keeps ``._~!$&'()+,;=@``; ascii: keeps only A-Z a-z 0-9; latin: accented Latin
    letters lose their accents first (anything else non-ASCII becomes "?"); raw: only
    whitespace runs become "-"; any other mode (Jekyll's "none"): the text as it is. Then one
    leading and one trailing "-" go, and the result is lowercased unless ``cased``.
    """
    if text is None:
        return None
    mode = mode or "default"
    if mode not in SLUGIFY_MODES:
        return text if cased else text.lower()
    if mode == "latin":
        text = "".join(_latin(c) for c in text)
    if mode == "raw":
        slug = _RUBY_SPACE.sub("-", text)
    elif mode == "ascii":
        slug = _ASCII_RUN.sub("-", text)
    else:
        extra = _PRETTY_KEEP if mode == "pretty" else frozenset()
        out, in_run = [], False
        for c in text:
            if c in extra or unicodedata.category(c)[0] in "LM" or unicodedata.category(c) == "Nd":
                out.append(c)
                in_run = False
            elif not in_run:
                out.append("-")
                in_run = True
        slug = "".join(out)
    # gsub!(/^-|-$/, ""): one hyphen at each end (the text has no line breaks left)
    slug = slug[1:] if slug.startswith("-") else slug
    slug = slug[:-1] if slug.endswith("-") else slug
    return slug if cased else slug.lower()


def _latin(c: str) -> str:
    if c < "\x80":
        return c
    if c in _LATIN:
        return _LATIN[c]
    if unicodedata.name(c, "").startswith("LATIN "):
        base = "".join(b for b in unicodedata.normalize("NFKD", c) if not unicodedata.combining(b))
        if base.isascii() and base:
            return base
    return "?"


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
    """tsuzuri's slug for its own tag and category pages: keeps Japanese letters (not Jekyll's)."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    text = re.sub(r"[\s/\\?#%&:;,'\"<>|*^`{}\[\]]+", "-", text)
    text = re.sub(r"-{2,}", "-", text).strip("-.")
    return text or "_"


def expand(pattern: str, post: Post) -> str:
    pattern = STYLES.get(pattern, pattern)
    d = post.date
    name = posixpath.basename(post.rel)
    name = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name  # File.basename(path, ".*")
    categories = list(dict.fromkeys(c.lower() for c in post.categories))  # Jekyll's UrlDrop#categories
    values = {
        "year": f"{d.year:04d}", "month": f"{d.month:02d}", "day": f"{d.day:02d}",
        "i_month": str(d.month), "i_day": str(d.day), "short_year": f"{d.year % 100:02d}",
        "short_month": d.strftime("%b"), "long_month": d.strftime("%B"),
        "y_day": f"{d.timetuple().tm_yday:03d}",
        "hour": f"{d.hour:02d}", "minute": f"{d.minute:02d}", "second": f"{d.second:02d}",
        # UrlDrop: :title keeps case and URL-safe punctuation, :slug and :name are default slugs
        "title": jekyll_slugify(post.slug, "pretty", cased=True), "slug": jekyll_slugify(post.slug),
        "name": jekyll_slugify(name), "output_ext": ".html",
        "categories": "/".join(categories),
        "slugified_categories": "/".join(dict.fromkeys(jekyll_slugify(c) for c in post.categories)),
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

