"""Clean: stitch ``---END---`` continuation fragments and remove repeated content.

The body is read as Markdown blocks (heading, paragraph, list, table, quote, fenced code, ...)
and each block as sentences. One pass, in order, keeps what has not been seen:

- a block whose sentences were all emitted before (or are cut-off prefixes of emitted
  sentences) is a repeat and goes; a paragraph that mixes long repeated sentences with new
  ones keeps only the new ones;
- a sentence cut off at a ``---END---`` marker is completed in place by the first block after
  the marker that is not a repeat, when that block restates the cut sentence;
- a list or table re-emitted in full after being cut becomes one list or table;
- with markers, a sentence glued together from emitted ones at a gap of white space (a restart
  writing a heading and its paragraph on one line) is a repeat, and a heading is read as the
  sentences on its line (a bold label written again as a heading, a section on one line);
- with markers, a paragraph cut off where no marker stands is completed by the next paragraph
  that restarts it, dropped when it restates an earlier sentence, or completed in place when a
  later fragment writes it out (as are a list's last item cut at a marker, see _pend); a list
  item written again with new lines under it gives them to the item where it was first written;
- legitimate repetition stays: within one list, table, quote or code block, short lines;
- a final sentence with no ending and no continuation is dropped (only in posts with markers).

A post whose markers were deleted by hand is cleaned like one with markers where
boundaries.find sees where they stood (a cut followed by a restart, a run re-emitted); a post
without markers or such boundaries loses only repeats that look generated (_generated_repeats).

A marker is a fragment boundary wherever it stands outside code: alone on its line, or inline
(``…文の途中---END--- 次の段落``, ``**---END---**``, ``--- end ---``, in a list item or heading,
several on a line); its line is split there first (see _split_markers). A replacement character
(U+FFFD) ending the text before a marker is the cut-off half of a character and goes.

Every decision is recorded in a Report. Work is linear in the size of the body: sentences are
looked up in hash maps keyed by their normalised text, cut-off pieces in tries of the emitted
sentences and headings (never by scanning everything emitted that shares a few characters).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

# Alone on its line a marker may have lost its closing dashes (the output stopped inside it).
MARKER_RE = re.compile(r"^[ \t]*-{3,}[ \t]*END[ \t]*-*[ \t]*$", re.I)
_END_RE = re.compile(r"END", re.I)
_WRAPS = {"「": "」", "『": "』", "“": "”", '"': '"', "'": "'", "（": "）", "(": ")", "[": "]", "【": "】"}
_AFTER_MARK_RE = re.compile(r"[。．.、,，！!？?]*")
_BARE_LEAD_RE = re.compile(r"^[ \t]*(?:(?:#{1,6}|>|[-*+]|\d{1,9}[.)])[ \t]*)*[*_~ \t]*$")
_BACKTICKS_RE = re.compile(r"`+")
_FENCE_RE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_HEADING_RE = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]|$)")
_LIST_RE = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\S")
_HR_RE = re.compile(r"^[ \t]{0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_HTML_RE = re.compile(r"^[ \t]{0,3}</?[A-Za-z!]")
_INDENTED_RE = re.compile(r"^(?: {4}|\t)")
# A sentence ends at Japanese or Latin end punctuation (plus closing brackets) or a line end.
# A bold label opening a line (``**要点**: 本文``) ends a piece too, so that an item written on
# one line and re-emitted with the label on a line of its own compare equal. Read it as
#   [。！？!?．]+[」』）)\]"”’]*  |  (?<=\S)[.!?]+["”’)]*(?=\s)  |  \n
#   |  (?m:^[ \t]*\*\*[^*\n]{1,80}(?:\*\*[ \t]*[:：]|[:：]\*\*))
# (tests/test_fragments.py holds that form and checks this one against it). Written here to
# begin with one character class, the first character of every ending, so that the regex
# engine skips the text between endings instead of trying four alternatives at each character
# (5x faster); the lookbehinds then tell which ending that first character began.
_SENT_END_RE = re.compile(
    r"[。！？!?．.\n \t*]"
    r"(?:(?<=[。！？!?．])[。！？!?．]*[」』）)\]\"”’]*"             # Japanese (or ! ?) end punctuation
    r"|(?<=\S\.)[.!?]*[\"”’)]*(?=\s)"                          # a full stop after text, before a space
    r"|(?<=\n)"                                                  # a line end
    r"|(?<![^\n][ \t*])(?:(?<=[ \t])[ \t]*\*\*|(?<=\*)\*)"          # a bold label opening a line
    r"[^*\n]{1,80}(?:\*\*[ \t]*[:：]|[:：]\*\*))")
# (not "]": text ending in "]" is a link's text cut off before its target)
_COMPLETE_END = set("。．.！!？?」』）)\"”’:：…")
_STRIP_KEY_RE = re.compile(r"[\s*_`~]+")
_ITEM_LEAD_RE = re.compile(r"^[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?")
_LEAD_MARK_RE = re.compile(r"^(?:[ \t]*(?:#{1,6}|>|[-*+]|\d{1,9}[.)])[ \t]+)+")
_GAP_RE = re.compile(r"\s+")
# a list item's marker and bold label, before its first sentence
_ITEM_HEAD_RE = re.compile(r"(?:[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+)?(?:\*\*[^*\n]{1,80}(?:\*\*[ \t]*[:：]|[:：]\*\*)[ \t]*)?")
_SYNTAX_ONLY_RE = re.compile(r"[#>*_~\-+=|]+|\d{1,9}[.)]")  # a piece of a glued sentence that is only syntax

SHORT = 8        # a repeated block shorter than this (normalised chars) may be a refrain: kept
LONG = 20        # repeated sentences at least this long are trimmed out of mixed paragraphs
LOOKBACK = 32    # how many emitted blocks a re-emitted list/table may extend
CUT_MIN = 12     # a shorter unterminated paragraph end away from a marker is not called a cut
PENDING = 8      # an unresolved cut this long (normalised) may be completed by a later fragment
GLUED = 8        # a sentence with more gaps than this is not tried as emitted pieces glued together
PASSES = 3       # at most this many passes (see clean)


@lru_cache(maxsize=1 << 16)  # the same sentences are compared many times
def key(text: str) -> str:
    """Normalised comparison key: width, case, whitespace and emphasis marks don't matter."""
    return _STRIP_KEY_RE.sub("", unicodedata.normalize("NFKC", text)).lower()


def is_complete(sentence: str) -> bool:
    s = sentence.rstrip().rstrip("*_`~ \t")
    if not s or s[-1] not in _COMPLETE_END:
        return False
    # cut inside inline code, a link target or a tag: its ? or ! is not an ending
    link = s.rfind("](")
    return not (sentence.count("`") % 2 or s.rfind("<") > s.rfind(">") or s.rfind("{:") > s.rfind("}")
                or link >= 0 and s.count("(", link) > s.count(")", link))


# Markdown syntax inside which end punctuation ends no sentence: a link target (one level of
# parentheses inside), an HTML tag or autolink, a kramdown attribute list, the ! opening an
# image, a bare URL (it ends on a character that cannot end a sentence). Inline code is found by _code_spans.
_SYNTAX_RE = re.compile(
    r"!?\[[^\[\]\n]*(?=\]\()|"  # a link's text too: its ？ is no ending ([変わる？…](/url))
    r"\]\(\s*(?:<[^<>\n]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)"
    r"|</?[A-Za-z][^<>\n]*>|<!--[^\n]*?-->"
    r"|\{:[^{}\n]*\}|!(?=\[)"
    r"|(?:https?|ftp)://[\w\-.~:/?#\[\]@!$&'()*+,;=%]*[\w\-~/#=&%+]"
    r"|\]\([^()\n]*(?:\([^()\n]*\)[^()\n]*)*(?:\([^()\n]*)?$|\{:[^{}\n]*$|</?[A-Za-z][^<>\n]*$",  # a target or tag cut off where the text ends
    re.I | re.A)


