"""kramdown's inline attribute lists (IALs), placed where Python-Markdown's attr_list applies them.

Jekyll posts are kramdown; ``{: .class #id key="v"}`` sets attributes:

- a block IAL (a line of its own) directly after a block applies to that block; after a
  blank line (or at the start) it applies to the next block;
- a span IAL right after a span element (``[link](url){:target="_blank"}``) applies to it.

Python-Markdown's attr_list already takes an IAL on the last line of a paragraph or list
item, at the end of a heading line and right after a span element. This pre-pass (run on
the Markdown before rendering) moves every other IAL there, or removes it with an issue
when it cannot be applied: an IAL is never shown as text. The attributes themselves go
through the HTML sanitiser like any other markup (no ``on*`` handlers, no ``javascript:``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Public: the other readers of kramdown text (llms.py, posts.py, liquid.py) use these too.
IAL_LINE_RE = re.compile(r"^[ ]{0,3}\{:(?![:/]|[\w-]+:)\s*(?P<attrs>[^}\n]*?)\s*\}[ \t]*$")
EXT_LINE_RE = re.compile(r"^[ ]{0,3}\{::?[^}\n]*\}[ \t]*$")  # {::ext}, {:/ext}, {:ref: ...}
SPAN_IAL_RE = re.compile(r"\{:(?![:/])[^}\n]*\}")
FENCE_RE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_ATX_RE = re.compile(r"^[ ]{0,3}#{1,6}(?:[ \t]|$)")
_SETEXT_RE = re.compile(r"^[ ]{0,3}(?:=+|-+)[ \t]*$")
_HR_RE = re.compile(r"^[ ]{0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_TABLE_RE = re.compile(r"^\s*\|")
_HTML_BLOCK_RE = re.compile(r"^[ ]{0,3}</?(?:address|article|aside|blockquote|details|dialog|div|dl|fieldset|"
                            r"figcaption|figure|footer|form|h[1-6]|header|hr|li|main|nav|ol|p|pre|section|table|"
                            r"ul|script|style|iframe)\b", re.IGNORECASE)
CODE_SPAN_RE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)")
# A span IAL applies to the span element it touches: a link/image, emphasis, code, or HTML.
_SPAN_END = (")", "*", "_", "`", ">", "]", "~", "=")


@dataclass
class IalIssue:
    line: int        # 1-based line in the input text
    text: str        # the IAL as written
    message: str


def apply(text: str) -> tuple[str, list[IalIssue]]:
    """Return (Markdown with every IAL where attr_list takes it, or removed; issues)."""
    if "{:" not in text:
        return text, []
    lines = text.split("\n")
    issues: list[IalIssue] = []
    out = _Lines(lines)  # a line becomes None when removed
    fence = None
    pending: list[tuple[int, str]] = []     # standalone IALs waiting for the next block
    i = 0
    while i < len(lines):
        line = lines[i]
        if fence:
            if fence_end(fence).match(line):
                fence = None
            i += 1
            continue
        if (m := FENCE_RE.match(line)) and not pending and _closes(lines, i + 1, m.group(1)):
            fence = m.group(1)  # (an unclosed fence is text to Python-Markdown)
            i += 1
            continue
        ial = IAL_LINE_RE.match(line)
        if ial or EXT_LINE_RE.match(line):
            out[i] = None
            if not ial:
                issues.append(IalIssue(i + 1, line.strip(), "kramdown extension or attribute definition "
                                       f"{line.strip()!r} is not supported; the line is removed"))
            elif i > 0 and lines[i - 1].strip() and out[i - 1] is not None and not pending:
                _after(out, lines, i, line.strip(), issues)
            else:
                pending.append((i, line.strip()))
            i += 1
            continue
        if pending and line.strip():
            i = _before(out, lines, i, pending, issues)
            pending = []
            continue
        if line.strip() and "{:" in line:
            out[i] = _spans(line, i, issues)
        i += 1
    for n, ial_text in pending:
        issues.append(IalIssue(n + 1, ial_text, f"kramdown attribute list {ial_text!r} is followed by no block; "
                               "the line is removed"))
    for at, (kind, attrs) in sorted(out.attached.items()):
        ial = "{: " + " ".join(attrs) + "}"
        if kind == "heading":
            out[at] = out[at].rstrip().rstrip("#").rstrip() + " " + ial
        else:  # as the paragraph's (or list item's) last line; a blank line ends it there
            nxt = at + 1
            while nxt < len(out) and out[nxt] is None:
                nxt += 1
            out[at] = out[at] + "\n" + ial + ("\n" if nxt < len(out) and out[nxt].strip() else "")
    return "\n".join(x for x in out if x is not None), issues


class _Lines(list):
    """The output lines, and the attributes to attach: line -> (heading or text, attrs)."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__(lines)
        self.attached: dict[int, tuple[str, list[str]]] = {}


