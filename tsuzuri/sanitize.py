"""Sanitise a post's rendered HTML with nh3 (ammonia), and say what was removed.

Posts come from a language model and from scraping, so their raw HTML is not trusted: no
``<script>``, no ``on*`` handlers, no ``javascript:``/``data:`` URLs. What Markdown and the
pymdownx extensions produce stays: tables (with their ``text-align`` styles), images, links,
highlighted code (spans with classes), footnotes, ``<details>``, headings with ids,
admonitions, abbreviations and definition lists.

``data:`` URLs are refused even on images: nh3's URL schemes apply to every attribute, a
``data:image/svg+xml`` opened on its own runs script, and inline base64 images belong in
``docs/assets/`` anyway.

nh3 does not report what it removed, so the tags and attribute names of the input and the
output are compared: what is missing was removed. Script, embedding and form elements, event
handlers and refused URLs are *unsafe* (the editor must know: a warning); any other dropped
markup (an unknown tag, a ``target=`` attribute) leaves the text as readers saw it (a note).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from html import unescape

import nh3

TAGS = nh3.ALLOWED_TAGS | {"details", "summary", "sup", "sub", "abbr", "dl", "dt", "dd", "figure",
                           "figcaption", "pre", "code", "span", "div", "kbd", "mark", "s", "del", "ins"}
ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir", "style", "align"},
    "table": {"border", "cellpadding", "cellspacing", "summary"},
    "a": {"href", "hreflang", "name"},
    "img": {"src", "alt", "width", "height", "align", "loading"},
    "td": {"align", "colspan", "rowspan", "headers"},
    "th": {"align", "colspan", "rowspan", "headers", "scope"},
    "col": {"span"}, "colgroup": {"span"},
    "ol": {"start", "type", "reversed"}, "li": {"value"},
    "details": {"open"}, "time": {"datetime"},
    "del": {"cite", "datetime"}, "ins": {"cite", "datetime"}, "blockquote": {"cite"}, "q": {"cite"},
}
# Inline styles keep formatting (Markdown's table alignment, a red warning line) but not layout
# tricks that could cover the page (position, z-index) or fetch things (url()).
STYLE_PROPERTIES = {
    "color", "background-color", "text-align", "vertical-align", "font-weight", "font-style",
    "font-size", "text-decoration", "white-space", "width", "height", "max-width",
    "margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
    "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border", "border-collapse",
}
URL_ATTRIBUTES = {"href", "src", "cite", "action", "formaction", "background", "poster", "xlink:href"}
UNSAFE_TAGS = {"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
               "input", "button", "textarea", "select", "link", "meta", "base", "svg", "math"}

_CLEANER = nh3.Cleaner(tags=TAGS, attributes=ATTRIBUTES, filter_style_properties=STYLE_PROPERTIES,
                       link_rel=None, strip_comments=True)
# html5ever reads <noscript> content as text; the script is gone, so its fallback is content.
_NOSCRIPT_RE = re.compile(r"</?noscript\b[^>]*>", re.IGNORECASE)
_SCHEME_RE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.\-\s]*):")


@dataclass(frozen=True)
class Removal:
    what: str        # "<script> element", "onerror attribute", "javascript: URL"
    unsafe: bool
    pattern: str     # a regex that finds it in the Markdown source (for a line number)
    count: int = 1


@dataclass
class _Inventory:
    """Start tags and (tag, attribute) pairs of an HTML fragment, and URL schemes nh3 refuses."""
    tags: Counter
    attrs: Counter
    schemes: dict


# A tokenizer, not a parser: it only counts what is there (nh3 does the parsing that matters).
# It reports the same removals as html.parser on every corpus post and 2,000 fuzzed bodies, in
# 2.5x less time (html.parser made sanitising a fifth of the time to load vim-jp's 349 posts).
_RAW_RE = re.compile(r"<!--.*?(?:-->|$)|(<(script|style|textarea|title|xmp)\b[^>]*>).*?(?:</\2\s*>|$)",
                     re.DOTALL | re.IGNORECASE)
_START_RE = re.compile(r"""<([A-Za-z][^\s/>]*)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_ATTR_RE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")


def _inventory(html: str) -> _Inventory:
    inv = _Inventory(Counter(), Counter(), {})
    html = _RAW_RE.sub(lambda m: m.group(1) or "", html)  # comments and script/style text go
    for m in _START_RE.finditer(html):
        tag = m.group(1).lower()
        inv.tags[tag] += 1
        for a in _ATTR_RE.finditer(m.group(2)):
            name = a.group(1).lower()
            inv.attrs[(tag, name)] += 1
            value = a.group(2) or a.group(3) or a.group(4)
            if name in URL_ATTRIBUTES and value and (s := _SCHEME_RE.match(unescape(value))):
                scheme = re.sub(r"\s+", "", s.group(1)).lower()
                if scheme not in nh3.ALLOWED_URL_SCHEMES:
                    inv.schemes.setdefault((tag, name), scheme)
    return inv


def clean(html: str) -> tuple[str, list[Removal]]:
    """Return (safe HTML, what was removed)."""
    html = _NOSCRIPT_RE.sub("", html)
    safe = _CLEANER.clean(html)
    if "<" not in html:
        return safe, []
    before, after = _inventory(html), _inventory(safe)
    removed: list[Removal] = []
    for tag, n in sorted((before.tags - after.tags).items()):
        removed.append(Removal(f"<{tag}> element", tag in UNSAFE_TAGS, rf"<\s*{re.escape(tag)}(?![\w-])", n))
    gone_tags = set(before.tags - after.tags)
    for (tag, name), n in sorted((before.attrs - after.attrs).items()):
        if tag in gone_tags and after.tags[tag] == 0:
            continue  # went with its element
        if name.startswith("on"):
            removed.append(Removal(f"{name} attribute", True, rf"\b{re.escape(name)}\s*=", n))
        elif (tag, name) in before.schemes and name in ATTRIBUTES.get(tag, set()) | ATTRIBUTES["*"]:
            scheme = before.schemes[(tag, name)]
            removed.append(Removal(f"{scheme}: URL in <{tag} {name}>", True, rf"{_spaced(scheme)}\s*:", n))
        else:
            removed.append(Removal(f"{name} attribute on <{tag}>", False, rf"\b{re.escape(name)}\s*=", n))
    return safe, removed


def _spaced(word: str) -> str:
    """A regex for word with optional white space between letters ("java\\tscript")."""
    return r"\s*".join(re.escape(c) for c in word)
