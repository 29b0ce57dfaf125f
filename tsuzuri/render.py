"""Markdown -> HTML, once per post, plus what is derived from the rendered text.

The engine renders posts itself (not MkDocs per page) so that one post costs one conversion,
whatever number of list pages it appears on, and so the result can be cached by content.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from dataclasses import dataclass, field

import markdown
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor

from . import sanitize, shape

EXTENSIONS = [
    "abbr", "attr_list", "def_list", "footnotes", "md_in_html", "tables", "sane_lists",
    "admonition", "toc", "pymdownx.superfences", "pymdownx.highlight", "pymdownx.tilde",
]
EXTENSION_CONFIGS = {
    "toc": {"slugify": slugify_unicode, "permalink": False},
    "pymdownx.highlight": {"anchor_linenums": False, "pygments_lang_class": True},
}

_TAGS_RE = re.compile(r"<[^>]+>")
# What an id may hold: it becomes a TOC link ("#" + id) that Material prints into href="..."
# unescaped, so no quote, "<", "&" or space may reach it, whatever syntax set the id.
_SAFE_ID_RE = re.compile(r"[\w\-.:]+")
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
    problems: list = field(default_factory=list)  # Problem: why the post was published as plain text


@dataclass(frozen=True)
class Problem:
    message: str
    hint: str
    snippet: str = ""    # the offending line (up to 1,000 characters), to find it in the source


class _SafeIds(Treeprocessor):
    """Re-slugs every id outside the safe set (attr_list's ``{: id='x" onfocus="…' }``, an
    ``id=`` on markdown="1" HTML) before the toc extension reads the headings, so the body's
    anchors and the TOC's links agree; records each change for a diagnostic."""

    changed: list[tuple[str, str]]  # (old, new), set empty by the Renderer before each post

    def run(self, root):
        for el in root.iter():
            old = el.get("id")
            if old is None or _SAFE_ID_RE.fullmatch(old):
                continue
            new = safe_id(old)
            if new:
                el.set("id", new)
            else:
                del el.attrib["id"]  # nothing usable: toc slugs a heading's text
            self.changed.append((old, new))


class _SafeIdExtension(Extension):
    def extendMarkdown(self, md):
        # after attr_list (8) has set the ids, before toc (5) reads them
        md.treeprocessors.register(_SafeIds(md), "tz_safe_ids", 6)


def safe_id(value: str) -> str:
    """value if it is a safe anchor, else its slug ("" when nothing of it is usable)."""
    value = str(value)
    if _SAFE_ID_RE.fullmatch(value):
        return value
    return slugify_unicode(html.unescape(value), "-")


_TAG_RE = re.compile(r"<[A-Za-z][^<>]*>")   # (in sanitised HTML a "<" in text is always &lt;)
_ID_ATTR_RE = re.compile(r'\sid="([^"]*)"')
_ID_IN_TAG_RE = re.compile(r'<[A-Za-z][^<>]*?\sid="([^"]*)"')


def _final_ids(body: str, removed: list) -> str:
    """Ids the tree step never saw: raw HTML whose attribute Markdown's postprocessors filled
    in afterwards (``<h2 markdown="1" id="`x`">`` gets a code span's HTML as its id)."""
    if ' id="' not in body or all(_SAFE_ID_RE.fullmatch(html.unescape(v)) for v in _ID_IN_TAG_RE.findall(body)):
        return body  # (the usual case: heading ids the tree step made safe)

    def tag(m: re.Match) -> str:
        return _ID_ATTR_RE.sub(attr, m.group()) if ' id="' in m.group() else m.group()

    def attr(m: re.Match) -> str:
        old = html.unescape(m.group(1))
        if _SAFE_ID_RE.fullmatch(old):
            return m.group()
        new = safe_id(old)
        removed.append(sanitize.Removal(f"unsafe characters in id {old[:60]!r} (published as {new or 'no id'!r})",
                                        True, f"{re.escape(old[:30])}|{re.escape(html.escape(old)[:30])}"))
        return f' id="{html.escape(new)}"' if new else ""

    return _TAG_RE.sub(tag, body)


