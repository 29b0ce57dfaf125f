"""Shapes of Markdown that Python-Markdown renders in quadratic time or by deep recursion.

Python-Markdown scans from every ``[`` to its ``]`` (LinkInlineProcessor.getText), from every
``](`` to its ``)`` (getLink), and the standard library's HTML parser from every ``<x`` to the
next ``>``; an opener that is never closed costs a scan to the end of its paragraph (or, for
``<``, of the post), so 25 KB of ``[`` took 103 s. Lists and quotes are parsed recursively
(about two frames a level: 500 levels exceed Python's stack) and each level re-reads the lines
below it. ``measure`` adds these scans up in one linear pass, so the renderer can publish a
post that would take minutes as plain text instead, with a warning naming what to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DEPTH = 100              # lists/quotes nested deeper than this are not rendered
BUDGET = 3_000_000           # scanned characters any post may cost, plus ...
BUDGET_PER_CHAR = 10         # ... this many per character of the post (a long post scans more)

_FENCE_RE = re.compile(r"(?m)^[ \t]{0,3}(`{3,}|~{3,})(.*)$")
_TOKEN_RE = re.compile(r"\n[ \t]*\n|[\[\]()]")
_TAG_START_RE = re.compile(r"<[A-Za-z/!?]")
_CONTAINER_RE = re.compile(r"(?m)^([ \t]*)((?:(?:>|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))[ \t]*)+)")
_MARKER_RE = re.compile(r">|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$)")

FAR = 1000                   # an opener whose closer is this far away (or missing) is named
KINDS = {
    "[": "'[' with no ']' nearby",
    "](": "'](' with no ')' nearby",
    "<": "'<' with no '>' nearby",
    "nesting": "lines nested deeply in lists or quotes",
}


@dataclass
class Shape:
    cost: dict            # kind -> characters Python-Markdown would scan
    offenders: dict       # kind -> openers closed FAR away or never (lines, for nesting)
    first: dict           # kind -> offset in the text of the first offender
    depth: int = 0        # deepest list/quote nesting
    depth_at: int = 0     # offset of that line

    def budget(self, length: int) -> int:
        return BUDGET + BUDGET_PER_CHAR * length

    def worst(self) -> str:
        return max(self.cost, key=self.cost.get)


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Fenced code blocks (Markdown stashes them before any scan), paired line by line."""
    spans, open_at, fence = [], None, ""
    for m in _FENCE_RE.finditer(text):
        if open_at is None:
            open_at, fence = m.start(), m.group(1)
        elif m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not m.group(2).strip():
            spans.append((open_at, m.end()))
            open_at = None
    if open_at is not None:
        spans.append((open_at, len(text)))
    return spans


def measure(text: str) -> Shape:
    """What rendering ``text`` would scan, by kind; linear in the length of text."""
    code = _code_spans(text)
    if code:  # blank out code (same length: offsets stay)
        parts, last = [], 0
        for s, e in code:
            parts += [text[last:s], "\n" * text.count("\n", s, e) + " " * (e - s - text.count("\n", s, e))]
            last = e
        text = "".join(parts + [text[last:]])
    cost = dict.fromkeys(KINDS, 0)
    offenders = dict.fromkeys(KINDS, 0)
    first: dict[str, int] = {}

    def scanned(kind: str, at: int, scan: int) -> None:
        cost[kind] += scan
        if scan >= FAR:
            offenders[kind] += 1
            first[kind] = min(first.get(kind, at), at)

    def unclosed(kind: str, at: int, scan: int) -> None:
        cost[kind] += scan
        offenders[kind] += 1
        first[kind] = min(first.get(kind, at), at)

    brackets: list[int] = []
    parens: list[tuple[int, bool]] = []   # (offset, opens a link target)
    prev_end, prev_char = -1, ""
    for m in _TOKEN_RE.finditer(text + "\n\n"):
        c, at = m.group(), m.start()
        if c == "[":
            brackets.append(at)
        elif c == "]":
            if brackets:
                start = brackets.pop()
                scanned("[", start, at - start)
        elif c == "(":
            parens.append((at, prev_char == "]" and prev_end == at))
        elif c == ")":
            if parens:
                start, link = parens.pop()
                if link:
                    scanned("](", start, at - start)
        else:  # a blank line ends the paragraph: every opener still open scanned to here
            for start in brackets:
                unclosed("[", start, at - start)
            for start, link in parens:
                if link:
                    unclosed("](", start, at - start)
            brackets, parens = [], []
        prev_end, prev_char = m.end(), c

    gt = -1  # the next ">" after the last tag start; finds never rescan: linear
    for m in _TAG_START_RE.finditer(text):
        at = m.start()
        if gt != len(text) and gt < at:
            gt = text.find(">", at)
            gt = len(text) if gt < 0 else gt
        if gt == len(text):
            unclosed("<", at, len(text) - at)
        else:
            scanned("<", at, gt - at)

    depth, depth_at = 0, 0
    for m in _CONTAINER_RE.finditer(text):
        level = len(_MARKER_RE.findall(m.group(2))) + len(m.group(1).expandtabs(4)) // 4
        if level > 1:
            line_end = text.find("\n", m.start())
            cost["nesting"] += level * ((line_end if line_end >= 0 else len(text)) - m.start())
            offenders["nesting"] += 1
            first.setdefault("nesting", m.start())
        if level > depth:
            depth, depth_at = level, m.start()
    return Shape(cost, offenders, first, depth, depth_at)
