"""Markdown -> HTML, once per post, plus what is derived from the rendered text.

The engine renders posts itself (not MkDocs per page) so that one post costs one conversion,
whatever number of list pages it appears on, and so the result can be cached by content.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field

import markdown
from markdown.extensions.toc import slugify_unicode

from . import sanitize

EXTENSIONS = [
    "abbr", "attr_list", "def_list", "footnotes", "md_in_html", "tables", "sane_lists",
    "admonition", "toc", "pymdownx.superfences", "pymdownx.highlight", "pymdownx.tilde",
]
EXTENSION_CONFIGS = {
    "toc": {"slugify": slugify_unicode, "permalink": False},
    "pymdownx.highlight": {"anchor_linenums": False, "pygments_lang_class": True},
}

_TAGS_RE = re.compile(r"<[^>]+>")
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")
_SENTENCE_END_RE = re.compile(r"[。！？!?]")

CJK_PER_MINUTE = 500
WORDS_PER_MINUTE = 200


@dataclass
class Rendered:
    html: str
    text: str                        # plain text of the body
    toc: list = field(default_factory=list)   # Python-Markdown toc_tokens
    first_paragraph: str = ""
    removed: list = field(default_factory=list)   # sanitize.Removal: what unsafe HTML went


class Renderer:
    """One Markdown instance, reset between posts (building it is the slow part).

    The HTML is sanitised (see sanitize.py) unless ``raw_html`` (a trusted site) is set.
    """

    def __init__(self) -> None:
        self._md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)

    def __call__(self, text: str, raw_html: bool = False) -> Rendered:
        self._md.reset()
        body = self._md.convert(text)
        removed = []
        if not raw_html:
            body, removed = sanitize.clean(body)
        toc = list(getattr(self._md, "toc_tokens", []))
        plain = html.unescape(_TAGS_RE.sub(" ", body))
        first = ""
        m = re.search(r"<p>(.*?)</p>", body, re.DOTALL)
        if m:
            first = re.sub(r"\s+", " ", html.unescape(_TAGS_RE.sub("", m.group(1)))).strip()
        return Rendered(body, plain, toc, first, removed)


def reading_minutes(text: str) -> int:
    """~500 Japanese characters a minute plus ~200 Latin words a minute; at least 1."""
    cjk = len(_CJK_RE.findall(text))
    words = len(_WORD_RE.findall(_CJK_RE.sub(" ", text)))
    return max(1, math.ceil(cjk / CJK_PER_MINUTE + words / WORDS_PER_MINUTE))


def summarize(text: str, limit: int) -> str:
    """The first ``limit`` characters of text, cut at a sentence end when there is one."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    head = text[:limit]
    ends = [m.end() for m in _SENTENCE_END_RE.finditer(head)]
    if ends and ends[-1] >= limit // 3:
        return head[:ends[-1]]
    return head.rstrip() + "…"