def safe_toc(tokens: list) -> list[dict]:
    """The toc tokens handed to templates: only level, a safe id, the name as escaped plain text
    (Material prints both raw) and children; Markdown's ``html`` and ``data-toc-label`` go."""
    out = []
    for token in tokens:
        name = _plain_label(token.get("name")) or _plain_label(token.get("html"))  # an empty label: the heading
        out.append({"level": int(token.get("level", 1)), "id": safe_id(token.get("id", "")) or "_",
                    "name": name, "children": safe_toc(token.get("children") or [])})
    return out


def _plain_label(value) -> str:
    """Escaped plain text of a toc label (escaped text or HTML, depending on the extension)."""
    return html.escape(re.sub(r"\s+", " ", html.unescape(_TAGS_RE.sub("", str(value or "")))).strip())


class Renderer:
    """One Markdown instance, reset between posts (building it is the slow part).

    The HTML is sanitised (see sanitize.py) unless ``raw_html`` (a trusted site) is set.
    """

    def __init__(self) -> None:
        self._md = markdown.Markdown(extensions=[*EXTENSIONS, _SafeIdExtension()],
                                     extension_configs=EXTENSION_CONFIGS)

    def __call__(self, text: str, raw_html: bool = False) -> Rendered:
        problem = too_costly(text)
        if problem is None:
            self._md.reset()
            self._md.treeprocessors["tz_safe_ids"].changed = []  # (an empty text runs no treeprocessor)
            try:
                body = self._md.convert(text)
            except RecursionError:  # a nesting shape.measure does not know (<div markdown="1">)
                problem = Problem("the post nests blocks too deeply for Markdown to render; it is published "
                                  "as plain text", NESTING_HINT)
        if problem is not None:
            return self._as_text(text, problem)
        removed = [sanitize.Removal(f"unsafe characters in id {old[:60]!r} (published as {new or 'a slug of the heading'!r})",
                                    True, f"{re.escape(old[:30])}|{re.escape(html.escape(old)[:30])}", n)
                   for (old, new), n in Counter(self._md.treeprocessors["tz_safe_ids"].changed).items()]
        if not raw_html:
            body, cleaned = sanitize.clean(body)
            removed += cleaned
            body = _final_ids(body, removed)
        toc = safe_toc(getattr(self._md, "toc_tokens", []))
        return _rendered(body, toc, removed)

    def _as_text(self, text: str, problem: Problem) -> Rendered:
        """Every paragraph of the post as escaped text: nothing lost, nothing run."""
        paragraphs = [p.strip("\n") for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
        body = "\n".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>" for p in paragraphs)
        first = re.sub(r"\s+", " ", paragraphs[0]).strip() if paragraphs else ""
        return Rendered(body, "\n".join(paragraphs), [], first, [], [problem])  # (unescaping is slow)


def _rendered(body: str, toc: list, removed: list) -> Rendered:
    plain = html.unescape(_TAGS_RE.sub(" ", body))
    first = ""
    m = re.search(r"<p>(.*?)</p>", body, re.DOTALL)
    if m:
        first = re.sub(r"\s+", " ", html.unescape(_TAGS_RE.sub("", m.group(1)))).strip()
    return Rendered(body, plain, toc, first, removed)


NESTING_HINT = ("flatten the nesting of lists, quotes or HTML blocks (over {} levels is usually a pasting "
                "accident); the post is rendered as Markdown again once it is fixed").format(shape.MAX_DEPTH)


def too_costly(text: str) -> Problem | None:
    """Why Python-Markdown cannot render text in reasonable time or stack, or None."""
    found = shape.measure(text)
    if found.depth > shape.MAX_DEPTH:
        return Problem(f"lists or quotes are nested {found.depth} deep (the limit is {shape.MAX_DEPTH}); "
                       "the post is published as plain text", NESTING_HINT, _line_at(text, found.depth_at))
    total = sum(found.cost.values())
    if total <= found.budget(len(text)):
        return None
    kind = found.worst()
    at = found.depth_at if kind == "nesting" else found.first.get(kind, 0)
    what = f"{found.offenders[kind]:,} {shape.KINDS[kind]}"
    return Problem(f"the post's Markdown would take minutes to render ({what}); it is published as plain text",
                   "close them, escape them (\\[ \\( &lt;), or put that text in a code block; the post is "
                   "rendered as Markdown again once it is fixed" if kind != "nesting" else NESTING_HINT,
                   _line_at(text, at))


def _line_at(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[start:end if end >= 0 else len(text)][:1000]


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