def _masked(text: str) -> str:
    """text with its Markdown syntax (see _SYNTAX_RE) and inline code overwritten by NULs, so
    that no sentence ends inside a URL, a link target, code, an attribute list or HTML."""
    if not ("`" in text or "](" in text or "<" in text or "{:" in text or "://" in text or "![" in text):
        return text
    spans = [m.span() for m in _SYNTAX_RE.finditer(text)]
    if "`" in text:
        code = _code_spans(text)
        spans += code
        # a backtick run opening no span: code cut off (or a stray backtick) to the line's end
        k = 0
        for m in _BACKTICKS_RE.finditer(text):
            while k < len(code) and code[k][1] <= m.start():
                k += 1
            if k == len(code) or m.start() < code[k][0]:
                end = text.find("\n", m.start())
                spans.append((m.start(), len(text) if end < 0 else end))
        spans.sort()
    if not spans:
        return text
    pieces, pos = [], 0
    for a, b in spans:
        if b <= pos:
            continue
        a = max(a, pos)
        pieces.append(text[pos:a])
        pieces.append("\0" * (b - a))
        pos = b
    pieces.append(text[pos:])
    return "".join(pieces)


@lru_cache(maxsize=1 << 14)  # a paragraph is split for its segments, then again when emitted (_pend, _open_cut)
def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each sentence in text, without surrounding white space. Punctuation
    inside Markdown syntax (URLs, link targets, inline code, attribute lists, HTML) ends none."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END_RE.finditer(_masked(text)):
        end = m.end() if m.group() != "\n" else m.start()
        _add_span(text, start, end, spans)
        start = m.end()
    _add_span(text, start, len(text), spans)
    return tuple(spans)


def _add_span(text: str, start: int, end: int, spans: list) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


@dataclass
class Block:
    kind: str            # heading, para, list, table, quote, code, html, hr, marker
    start: int           # first line (0-based)
    end: int             # line after the last
    lines: list[str]
    blank_before: list[str] = field(default_factory=list)
    # joined once: asked for many times a pass, and a block's lines never change (emitted ones are copies)
    text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.text = "\n".join(self.lines)


def parse_blocks(lines: list[str]) -> list[Block]:
    """Split lines into blocks (blank lines between them are kept as ``blank_before``)."""
    blocks: list[Block] = []
    blank: list[str] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if not line.strip():
            blank.append(line)
            i += 1
            continue
        start = i
        fence = _FENCE_RE.match(line)
        if fence:
            mark = fence.group(1)
            i += 1
            while i < n and not re.match(rf"^[ \t]{{0,3}}{re.escape(mark[0])}{{{len(mark)},}}[ \t]*$", lines[i]):
                i += 1
            i = min(i + 1, n)
            kind = "code"
        elif MARKER_RE.match(line):
            kind, i = "marker", i + 1
        elif _HEADING_RE.match(line):
            kind, i = "heading", i + 1
        elif _HR_RE.match(line):
            kind, i = "hr", i + 1
        elif _INDENTED_RE.match(line):  # an indented code block: never touched
            kind, i = "code", i + 1
            while i < n and (_INDENTED_RE.match(lines[i]) or not lines[i].strip()) and not (
                    not lines[i].strip() and (i + 1 >= n or not _INDENTED_RE.match(lines[i + 1]))):
                i += 1
        else:
            kind = _kind_of(line)
            i += 1
            while i < n and lines[i].strip() and _continues(kind, lines[i]):
                i += 1
        blocks.append(Block(kind, start, i, lines[start:i], blank))
        blank = []
    return blocks


def _kind_of(line: str) -> str:
    s = line.lstrip()
    if s.startswith("|"):
        return "table"
    if s.startswith(">"):
        return "quote"
    if _LIST_RE.match(line):
        return "list"
    if _HTML_RE.match(line):
        return "html"
    return "para"


def _continues(kind: str, line: str) -> bool:
    """Whether a non-blank line continues a block of this kind (else a new block starts)."""
    if MARKER_RE.match(line) or _FENCE_RE.match(line) or _HEADING_RE.match(line):
        return False
    own = _kind_of(line)
    if kind == "para":
        return own in ("para", "html")
    if kind == "list":
        return own in ("list", "para") or line[:1] in " \t"
    return own == kind or kind == "html"


def _code_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the inline code spans of text: a backtick run up to the next run of the
    same length. Linear: the next run of each length is found by a pointer that only advances."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS_RE.finditer(text)]
    by_len: dict[int, list[int]] = {}
    for i, (a, b) in enumerate(runs):
        by_len.setdefault(b - a, []).append(i)
    nxt = dict.fromkeys(by_len, 0)
    spans, i = [], 0
    while i < len(runs):
        n = runs[i][1] - runs[i][0]
        same = by_len[n]
        while nxt[n] < len(same) and same[nxt[n]] <= i:
            nxt[n] += 1
        if nxt[n] < len(same):
            j = same[nxt[n]]
            spans.append((runs[i][0], runs[j][1]))
            i = j + 1
        else:
            i += 1
    return spans


def _inline_markers(text: str) -> list[tuple[int, int]]:
    """(start, end) of the ---END--- markers in text outside inline code, each with its wrapping
    (``**---END---**``, ``「---END---」``) and the punctuation glued after it (``---END---。``)."""
    found = []
    spans = _code_spans(text) if "`" in text else []
    k = 0
    floor = 0
    for m in _END_RE.finditer(text):
        a, b = _marker_around(text, m.start(), m.end(), floor)
        if a < 0:
            continue
        floor = b
        while k < len(spans) and spans[k][1] <= a:
            k += 1
        if k < len(spans) and spans[k][0] < b:
            continue  # inside inline code: content
        lead = len(text[max(0, a - 3):a]) - len(text[max(0, a - 3):a].rstrip("*_~"))
        if lead and text[a - lead:a] == text[b:b + lead][::-1]:
            a, b = a - lead, b + lead
        if a and b < len(text) and _WRAPS.get(text[a - 1]) == text[b]:
            a, b = a - 1, b + 1
        b = _AFTER_MARK_RE.match(text, b).end()  # type: ignore[union-attr]
        if found and a < found[-1][1]:
            continue
        found.append((a, b))
    return found


def _marker_around(text: str, a: int, b: int, floor: int) -> tuple[int, int]:
    """The span of the marker made of the END at text[a:b] and the dashes around it ((-1, -1):
    none). Each run of dashes is walked at most twice (once from each END next to it): linear.
    Dashes between two ENDs are shared (---END------END--- is two markers)."""
    n = len(text)
    while a > floor and text[a - 1] in " \t":
        a -= 1
    start = a
    while start > floor and text[start - 1] == "-":
        start -= 1
    while b < n and text[b] in " \t":
        b += 1
    end = b
    while end < n and text[end] == "-":
        end += 1
    if a - start < 3 or end - b < 3:
        return -1, -1
    after = end
    while after < n and text[after] in " \t":
        after += 1
    if text[after:after + 3].upper() == "END" and end - b >= 6:
        end = b + 3  # the rest leads the next marker
    return start, end


def _drop_cut_char(piece: str) -> str:
    """The text before a marker without the replacement characters ending it (before closing
    emphasis): the fragment ended inside a character."""
    core = piece.rstrip("*_~ \t")
    if core.endswith("\ufffd"):
        piece = core.rstrip("\ufffd").rstrip(" \t") + piece[len(core):]
    return piece.rstrip()


