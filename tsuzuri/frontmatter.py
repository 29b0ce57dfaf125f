"""Split a post into YAML front matter and body, tolerantly, keeping line numbers.

python-frontmatter raises on the first YAML problem and gives no line numbers, and PyYAML's
timestamp resolver crashes on dates that don't exist (2025-02-30) and mangles ``+0000``
offsets; so the split is ours and the YAML loader keeps timestamps as strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves timestamps as strings (dates.parse_date reads them)."""


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _FastLoader(getattr(yaml, "CSafeLoader", _Loader)):
    """The same, on libyaml's parser when PyYAML has it (~6x faster); its error messages are
    vaguer, so a document it rejects is read again by _Loader for the message."""


_FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers

_OPEN = re.compile(r"^---[ \t]*$")
_CLOSE = re.compile(r"^(---|\.\.\.)[ \t]*$")
# `--- layout: post title: "…" date: … --- body` collapsed onto one line.
_ONE_LINE = re.compile(r"^---[ \t]+(?P<yaml>\w[\w-]*:.*?)[ \t]+---(?:[ \t]+(?P<body>.*))?$")


@dataclass
class Split:
    data: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1          # 1-based line of the file where the body starts
    has_front_matter: bool = False
    problem: str | None = None  # why the front matter could not be read
    problem_line: int | None = None
    repaired: str | None = None  # what was repaired to read it


def _load(text: str, first_line: int) -> tuple[dict[str, Any] | None, str | None, int | None]:
    try:
        try:
            data = yaml.load(text, Loader=_FastLoader)
        except yaml.YAMLError:
            data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        # context_mark is where the broken construct began (an unclosed "[" on line 2), which
        # is where the editor must look; problem_mark is often just the end of the block.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = first_line + mark.line if mark is not None else first_line
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, f"front matter is not valid YAML ({reason})", line
    if data is None:
        return {}, None, None
    if not isinstance(data, dict):
        return None, f"front matter must be key: value pairs, found a {type(data).__name__}", first_line
    return {str(k): v for k, v in data.items()}, None, None


def _one_line_yaml(text: str) -> str:
    """Turn `layout: post title: "a b" date: 2025-01-01 10:00` into one key per line."""
    keys = re.compile(r"""(?:^|\s)([A-Za-z_][\w-]*):(?=\s|$)""")
    out, last, last_key = [], 0, None
    for m in keys.finditer(text):
        if last_key is not None:
            out.append(f"{last_key}: {text[last:m.start()].strip()}")
        last_key, last = m.group(1), m.end()
    if last_key is not None:
        out.append(f"{last_key}: {text[last:].strip()}")
    return "\n".join(out)


def split(text: str) -> Split:
    """Split ``text`` (already decoded, any line endings) into front matter and body."""
    lines = text.splitlines(keepends=True)
    if not lines or not _OPEN.match(lines[0].rstrip("\r\n")):
        first = lines[0].rstrip("\r\n") if lines else ""
        m = _ONE_LINE.match(first)
        if m:
            data, problem, pline = _load(_one_line_yaml(m["yaml"]), 1)
            body = (m["body"] or "") + lines[0][len(first):] + "".join(lines[1:])
            if problem is None:
                return Split(data or {}, body, 1, True,
                             repaired="front matter was on one line; read it key by key")
            return Split({}, body, 1, True, problem, pline)
        return Split({}, text, 1, False)
    for i in range(1, len(lines)):
        if _CLOSE.match(lines[i].rstrip("\r\n")):
            data, problem, pline = _load("".join(lines[1:i]), 2)
            body = "".join(lines[i + 1:])
            return Split(data or {}, body, i + 2, True, problem, pline)
    return Split({}, text, 1, True, "front matter is not closed: no second '---' line", 1)