def fence_end(fence: str) -> re.Pattern:
    return re.compile(rf"^[ \t]{{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")


def _closes(lines: list[str], start: int, fence: str) -> bool:
    end = fence_end(fence)
    return any(end.match(line) for line in lines[start:])


def _kind(line: str) -> str:
    if _ATX_RE.match(line):
        return "heading"
    if FENCE_RE.match(line):
        return "code"  # (an unclosed one too: not worth a special case)
    if _TABLE_RE.match(line):
        return "table"
    if _HTML_BLOCK_RE.match(line):
        return "html"
    if _HR_RE.match(line):
        return "rule"
    return "text"


def _attach(out: list, at: int, ial: str, kind: str, n: int, issues: list[IalIssue]) -> bool:
    """Mark ial for the block whose last line (heading: whose line) is ``out[at]``."""
    if kind in ("heading", "text"):
        attrs = IAL_LINE_RE.match(ial).group("attrs")
        out.attached.setdefault(at, (kind, []))[1].append(attrs)
        return True
    what = {"code": "a code block", "table": "a table", "html": "an HTML block", "rule": "a horizontal rule"}[kind]
    issues.append(IalIssue(n + 1, ial, f"kramdown attribute list {ial!r} cannot be applied to {what} here; "
                           "the line is removed"))
    return False


def _after(out: list, lines: list[str], i: int, ial: str, issues: list[IalIssue]) -> None:
    """A block IAL directly after a block: it applies to that block."""
    prev = lines[i - 1]
    if FENCE_RE.match(prev):
        kind = "code"       # (a closing fence)
    elif _SETEXT_RE.match(prev) and i > 1 and out[i - 2] is not None and lines[i - 2].strip() \
            and _kind(lines[i - 2]) == "text" and (i < 3 or not lines[i - 3].strip()):  # (one line of text)
        _attach(out, i - 2, ial, "heading", i, issues)   # a setext heading's text line
        return
    else:
        kind = _kind(prev)
    _attach(out, i - 1, ial, kind, i, issues)


def _before(out: list, lines: list[str], i: int, pending: list[tuple[int, str]], issues: list[IalIssue]) -> int:
    """Standalone IALs before the block starting at line i: they apply to it. Returns the
    index of the line after the block's first line to continue from."""
    kind = _kind(lines[i])
    if kind == "heading":
        for m, text in pending:
            _attach(out, i, text, kind, m, issues)
        return i + 1
    if kind != "text":
        for m, text in pending:
            _attach(out, i, text, kind, m, issues)
        return i     # the block is read as usual (a fence opens, ...)
    end = i          # the paragraph's last line: the line before a blank line or another block
    while end + 1 < len(lines) and lines[end + 1].strip() and _kind(lines[end + 1]) == "text" \
            and not EXT_LINE_RE.match(lines[end + 1]) and not _SETEXT_RE.match(lines[end + 1]):
        end += 1
    for k in range(i, end + 1):
        if "{:" in lines[k]:
            out[k] = _spans(lines[k], k, issues)
    for m, text in pending:
        _attach(out, end, text, "text", m, issues)
    return end + 1


def _spans(line: str, n: int, issues: list[IalIssue]) -> str:
    """Keep span IALs that touch a span element; remove (and report) the others."""
    code = [(m.start(), m.end()) for m in CODE_SPAN_RE.finditer(line)]

    def keep_or_drop(m: re.Match) -> str:
        if any(a <= m.start() < b for a, b in code):
            return m.group()
        before = line[:m.start()]
        if before.endswith(_SPAN_END) and before.strip():
            return m.group()
        if not line[m.end():].strip() and _ATX_RE.match(line):
            return m.group()  # "## Heading {: #id}": attr_list sets the heading's attributes
        issues.append(IalIssue(n + 1, m.group(), f"kramdown attribute list {m.group()!r} follows plain text, "
                               "not an element; it is removed (kramdown ignores it too)"))
        return ""
    return SPAN_IAL_RE.sub(keep_or_drop, line)