def _split_markers(lines: list[str]) -> tuple[list[Block], list[str], list[int]]:
    """Blocks of lines with every ---END--- marker on a line of its own.

    A marker with text before or after it on its line (in a paragraph, list item, heading...)
    is a fragment boundary like one alone on its line: the line is split there, the text before
    ending one fragment and the text after beginning the next. A replacement character ending
    the text before a marker is the cut-off half of a character: it goes. Code is content.
    Returns (blocks, lines, origin): origin[i] is the input line that line i comes from.
    """
    blocks = parse_blocks(lines)
    out: list[str] = []
    origin: list[int] = []
    texts = [b.text if b.kind not in ("code", "marker") else "" for b in blocks]
    all_marks = [_inline_markers(t) if "-" in t else [] for t in texts]
    changed, pos = False, 0
    for bi, block in enumerate(blocks):
        for i in range(pos, block.start):  # blank lines
            out.append(lines[i])
            origin.append(i)
        pos = block.end
        text, marks = texts[bi], all_marks[bi]
        nxt = bi + 1 < len(blocks) and (blocks[bi + 1].kind == "marker" or bool(
            all_marks[bi + 1]) and not texts[bi + 1][:all_marks[bi + 1][0][0]].strip())
        before_marker = nxt
        if not marks and not (text and before_marker and "\ufffd" in block.lines[-1]):
            out.extend(block.lines)
            origin.extend(range(block.start, block.end))
            continue
        changed = True
        pieces: list[tuple[str | None, int]] = []   # (text, input line); None: a marker
        line, prev = block.start, 0
        for a, b in marks + [(len(text), len(text))]:
            seg = text[prev:a]
            last = a == len(text)
            # the text before a marker ends at its last non-blank character, even a line above
            for k, piece in enumerate((seg if last else seg.rstrip()).split("\n")):
                pieces.append((piece, line + k))
            line += seg.count("\n")
            if not last:
                pieces.append((None, line))
            prev = b
        after_marker = False
        for j, (piece, ln) in enumerate(pieces):
            if piece is None:
                out.append("---END---")
                origin.append(ln)
                after_marker = True
                continue
            if after_marker:  # begins a block now: never indented code
                piece = piece.lstrip()
            ends_fragment = pieces[j + 1][0] is None if j + 1 < len(pieces) else before_marker
            if ends_fragment:
                piece = _drop_cut_char(piece)
                if j + 1 < len(pieces) and _BARE_LEAD_RE.match(piece):
                    continue  # only Markdown syntax before the marker ("- ", "### ", "**")
            elif after_marker and not piece.strip():
                continue  # nothing after the marker on its line
            after_marker = False
            out.append(piece)
            origin.append(ln)
        if bi + 1 < len(blocks) and blocks[bi + 1].start == block.end and marks:
            out.append("")  # the block split here ended here: what follows it does not join it
            origin.append(block.end - 1)
    if not changed:
        return blocks, lines, list(range(len(lines)))
    return parse_blocks(out), out, origin


@dataclass
class Change:
    action: str          # dropped, trimmed, stitched, merged, trailing-cut, unresolved-cut
    line: int            # 1-based line in the body
    end_line: int
    detail: str
    text: str = ""       # what was removed, for trailing cuts

    def describe(self) -> str:
        where = f"line {self.line}" if self.line == self.end_line else f"lines {self.line}-{self.end_line}"
        return f"{self.action} {where}: {self.detail}"


@dataclass
class Report:
    fragments: int = 1
    implicit: int = 0    # fragment boundaries found without a marker (see boundaries.py)
    changes: list[Change] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.fragments > 1 or bool(self.changes)

    def count(self, *actions: str) -> int:
        return sum(1 for c in self.changes if c.action in actions)

    @property
    def blocks_dropped(self) -> int:
        return self.count("dropped")

    @property
    def sentences_stitched(self) -> int:
        return self.count("stitched")

    def summary(self) -> str:
        parts = [f"{self.fragments} fragments"] if self.fragments > 1 else []
        if self.implicit:
            parts.append(f"{self.implicit} implicit boundaries")
        for action in ("dropped", "trimmed", "stitched", "merged", "trailing-cut", "unresolved-cut"):
            if n := self.count(action):
                parts.append(f"{n} {action}")
        return ", ".join(parts) or "unchanged"

    def as_dict(self) -> dict:
        return {"fragments": self.fragments, "implicit": self.implicit, "changes": [c.__dict__ for c in self.changes]}


@dataclass
class _Out:
    block: Block
    lines: list[str]     # current text of the emitted block (may be stitched or trimmed)
    source_end: int      # last input line that fed it (0-based, exclusive)
    fragment_end: bool = False  # the last block of its fragment: it may have been cut there
    gone: bool = False          # removed from the output after it was emitted

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


_NONE = float("inf")
CAP = 16  # a trie node holds this many strings in a list before it branches on their next character


class _Node:
    __slots__ = ("items", "edges", "order", "best")

    def __init__(self) -> None:
        self.items: list[tuple[str, int]] | None = []  # a small node: (string, order) pairs
        self.edges: dict[str, _Node] | None = None      # a branched node: children by next character
        self.order: int | None = None                   # a branched node: a string ending here
        self.best = _NONE                               # the smallest order present below


class _Trie:
    """Strings answering "the earliest string that begins with p" in O(len(p) + CAP).

    A burst trie: a node keeps up to CAP strings in a list and branches on the next character
    when it outgrows that, so the usual handful of sentences sharing a beginning is one list
    while thousands sharing one cost a walk down their shared characters, never a scan of them
    all. Each node knows the smallest order present below it. A post's strings cost
    O(total length) to add, where scanning every string with the same first characters was
    O(n^2) for n sentences that share them. Removal is rare (a cut tail at a ---END---
    marker) and recomputes the smallest order only where the removed string held it.
    """

    def __init__(self) -> None:
        self.root = _Node()

    def add(self, s: str, order: int) -> None:
        node, i = self.root, 0
        while True:
            if order < node.best:
                node.best = order
            if node.items is not None:
                node.items.append((s, order))
                if len(node.items) > CAP:
                    _burst(node, i)
                return
            if i == len(s):
                node.order = order
                return
            child = node.edges.get(s[i])  # type: ignore[union-attr]
            if child is None:
                child = node.edges[s[i]] = _Node()  # type: ignore[index]
            node, i = child, i + 1

    def remove(self, s: str, order: int) -> None:
        node, i, path = self.root, 0, []
        while node.items is None:
            path.append(node)
            if i == len(s):
                node.order = None
                break
            node, i = node.edges[s[i]], i + 1  # type: ignore[index]
        else:
            node.items.remove((s, order))
            path.append(node)
        for n in reversed(path):  # only the nodes where s was the earliest change
            if n.best != order:
                break
            if n.items is not None:
                n.best = min((o for _, o in n.items), default=_NONE)
            else:
                n.best = min((c.best for c in n.edges.values()), default=_NONE)  # type: ignore[union-attr]
                if n.order is not None and n.order < n.best:
                    n.best = n.order

    def earliest(self, prefix: str) -> int | None:
        """The smallest order of a present string that begins with prefix (None: there is none)."""
        node, i = self.root, 0
        while node.items is None:
            if i == len(prefix):
                return None if node.best == _NONE else int(node.best)
            node = node.edges.get(prefix[i])  # type: ignore[union-attr,assignment]
            if node is None:
                return None
            i += 1
        rest = prefix[i:]
        return min((o for s, o in node.items if s.startswith(rest, i)), default=None)


def _burst(node: _Node, depth: int) -> None:
    """Branch a node that outgrew its list on the character at depth (again below, if need be)."""
    todo = [(node, depth)]
    while todo:
        node, depth = todo.pop()
        items, node.items, node.edges = node.items, None, {}
        for s, order in items:  # type: ignore[union-attr]
            if len(s) == depth:
                node.order = order
                continue
            child = node.edges.get(s[depth])
            if child is None:
                child = node.edges[s[depth]] = _Node()
            child.items.append((s, order))  # type: ignore[union-attr]
            if order < child.best:
                child.best = order
        todo.extend((child, depth + 1) for child in node.edges.values() if len(child.items) > CAP)  # type: ignore[arg-type]


