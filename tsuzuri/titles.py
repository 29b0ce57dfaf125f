"""Titles: repair broken ones and keep the body from repeating them.

Seen in the real blog: titles cut mid-character (ending in U+FFFD), titles starting with
``#``/``**``, a title cut short while the body's first line has the whole of it, and a body
whose first line or heading repeats the title.
"""

from __future__ import annotations

import re
import unicodedata

_LEAD = re.compile(r"^\s*(?:#{1,6}\s*|\*\*|__)+")
_TRAIL = re.compile(r"(?:\*\*|__|\ufffd|\s)+$")
_TRAIL_PUNCT = re.compile(r"[\s？?！!。.…：:、,\ufffd]+$")
MAX_TITLE = 160


def strip_markup(text: str) -> str:
    text = _LEAD.sub("", text)
    text = _TRAIL.sub("", text)
    return text.strip()


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", strip_markup(text)))


def repair(title: str) -> str:
    """Remove heading marks, bold marks and a trailing cut-off character."""
    return strip_markup(title.replace("\ufffd", " ").strip())


def _core(title: str) -> str:
    """The title without trailing punctuation: what a longer first line must begin with."""
    return _TRAIL_PUNCT.sub("", _norm(title))


def first_line(body: str) -> tuple[int, int, str] | None:
    """(start, end, text) of the body's first non-blank line."""
    pos = 0
    for line in body.splitlines(keepends=True):
        if line.strip():
            return pos, pos + len(line), line.rstrip("\r\n")
        pos += len(line)
    return None


def is_title_line(line: str, title: str, broken: bool = False) -> bool:
    """Whether ``line`` repeats ``title``: exactly, or completing a title that was cut short.

    Completing is accepted only where the cut shows: the title was repaired (``broken``), or it
    ends in punctuation the line replaces (``…ポイントと？`` / ``…ポイントとは``), or the line is
    a heading or bold line. Never prose (a 。 after the title) and never mid-word.
    """
    stripped = line.lstrip()
    if stripped.startswith(("-", "+", ">", "|", "```", "~~~")) or (
            stripped.startswith("*") and not stripped.startswith("**")):
        return False
    n_line, n_title, core = _norm(line), _norm(title), _core(title)
    if n_line == n_title:
        return True
    if not core or not n_line.startswith(core) or len(strip_markup(line)) > max(MAX_TITLE, 2 * len(title) + 20):
        return False
    rest = n_line[len(core):]
    if "。" in rest.rstrip("。") or (core[-1:].isascii() and core[-1:].isalnum() and rest[:1].isascii()
                                    and rest[:1].isalnum() and not broken):
        return False
    marked = stripped.startswith(("#", "**", "__"))
    return broken or marked or (core != n_title and len(rest) <= 8)


def resolve(title: str, body: str) -> tuple[str, str, list[str]]:
    """Return (title, body without a repeated title line, notes of what was repaired).

    A title that the first line completes is replaced by that line; the line is removed.
    An empty title is taken from a first heading; the caller falls back to the slug.
    """
    notes: list[str] = []
    fixed = repair(title) if title else ""
    if fixed != title.strip() and fixed:
        notes.append(f"title {title!r} repaired to {fixed!r}")
    line = first_line(body)
    if line is None:
        return fixed, body, notes
    start, end, text = line
    if fixed and is_title_line(text, fixed, broken=fixed != title.strip()):
        longer = strip_markup(text)
        if _norm(longer) != _norm(fixed) and len(_norm(longer)) > len(_core(fixed)):
            notes.append(f"title completed from the body's first line: {longer!r}")
            fixed = longer
        notes.append("removed the body's first line, which repeats the title")
        return fixed, _drop_line(body, start, end), notes
    if not fixed and text.lstrip().startswith("#"):
        fixed = strip_markup(text)
        notes.append(f"title taken from the first heading: {fixed!r}")
        return fixed, _drop_line(body, start, end), notes
    return fixed, body, notes


def _drop_line(body: str, start: int, end: int) -> str:
    rest = body[end:]
    return body[:start] + rest.lstrip("\r\n")
