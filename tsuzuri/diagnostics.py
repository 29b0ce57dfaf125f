"""Diagnostics are data: every problem found in a post is a value, printed once.

Severities:
- ``note``: an automatic, lossless repair (a repaired title, removed fragments). Reported by
  ``check``; never fails a build.
- ``warning``: an editor must decide. Fails ``check --strict`` and ``mkdocs build --strict``.
- ``error``: the post cannot be published as it is. Fails ``check`` and every strict build; a
  non-strict build skips the post but names it (or, for what the live Jekyll site publishes
  anyway, like a merge conflict, publishes the best reading of it and names it).
"""

from __future__ import annotations

import logging
import reprlib
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Iterable


class Severity(IntEnum):
    NOTE = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()


NOTE, WARNING, ERROR = Severity.NOTE, Severity.WARNING, Severity.ERROR


@dataclass(frozen=True, order=True)
class Diagnostic:
    file: str
    line: int | None
    severity: Severity
    message: str
    hint: str = ""

    def format(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        text = f"{where}: {self.severity}: {self.message}"
        if self.hint:
            text += f" — {self.hint}"
        return text

    @property
    def log_level(self) -> int:
        """How a build logs it: errors and warnings as such (--strict fails on them), notes as debug."""
        return {ERROR: logging.ERROR, WARNING: logging.WARNING}.get(self.severity, logging.DEBUG)


_SHORT = reprlib.Repr()
_SHORT.maxstring, _SHORT.maxother, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxlevel = 80, 80, 4, 4, 2


def short(value: object) -> str:
    """repr() for messages: bounded, so a YAML alias bomb or a 1 MB value can't flood them."""
    return _SHORT.repr(value)


class Diagnostics(list):
    """A list of Diagnostic with helpers; one per post or per site."""

    def add(self, file: str | Path, line: int | None, severity: Severity, message: str,
            hint: str = "") -> Diagnostic:
        d = Diagnostic(str(file), line, severity, message, hint)
        self.append(d)
        return d

    def note(self, file, line, message, hint=""):
        return self.add(file, line, NOTE, message, hint)

    def warning(self, file, line, message, hint=""):
        return self.add(file, line, WARNING, message, hint)

    def error(self, file, line, message, hint=""):
        return self.add(file, line, ERROR, message, hint)

    def count(self, severity: Severity) -> int:  # type: ignore[override]
        return sum(1 for d in self if d.severity == severity)

    @property
    def has_errors(self) -> bool:
        return any(d.severity >= ERROR for d in self)

    @property
    def has_warnings(self) -> bool:
        return any(d.severity == WARNING for d in self)


def failed(diags: Iterable[Diagnostic], strict: bool) -> bool:
    """Whether these diagnostics fail a gate: errors always, warnings when strict."""
    threshold = WARNING if strict else ERROR
    return any(d.severity >= threshold for d in diags)