class _Seen:
    """Sentences already emitted, with prefix and suffix indexes for cut-off pieces.

    A piece is matched to the first sentence (in the order sentences were first added) that
    begins or ends with it: through tries, linear in the piece's length however many emitted
    sentences share its first or last characters.
    """

    def __init__(self) -> None:
        self.first_line: dict[str, int] = {}
        self.order: dict[str, int] = {}       # a sentence's order of first addition, kept on re-adds
        self.keys: list[str] = []             # sentences by order
        self.prefixes: _Trie | None = None    # built at the first lookup of a cut-off piece
        # sentences of LONG+ characters by their last LONG characters, then reversed: a list of
        # (rest reversed, order) pairs, a _Trie once more than CAP share those characters (most
        # sentences share them with none: a trie for each was most of the cost of adding one)
        self.suffixes: dict[str, list[tuple[str, int]] | _Trie] = {}

    def add(self, k: str, line: int) -> None:
        if not k or k in self.first_line:
            return
        self.first_line[k] = line
        order = self.order.setdefault(k, len(self.keys))
        if order == len(self.keys):
            self.keys.append(k)
        if self.prefixes is not None:
            self.prefixes.add(k, order)
        if len(k) >= LONG:
            end = k[-LONG:]
            bucket = self.suffixes.get(end)
            if bucket is None:
                self.suffixes[end] = [(k[-LONG - 1::-1], order)]
            elif type(bucket) is list:
                bucket.append((k[-LONG - 1::-1], order))
                if len(bucket) > CAP:
                    trie = self.suffixes[end] = _Trie()
                    for rest, o in bucket:
                        trie.add(rest, o)
            else:
                bucket.add(k[-LONG - 1::-1], order)

    def emitted(self, k: str) -> bool:
        """Whether sentence k was emitted before, whole or as the tail of a longer one."""
        return self.covered(k, cut=False) is not None

    def discard(self, k: str) -> None:
        if k not in self.first_line:
            return
        del self.first_line[k]
        order = self.order[k]
        if self.prefixes is not None:
            self.prefixes.remove(k, order)
        if len(k) >= LONG:
            bucket = self.suffixes[k[-LONG:]]
            if type(bucket) is list:
                bucket.remove((k[-LONG - 1::-1], order))
            else:
                bucket.remove(k[-LONG - 1::-1], order)

    def covered(self, k: str, cut: bool) -> int | None:
        """Line where k (a sentence) was emitted before, as a whole or as its prefix/suffix."""
        if k in self.first_line:
            return self.first_line[k]
        if cut:  # an unterminated piece: a prefix of an emitted sentence
            if self.prefixes is None:
                self.prefixes = _Trie()
                for s in self.first_line:
                    self.prefixes.add(s, self.order[s])
            if (order := self.prefixes.earliest(k)) is not None:
                return self.first_line[self.keys[order]]
        if len(k) >= LONG and (bucket := self.suffixes.get(k[-LONG:])) is not None:  # a restart in the middle of one
            rest = k[-LONG - 1::-1]
            if type(bucket) is list:
                order = min((o for s, o in bucket if s.startswith(rest)), default=None)
            else:
                order = bucket.earliest(rest)
            if order is not None:
                return self.first_line[self.keys[order]]
        return None


class _Headings:
    """Headings emitted so far (key -> line) in insertion order, with a trie for cut-off ones."""

    def __init__(self) -> None:
        self.line: dict[str, int] = {}
        self.order: dict[str, int] = {}
        self.keys: list[str] = []
        self.trie = _Trie()

    def set(self, k: str, line: int) -> None:
        if k not in self.line:
            self.order[k] = len(self.keys)
            self.keys.append(k)
            self.trie.add(k, self.order[k])
        self.line[k] = line

    def pop(self, k: str) -> None:
        if k in self.line:
            del self.line[k]
            self.trie.remove(k, self.order.pop(k))

    def longer(self, k: str) -> int | None:
        """Line of the first heading that begins with k (k itself not being one)."""
        order = self.trie.earliest(k)
        return None if order is None else self.line[self.keys[order]]


def _segments(block: Block) -> tuple[tuple[int, int, str], ...]:
    """(start, end, key) of the comparable pieces of a block: sentences or lines (shared, not to be changed)."""
    return _segments_of(block.kind, block.text)


@lru_cache(maxsize=1 << 14)  # a block is split by the boundary search and by one or two cleaners
def _segments_of(kind: str, text: str) -> tuple[tuple[int, int, str], ...]:
    if kind == "heading":
        return ((0, len(text), key(text.strip().lstrip("#"))),)
    if kind == "table":  # rows: rows of one table may repeat, so they are compared whole
        out, pos = [], 0
        for line in text.split("\n"):
            out.append((pos, pos + len(line), key(line)))
            pos += len(line) + 1
        return tuple(s for s in out if s[2])
    if kind == "list":  # sentences of each item (and of lazy continuation lines)
        out, pos = [], 0
        for line in text.split("\n"):
            item = _LEAD_MARK_RE.sub("", line)
            shift = pos + len(line) - len(item)
            out += [(shift + a, shift + b, key(item[a:b])) for a, b in sentence_spans(item)]
            pos += len(line) + 1
        return tuple(s for s in out if s[2])
    if kind == "quote":
        text = "\n".join(re.sub(r"^[ \t]*>[ \t]?", "", ln) for ln in text.split("\n"))
    segs = ((a, b, key(text[a:b])) for a, b in sentence_spans(text))
    return tuple(s for s in segs if s[2])


class _Cleaner:
    def __init__(self, lines: list[str], first_line: int) -> None:
        self.off = first_line  # line number of the body's first line, for reports
        self.blocks, _, self.origin = _split_markers(lines)
        self.shifted = len(self.origin) != len(lines) or self.origin[-1:] != [len(lines) - 1]
        self.report = Report(fragments=1 + sum(b.kind == "marker" for b in self.blocks))
        self.seen = _Seen()
        self.headings = _Headings()
        self.code: dict[str, int] = {}
        self.out: list[_Out] = []
        self.cut: tuple[_Out, int, str] | None = None   # (block, tail offset, tail key)
        self.waiting = False                                  # a marker passed since the cut
        self.last: _Out | None = None                        # block the previous input fed
        self.prev_dropped = False
        self.rule_line: int | None = None                    # first horizontal rule emitted
        # unresolved cuts by their first PENDING characters: (block, tail offset, tail, report)
        # (report None: a cut away from a marker or in a list, reported only when completed)
        self.pending: dict[str, list[tuple[_Out, int, str, Change | None]]] = {}
        self.implicit = False  # the open cut is away from a marker (see _cut_between)
        self.items: dict[str, _Out] = {}  # emitted list items by their first line's key
        self.has_markers = self.report.fragments > 1
        self.idx = 0
        # Without markers only repeats that look generated go (see _generated_repeats). Worked
        # out at the first repeat: a post with none, or cleaned by a marked copy (see _implicit),
        # never needs it.
        self.droppable: list[bool] | None = None

    def _may_drop(self) -> bool:
        if self.has_markers:
            return True
        if self.droppable is None:
            self.droppable = _generated_repeats(self.blocks)
        return self.droppable[self.idx]

    def _line_at(self, out: _Out, offset: int) -> int:
        """File line of a position in an emitted block's current text."""
        return out.block.start + out.text.count("\n", 0, offset) + self.off

    def _at(self, n: int) -> int:
        """The file line of internal line number n (lines split at inline markers count apart)."""
        i = n - self.off
        if not self.shifted or i < 0 or not self.origin:
            return n
        return self.origin[min(i, len(self.origin) - 1)] + self.off

    def _change(self, action: str, block: Block, detail: str) -> None:
        self.report.changes.append(Change(action, self._at(block.start + self.off),
                                          self._at(block.end + self.off - 1), detail))

    def run(self) -> None:
        has_markers = self.has_markers
        for idx, block in enumerate(self.blocks):
            self.idx = idx
            before_marker = idx + 1 < len(self.blocks) and self.blocks[idx + 1].kind == "marker"
            if block.kind == "marker":
                if self.last is not None:
                    self.last.fragment_end = True
                self._open_cut()
                self.last = None
                continue
            at_cut = before_marker or (has_markers and not self.report.implicit and idx == len(self.blocks) - 1)
            if self.cut and self.waiting and self._try_stitch(block, at_cut):
                continue
            if self.cut and self.waiting:
                self._close_cut(unresolved=True)
            self._process(block, at_cut)
        if has_markers and not self.report.implicit:
            self._drop_trailing_cut()
        elif self.cut:  # boundaries found without markers: the end is no cut, it may be the author's
            self._close_cut(unresolved=True)

    # -- fragment boundaries ---------------------------------------------------------------
    def _open_cut(self) -> None:
        out = self.last
        self.implicit = False
        if self.cut and self.waiting:
            return  # empty fragments back to back: the earlier cut still waits
        if out is not None and out.block.kind == "list":  # a later paragraph may write its last item out
            self._pend(out)
        if out is None or out.block.kind not in ("para", "heading"):
            return
        if out.block.kind == "heading":  # a heading cut short: the restart repeats it whole
            self.cut, self.waiting = (out, 0, key(out.text.strip().lstrip("#"))), True
            return
        spans = sentence_spans(out.text)
        if not spans or is_complete(out.text[spans[-1][0]:spans[-1][1]]):
            return
        tail = out.text[spans[-1][0]:spans[-1][1]]
        if self.seen.first_line.get(key(tail), -1) >= out.block.start + self.off:
            self.seen.discard(key(tail))  # (an earlier block's same piece stays: this one repeats it)
        self.cut, self.waiting = (out, spans[-1][0], key(tail)), True

    def _pend(self, out: _Out) -> None:
        """Let a later paragraph complete the sentence out ends with, if it has no ending (see
        _complete_pending): cut off inside a list item, or away from a marker."""
        spans = sentence_spans(out.text)
        if spans and not is_complete(out.text[spans[-1][0]:spans[-1][1]]):
            a = _ITEM_HEAD_RE.match(out.text, spans[-1][0]).end()  # type: ignore[union-attr]
            tail = key(out.text[a:spans[-1][1]])
            if len(tail) >= CUT_MIN:
                self.pending.setdefault(tail[:PENDING], []).append((out, a, tail, None))

    def _close_cut(self, unresolved: bool) -> None:
        if unresolved and self.cut and self.implicit:  # its completion follows, not after the text before it
            out, offset, _ = self.cut
            at = self._at(self._line_at(out, offset))
            self._trim_tail(out, offset, Change("dropped", at, at, "cut off and written out in full in the next paragraph"))
        elif unresolved and self.cut:
            out, offset, tail = self.cut
            line = self._line_at(out, offset)
            first = self.seen.covered(tail, cut=True) if out.block.kind == "para" else None
            if first is not None:  # a cut-off restatement of an earlier sentence: a repeat
                while first is not None:  # what is left may end in one too (cut again at a restart)
                    at = self._at(self._line_at(out, offset))
                    self._trim_tail(out, offset, Change("dropped", at, at, f"cut-off repeat of line {self._at(first)}"))
                    offset, first = self._repeated_cut_end(out)
                if not out.gone:  # the same piece may stand earlier in the block: it is still there
                    for _, _, k in _segments(Block("para", 0, 0, out.lines)):
                        self.seen.add(k, out.block.start + self.off)
            else:  # kept as written: later repeats of it are repeats
                self.seen.add(tail, line)
                where = "where a fragment ended (its marker deleted)" if self.report.implicit else "at a ---END--- marker"
                change = Change("unresolved-cut", self._at(line), self._at(line),
                                f"a sentence cut off {where} has no continuation; kept as written")
                self.report.changes.append(change)
                if len(tail) >= PENDING:  # a later fragment may still write it out in full
                    self.pending.setdefault(tail[:PENDING], []).append((out, offset, tail, change))
        self.cut, self.waiting = None, False

    def _repeated_cut_end(self, out: _Out) -> tuple[int, int | None]:
        """(offset, first line) of the block's last sentence when it is a cut-off piece of an
        earlier sentence, else (0, None)."""
        spans = sentence_spans(out.text) if not out.gone and out.block.kind == "para" else []
        if not spans or is_complete(out.text[spans[-1][0]:spans[-1][1]]):
            return 0, None
        a, b = spans[-1]
        k, here = key(out.text[a:b]), out.block.start + self.off
        if not k:  # only emphasis marks left (the ** closing a bold sentence)
            return 0, None
        own = self.seen.first_line.get(k, -1) >= here
        if own:  # this block's own sentence: look for an earlier one only
            self.seen.discard(k)
        first = self.seen.covered(k, cut=True)
        if own and first is None:
            self.seen.add(k, here)
        return a, first

    def _trim_tail(self, out: _Out, offset: int, change: Change) -> None:
        change.text = out.text[offset:]
        self.report.changes.append(change)
        kept = out.text[:offset].rstrip()
        here = out.block.start + self.off
        firsts = [self.seen.first_line.get(k) for _, _, k in _segments(Block("para", 0, 0, kept.split("\n")))]
        if kept and all(f is not None and f < here for f in firsts):  # what is left repeats earlier text
            self._change("dropped", out.block, f"repeat of line {self._at(min(firsts))}")
            kept = ""
        if kept:
            out.lines = kept.split("\n")
        else:
            # by identity, from the end (where the cut block is): list.remove compares every
            # earlier block field by field
            del self.out[next(i for i in range(len(self.out) - 1, -1, -1) if self.out[i] is out)]
            out.gone = True
            if self.last is out:
                self.last = None

    def _try_stitch(self, block: Block, at_cut: bool) -> bool:
        """Complete the open cut with this block, or drop the block as a repeat while waiting."""
        out, offset, tail = self.cut  # type: ignore[misc]
        if block.kind == "heading":
            return self._stitch_heading(block, out, tail, at_cut)
        if block.kind == "hr" and self.rule_line is not None:  # the restart repeats a section rule
            self._drop(block, f"repeated rule before the cut sentence continues (first at line {self._at(self.rule_line)})")
            return True
        if block.kind not in ("para", "quote", "list", "table"):
            return False
        segs = _segments(block)
        first = self._all_covered(block, segs, at_cut=True)
        if first is not None:  # a repeat while the restart catches up with the cut
            self._drop(block, f"repeat of line {self._at(first)}")
            return True
        if out.block.kind == "heading" or block.kind == "table":
            return False
        text = block.text
        for j, (a, b, k) in enumerate(segs):
            if k.startswith(tail) and not self.seen.emitted(k):
                if self._pending_same(tail):  # an earlier cut of the same sentence waits for it: it goes there
                    return False
                if all(self.seen.emitted(s[2]) for s in segs[:j]):
                    rest = [sg for sg in segs[j:] if sg is segs[j] or not self.seen.emitted(sg[2])]
                    cut_line = self._line_at(out, offset)
                    out.lines = (out.text[:offset] + _join(text, rest)).split("\n")
                    out.source_end = block.end
                    for _, _, kk in rest:
                        self.seen.add(kk, block.start + self.off)
                    self._change("stitched", block,
                                 f"completes the sentence cut off at line {self._at(cut_line)}")
                    self.cut, self.waiting, self.last, self.prev_dropped = None, False, out, False
                    return True
                break
            if not self.seen.emitted(k):
                break
        if segs and tail.startswith(segs[-1][2]) and not _seg_complete(block, segs[-1]) and all(
                self.seen.emitted(s[2]) for s in segs[:-1]):
            self._drop(block, f"cut off again before the sentence at line {self._at(out.block.start + self.off)} ends")
            return True
        return False

    def _pending_same(self, tail: str) -> bool:
        """Whether an earlier unresolved cut, kept as written, is cut at the same piece."""
        return any(t == tail and not o.gone and key(o.text[off:]) == t
                   for o, off, t, _ in self.pending.get(tail[:PENDING], ()))

    def _heading_repeat(self, k: str, at_cut: bool) -> str | None:
        """Why heading k is a repeat: seen before, or cut short at a marker after one it begins."""
        if k in self.headings.line:
            return f"repeated heading (first at line {self._at(self.headings.line[k])})"
        if at_cut and (line := self.headings.longer(k)) is not None:
            return f"cut-off repeat of the heading at line {self._at(line)}"
        return None

    def _stitch_heading(self, block: Block, out: _Out, tail: str, at_cut: bool) -> bool:
        """A cut heading is completed by a longer heading; a repeated heading is dropped."""
        k = key(block.text.strip().lstrip("#"))
        if why := self._heading_repeat(k, at_cut):
            self._drop(block, why)
            return True
        if out.block.kind == "heading" and k.startswith(tail) and k != tail:
            self.headings.pop(tail)
            self.headings.set(k, out.block.start + self.off)
            out.lines, out.source_end = list(block.lines), block.end
            self._change("stitched", block, f"completes the heading cut off at line {self._at(out.block.start + self.off)}")
            self.cut, self.waiting, self.last, self.prev_dropped = None, False, out, False
            return True
        if out.block.kind == "heading" and tail.startswith(k):
            self._drop(block, f"cut off again before the heading at line {self._at(out.block.start + self.off)} ends")
            return True
        return False

    def _drop_trailing_cut(self) -> None:
        target = self.cut[0] if self.cut else self.last
        if target is None or target.block.kind != "para" or target is not (self.out[-1] if self.out else None):
            if self.cut:
                self._close_cut(unresolved=True)
            return
        text = target.text
        spans = sentence_spans(text)
        if not spans or is_complete(text[spans[-1][0]:spans[-1][1]]):
            return
        a = spans[-1][0]
        line = self._line_at(target, a)
        self._trim_tail(target, a, Change("trailing-cut", self._at(line), self._at(target.source_end + self.off - 1),
                                          f"final sentence has no ending and no continuation: {text[a:][:40]!r}"))
        self.cut, self.waiting = None, False

    # -- ordinary blocks -------------------------------------------------------------------
    def _all_covered(self, block: Block, segs, at_cut: bool) -> int | None:
        if not segs:
            return None
        lines = []
        for i, (_, _, k) in enumerate(segs):
            last_piece = i == len(segs) - 1 and at_cut
            first = self._covered(block, segs[i], cut=last_piece and not _seg_complete(block, segs[i]))
            if first is None:
                return None
            lines.append(first)
        if sum(len(s[2]) for s in segs) < SHORT and not at_cut:
            return None  # a short refrain
        return min(lines)

    def _covered(self, block: Block, seg, cut: bool) -> int | None:
        """Line where segment seg of block was emitted before (see _Seen.covered). With markers
        also: a heading's text written as a line (or a line's as a heading), and emitted
        pieces glued together (see _glued)."""
        k = seg[2]
        first = self.seen.covered(k, cut)
        if first is not None or not self.has_markers:
            return first
        if len(k) >= SHORT and (first := self.headings.line.get(k)) is not None:
            return first
        return self._glued(block.text[seg[0]:seg[1]], cut) if block.kind in ("para", "list", "heading") else None

    def _glued(self, text: str, cut: bool) -> int | None:
        """Line where the pieces of a sentence were emitted when each piece between gaps of
        white space was (the first a heading, a line without an ending, or the tail of a
        sentence; the last, at a cut, a cut-off beginning): a restart wrote a heading or a
        bold label and the paragraph after it on one line (``見出し 本文。``). None: a piece
        is new. At most GLUED gaps: O(GLUED^2) lookups of pieces."""
        if len(text.split(None, 1)) < 2 and not text[:1].isspace() and not text[-1:].isspace():
            return None  # no white space (most sentences), found faster than by _GAP_RE
        gaps = [m.span() for m in _GAP_RE.finditer(text)]
        if not gaps or len(gaps) > GLUED:
            return None
        bounds = [(0, 0)] + gaps + [(len(text), len(text))]
        reach: dict[int, int] = {0: -1}  # bound index -> earliest line of the pieces before it
        for j in range(1, len(bounds)):
            for i in sorted(reach):
                if i >= j:
                    break
                piece = text[bounds[i][1]:bounds[j][0]]
                k = key(piece)
                if not k or _SYNTAX_ONLY_RE.fullmatch(k):
                    line = reach[i]
                else:
                    at = self.seen.covered(k, cut and j == len(bounds) - 1)
                    if at is None:
                        at = self.headings.line.get(k)
                    if at is None:
                        continue
                    line = at if reach[i] < 0 else min(at, reach[i])
                if j not in reach or (line >= 0 and (reach[j] < 0 or line < reach[j])):
                    reach[j] = line
        last = reach.get(len(bounds) - 1)
        return last if last is not None and last >= 0 else None

    def _process(self, block: Block, at_cut: bool) -> None:
        kind = block.kind
        if kind == "heading":
            k = key(block.text.strip().lstrip("#"))
            why = self._heading_repeat(k, at_cut)
            if why is None and self.has_markers and self._heading_text(block, k, at_cut):
                return
            if why and self._may_drop():
                self._drop(block, why)
            else:
                self.headings.set(k, block.start + self.off)
                self._emit(block)
            return
        if kind == "code":
            k = block.text
            if k in self.code and self.prev_dropped:
                self._drop(block, f"code block repeated with its section (first at line {self._at(self.code[k])})")
            else:
                self.code.setdefault(k, block.start + self.off)
                self._emit(block)
            return
        if kind in ("hr", "html"):
            if kind == "hr" and self.rule_line is None:
                self.rule_line = block.start + self.off
            self._emit(block)
            return
        segs = _segments(block)
        first = self._all_covered(block, segs, at_cut)
        if first is not None and self._may_drop():
            self._drop(block, f"repeat of line {self._at(first)}")
            return
        if kind in ("list", "table") and self._extend(block, segs):
            return
        if kind == "list" and self.has_markers and self._emit_new_items(block, segs, at_cut):
            return
        if kind == "para" and self.has_markers:
            self._emit_trimmed(block, segs, at_cut)
            return
        self._emit(block)
        for _, _, k in segs:
            self.seen.add(k, block.start + self.off)

    def _heading_text(self, block: Block, k: str, at_cut: bool) -> bool:
        """A heading whose text was emitted as sentences: a bold label or line of the same text,
        or a restart that wrote a heading and its section on one line (``### 見出し 本文。…``).
        All of it emitted: it goes; long repeated sentences after its title: they go (the title
        stays a heading). False: an ordinary heading, left to _process."""
        text = block.text
        lead = len(text) - len(text.lstrip(" \t#"))
        segs = [(lead + a, lead + b, key(text[lead + a:lead + b])) for a, b in sentence_spans(text[lead:])]
        segs = [sg for sg in segs if sg[2]]
        if not segs or sum(len(sg[2]) for sg in segs) < SHORT:
            return False
        found = [self._covered(block, sg, cut=at_cut and n == len(segs) - 1 and not is_complete(text[sg[0]:sg[1]]))
                 for n, sg in enumerate(segs)]
        if None not in found:
            self._drop(block, f"heading repeats the text of line {self._at(min(found))}")  # type: ignore[type-var]
            return True
        keep = [sg for sg, f in zip(segs, found) if f is None or len(sg[2]) < LONG]
        if len(keep) == len(segs):
            return False
        self._change("trimmed", block, f"removed {len(segs) - len(keep)} repeated sentence(s) written on the heading's "
                                       f"line (first at line {self._at(min(f for f in found if f is not None))})")
        head = text[:lead] if keep[0] is segs[0] else ""
        self._emit(block, [head + _join(text, keep)])
        self.headings.set(k, block.start + self.off)
        for _, _, kk in keep:
            self.seen.add(kk, block.start + self.off)
        return True

    def _emit_trimmed(self, block: Block, segs, at_cut: bool) -> None:
        text, keep, removed, moved, implicit = block.text, [], [], 0, None
        for i, (a, b, k) in enumerate(segs):
            # the cut-off tail of a paragraph with new content stays: it opens a cut at the marker
            cut_piece = at_cut and i == len(segs) - 1 and not is_complete(text[a:b])
            first = None if cut_piece else self._covered(block, (a, b, k), cut=False)
            if first is not None and len(k) >= LONG:
                removed.append(first)
            elif first is None and not cut_piece and self.pending and self._complete_pending(k, text[a:b], block):
                moved += 1
            elif first is None and i == len(segs) - 1 and not at_cut and (cut := self._cut_between(block, text[a:b], k)):
                if cut < 0:  # the next paragraph restarts it: a cut to complete there, as at a marker
                    keep.append((a, b, k, None))
                    implicit = k
                else:
                    removed.append(cut)
            else:
                keep.append((a, b, k, first))
        if removed:  # a re-emitted paragraph: its short repeats go with the long ones
            keep = [sg for sg in keep if sg[3] is None]
        # What is left after long repeats went or a cut's completion moved may be a short
        # repeat too (a refrain is kept only when it stands alone): then the block goes whole,
        # as a second pass without markers would drop it.
        if (removed or moved) and all(self.seen.covered(k, cut=False) is not None for _, _, k, _ in keep):
            self._drop(block, "its sentences complete an earlier cut or repeat earlier ones")
            return
        if removed and keep or moved:
            if removed:
                self._change("trimmed", block, f"removed {len(removed)} repeated sentence(s) (first at line {self._at(min(removed))})")
            self._emit(block, _join(text, keep).split("\n"))
        else:
            self._emit(block)
        if implicit is not None:
            out = self.out[-1]
            self.cut, self.waiting, self.implicit = (out, len(out.text) - len(text[keep[-1][0]:keep[-1][1]]), implicit), True, True
            keep.pop()
        elif not at_cut and keep:  # cut off where no marker stands: a later fragment may complete it
            self._pend(self.out[-1])
        for a, b, k, _ in keep:
            self.seen.add(k, block.start + self.off)

    def _cut_between(self, block: Block, sentence: str, k: str) -> int | None:
        """Line where the sentence cut off at the end of this paragraph, away from a marker, was
        written out in full before (a restart cut short again); -1: the next paragraph writes it
        out (the restart came without a marker). None: not such a cut."""
        if block.kind != "para" or len(k) < CUT_MIN or is_complete(sentence):
            return None
        if (first := self.seen.covered(k, cut=True)) is not None:
            return first
        nxt = self.blocks[self.idx + 1] if self.idx + 1 < len(self.blocks) else None
        if nxt is not None and nxt.kind == "para" and any(
                len(sk) > len(k) and sk.startswith(k) for _, _, sk in _segments(nxt)):
            return -1
        return None

    def _complete_pending(self, k: str, sentence: str, block: Block) -> bool:
        """Complete an unresolved cut (kept as written) that sentence k begins with: a later
        fragment wrote the cut sentence out in full. It moves to the cut, where it began."""
        bucket = self.pending.get(k[:PENDING])
        for n, (out, offset, tail, change) in enumerate(bucket or ()):
            if len(k) > len(tail) and k.startswith(tail) and not out.gone and key(out.text[offset:]) == tail:
                if change is None:
                    at = self._at(self._line_at(out, offset))
                    change = Change("stitched", at, at, "")
                    self.report.changes.append(change)
                out.lines = (out.text[:offset] + sentence).split("\n")
                del bucket[n]  # type: ignore[union-attr]
                self.seen.add(k, out.block.start + self.off)
                self._drop_restart_after(out, k)
                change.action = "stitched"
                change.detail = (f"the sentence cut off here is written out in full at line "
                                 f"{self._at(block.start + self.off)}; moved here")
                return True
        return False

    def _drop_restart_after(self, out: _Out, k: str) -> None:
        """After a cut is completed in place: the paragraph emitted right after it may open with
        the rest of the cut sentence (the model went on mid-sentence without a marker). That
        piece now repeats the end of the completed sentence: it goes."""
        i = next(i for i in range(len(self.out) - 1, -1, -1) if self.out[i] is out)
        nxt = self.out[i + 1] if i + 1 < len(self.out) else None
        if nxt is None or nxt.block.kind != "para" or self.cut and self.cut[0] is nxt:
            return
        spans = sentence_spans(nxt.text)
        first = key(nxt.text[spans[0][0]:spans[0][1]]) if spans else ""
        if len(first) < CUT_MIN or len(first) >= len(k) or not k.endswith(first):
            return
        self.report.changes.append(Change("dropped", self._at(self._line_at(nxt, 0)), self._at(self._line_at(nxt, 0)),
                                          "rest of a sentence completed at the line before"))
        rest = nxt.text[spans[0][1]:].strip()
        if rest:
            nxt.lines = rest.split("\n")
        else:
            del self.out[i + 1]
            nxt.gone = True
            if self.last is nxt:
                self.last = None

    def _emit_new_items(self, block: Block, segs, at_cut: bool) -> bool:
        """A list after a marker that re-emits items of earlier blocks, whole or grown by new
        sentences: a repeated item goes, a grown one keeps its label and its new sentences (like
        a paragraph, see _emit_trimmed); repetition within this list stays. False: nothing to do."""
        starts = [i for i, line in enumerate(block.lines) if _LIST_RE.match(line)] or [0]
        bounds = list(zip(starts, starts[1:] + [len(block.lines)]))
        offsets, pos = [], 0
        for line in block.lines:
            offsets.append(pos)
            pos += len(line) + 1
        offsets.append(pos)
        keep, firsts, trimmed, s = [], [], 0, 0
        for n, (a, b) in enumerate(bounds):
            item = []
            while s < len(segs) and segs[s][0] < offsets[b]:
                item.append(segs[s])
                s += 1
            last = at_cut and n == len(bounds) - 1
            found = [self._covered(block, sg, cut=last and i == len(item) - 1 and not _seg_complete(block, sg))
                     for i, sg in enumerate(item)]
            if item and None not in found and sum(len(sg[2]) for sg in item) >= LONG:
                firsts.append(min(found))  # type: ignore[type-var]
                continue
            if (not last or item and _seg_complete(block, item[-1])) and self._grow_item(block, offsets, a, b, item, found):
                firsts.append(min(f for f in found if f is not None))
                continue
            gone = {id(sg) for sg, f in zip(item, found) if f is not None and len(sg[2]) >= LONG
                    and not (last and sg is item[-1])}  # a cut-off tail stays: it opens a cut
            lines = self._item_without(block, offsets, a, b, [sg for sg in item if id(sg) not in gone]) if gone else None
            if lines is None:
                keep.extend(block.lines[a:b])
            else:
                keep.extend(lines)
                trimmed += 1
                firsts.append(min(f for f in found if f is not None))
        if not firsts:
            return False
        if not keep:
            self._drop(block, f"repeat of line {self._at(min(firsts))}")
            return True
        self._change("trimmed", block, f"removed {len(firsts) - trimmed} repeated list item(s) and repeated "
                                       f"sentences of {trimmed} (first at line {self._at(min(firsts))})")
        self._emit(block, keep)
        for _, _, k in segs:
            self.seen.add(k, block.start + self.off)
        return True

    def _grow_item(self, block: Block, offsets: list[int], a: int, b: int, item, found) -> bool:
        """An item re-emitted with its first line all repeated and new sentences on the lines
        under it: the new sentences join the item where it was first emitted (its first line
        alone would leave them without their label). False: that item is not found as it was."""
        if b - a < 2 or not item or any(f is None for sg, f in zip(item, found) if sg[0] < offsets[a + 1]):
            return False
        first = key(_LEAD_MARK_RE.sub("", block.lines[a]))
        out = self.items.get(first)
        if out is None or out.gone:
            return False
        at = next((i for i, ln in enumerate(out.lines) if _LIST_RE.match(ln) and key(_LEAD_MARK_RE.sub("", ln)) == first), None)
        if at is None:
            return False
        new = []
        for line in block.lines[a + 1:b]:
            rest = self._uncovered_line(line.lstrip())
            if rest:
                new.append(line[:len(line) - len(line.lstrip())] + rest)
        if not new:
            return False
        indent = len(out.lines[at]) - len(out.lines[at].lstrip())
        end = at + 1
        while end < len(out.lines) and not (_LIST_RE.match(out.lines[end]) and
                                             len(out.lines[end]) - len(out.lines[end].lstrip()) <= indent):
            end += 1
        out.lines[end:end] = new
        for sg in item:
            self.seen.add(sg[2], block.start + self.off)
        self._change("merged", block, f"new sentences of a re-emitted list item join it at line {self._at(out.block.start + self.off)}")
        return True

    @staticmethod
    def _item_without(block: Block, offsets: list[int], a: int, b: int, kept) -> list[str] | None:
        """Lines a..b of a list block keeping only these segments (each line keeps its indent and
        list marker); None when the item's first line would be left without text."""
        out = []
        for i in range(a, b):
            line = block.lines[i]
            mine = [(x - offsets[i], y - offsets[i]) for x, y, _ in kept if offsets[i] <= x < offsets[i + 1]]
            if not mine:
                if i == a:
                    return None
                continue
            lead = _ITEM_LEAD_RE.match(line).end()  # type: ignore[union-attr]
            out.append(line[:lead] + _join(line, mine))
        return out

    def _extend(self, block: Block, segs) -> bool:
        """A list/table re-emitted in full after a cut: merge it into the earlier one. A list
        re-emitted from one of its items on (or from its cut-off last item) merges when it
        completes the cut-off last item."""
        new = _line_keys(block.lines)
        for out in reversed(self.out[-LOOKBACK:]):
            if out.block.kind != block.kind or not out.fragment_end:
                continue
            old = _line_keys(out.lines)
            if not old or not new:
                continue
            i = 0 if old[0] == new[0] else _resumes_at(old, new) if block.kind == "list" else -1
            m = len(old) - i  # old lines i.. are new lines ..m
            if i < 0 or m > len(new):
                continue
            same = all(old[i + t] == new[t] for t in range(m - 1)) and new[m - 1].startswith(old[-1])
            if not same or (i or old[0] != new[0]) and (new[m - 1] == old[-1] or len(old[-1]) < CUT_MIN):
                continue
            keep_old = len(old) - (0 if new[m - 1] == old[-1] else 1)
            # The line that completes the old cut-off last line replaces it whole: its sentences
            # were "emitted" only by the line it replaces, so stripping them would lose them.
            added = block.lines[keep_old - i:m]
            added += [ln for ln in (self._uncovered_line(line) for line in block.lines[m:]) if ln]
            out.lines = out.lines[:keep_old] + added
            out.source_end = block.end
            for _, _, k in segs:
                self.seen.add(k, block.start + self.off)
            self._change("merged", block, f"{block.kind} continues the one at line {self._at(out.block.start + self.off)}")
            self.last, self.prev_dropped = out, False
            if self.cut and self.cut[0] is out:
                self.cut, self.waiting = None, False
            return True
        return False

    def _uncovered_line(self, line: str) -> str:
        """The line without sentences already emitted ("" if none is new)."""
        item = _LEAD_MARK_RE.sub("", line)
        lead = line[: len(line) - len(item)]
        spans = [(a, b) for a, b in sentence_spans(item) if not self.seen.emitted(key(item[a:b]))]
        return lead + _join(item, spans) if spans else ""

    def _emit(self, block: Block, lines: list[str] | None = None) -> _Out:
        out = _Out(block, lines if lines is not None else list(block.lines), block.end)
        self.out.append(out)
        if block.kind == "list" and self.has_markers:  # its items, for _grow_item
            for line in out.lines:
                if _LIST_RE.match(line):
                    self.items.setdefault(key(_LEAD_MARK_RE.sub("", line)), out)
        self.last, self.prev_dropped = out, False
        return out

    def _drop(self, block: Block, detail: str) -> None:
        self._change("dropped", block, detail)
        self.last, self.prev_dropped = None, True

    # -- output ------------------------------------------------------------------------------
    def render(self, eol: str, final_newline: bool, leading: list[str]) -> str:
        pieces: list[str] = []
        prev_end = None
        for i, out in enumerate(self.out):
            if i == 0:
                pieces.extend(leading)
            elif prev_end == out.block.start - len(out.block.blank_before):
                pieces.extend(out.block.blank_before)
            else:
                pieces.append("")
            pieces.extend(out.lines)
            prev_end = out.block.end
        text = eol.join(pieces)
        return text + eol if (final_newline and text) else text


def _generated_repeats(blocks: list[Block]) -> list[bool]:
    """For a post without markers: which blocks are repeats that look machine-made.

    People repeat a link or a closing line on purpose; a model re-emits paragraphs back to
    back, whole sections (runs of repeated blocks), or earlier paragraphs merged into one.
    A block qualifies when every sentence of it was written before and it is back to back with
    its original, next to another repeated block, or merges several earlier blocks.
    """
    seen = _Seen()
    content = [i for i, b in enumerate(blocks) if b.kind in ("para", "heading", "list", "table", "quote")]
    covered: dict[int, set[int]] = {}
    for i in content:
        segs = _segments(blocks[i])
        sources = {seen.covered(k, cut=False) for _, _, k in segs}
        if segs and None not in sources and (blocks[i].kind == "heading" or sum(len(k) for *_, k in segs) >= SHORT):
            covered[i] = sources  # type: ignore[assignment]
        for _, _, k in segs:
            seen.add(k, i)
    flags = [False] * len(blocks)
    for pos, i in enumerate(content):
        if i not in covered:
            continue
        prev_i = content[pos - 1] if pos else None
        next_i = content[pos + 1] if pos + 1 < len(content) else None
        back_to_back = covered[i] == {prev_i}
        in_run = prev_i in covered or next_i in covered
        flags[i] = back_to_back or in_run or len(covered[i]) >= 2
    return flags


def _join(text: str, spans) -> str:
    """The text of these spans of text, keeping line breaks and spaces between kept ones."""
    pieces, prev_end = [], None
    for a, b, *_ in spans:
        if prev_end is not None:
            gap = text[prev_end:a]
            pieces.append("\n" if "\n" in gap else (gap if not gap.strip() else ""))
        pieces.append(text[a:b])
        prev_end = b
    return "".join(pieces)


def _resumes_at(old: list[str], new: list[str]) -> int:
    """The old line a re-emitted list's first line repeats, or completes if it is the last
    (-1: none). Line keys as _line_keys gives them."""
    if new[0].startswith(old[-1]) and new[0] != old[-1]:
        return len(old) - 1
    try:
        return old.index(new[0])
    except ValueError:
        return -1


def _line_keys(lines: list[str]) -> list[str]:
    return [key(_LEAD_MARK_RE.sub("", line)) for line in lines]


def _seg_complete(block: Block, seg) -> bool:
    if block.kind in ("heading", "table"):
        return True
    return is_complete(block.text[seg[0]:seg[1]])


def clean(body: str, first_line: int = 1) -> tuple[str, Report]:
    """Return (cleaned body, report). Pure; never raises on text input.

    ``first_line``: the file line the body starts on, so reports name file lines. The body's
    first line may repeat the title: it is kept here (titles.resolve uses and removes it), so
    later repeats of it are caught like any other repeat.

    What one pass leaves may still show fragment boundaries without markers (a cut-off
    repeat a marker's cut hid, a restart whose cut was completed): then the text left is
    cleaned again, so that cleaning is idempotent. The changes of a further pass name lines
    of the text the pass before left.
    """
    text, report = _clean_pass(body, first_line)
    for _ in range(PASSES - 1):
        if not report.changed:
            break
        again, more = _clean_pass(text, first_line, further=True)
        if more is None or again == text:
            break
        for change in more.changes:
            change.detail += " (a further pass: line of the text the pass before left)"
        report.changes += more.changes
        report.implicit += more.implicit
        text = again
    return text, report


def _clean_pass(body: str, first_line: int, further: bool = False) -> tuple[str, Report | None]:
    """One pass. ``further``: a pass over what a pass left, made only where boundaries.find
    still sees a fragment boundary or a block is a repeat that looks generated (else (body,
    None))."""
    from tsuzuri.boundaries import find  # it builds on this module

    eol = "\r\n" if "\r\n" in body else "\n"
    lines = body.replace("\r\n", "\n").split("\n")
    final_newline = body.endswith(("\n", "\r"))
    if final_newline:
        lines.pop()
    found = None
    if further:
        blocks = parse_blocks(lines)
        # a boundary still shows, or a repeat the marker-less rule drops (the marked copy kept
        # it: a marker's fragment keeps a short repeat, a post without markers loses it)
        if not (found := find(blocks)) and not any(_generated_repeats(blocks)):
            return body, None
    cleaner, inserted = _Cleaner(lines, first_line), []
    if not cleaner.has_markers:  # (then its blocks are parse_blocks(lines): found holds for them)
        cleaner, inserted = _implicit(cleaner, lines, first_line, found)
    cleaner.run()
    for change in cleaner.report.changes if inserted else ():  # lines of the body, not of the marked copy
        change.line -= bisect.bisect_right(inserted, change.line - first_line)
        change.end_line -= bisect.bisect_right(inserted, change.end_line - first_line)
    if not cleaner.report.changed:
        return body, cleaner.report
    leading = cleaner.blocks[0].blank_before if cleaner.blocks else []
    return cleaner.render(eol, final_newline, leading), cleaner.report


def _implicit(cleaner: _Cleaner, lines: list[str], first_line: int,
              found: list[int] | None = None) -> tuple[_Cleaner, list[int]]:
    """A post without markers whose markers were deleted by hand: a marker is put back where
    boundaries.find sees a fragment boundary (on the blank line there, or on a line of its own),
    and the post is cleaned like one with markers. ``found``: find's answer, when known.
    Returns the cleaner and the (ascending) lines of the marked copy that were inserted."""
    from tsuzuri.boundaries import find  # it builds on this module

    blocks = cleaner.blocks
    at = [i for i in (find(blocks) if found is None else found) if i + 1 < len(blocks)]
    if not at:
        return cleaner, []
    marked, inserted = list(lines), []
    for i in reversed(at):
        pos = blocks[i].end
        if blocks[i + 1].blank_before:
            marked[pos] = "---END---"
        else:
            marked.insert(pos, "---END---")
            inserted.append(pos)
    virtual = _Cleaner(marked, first_line)
    virtual.report.fragments, virtual.report.implicit = 1, len(at)
    # positions in the marked copy: each insertion shifts the ones after it
    return virtual, [pos + n for n, pos in enumerate(sorted(inserted))]
