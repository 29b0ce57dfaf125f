"""Jekyll-style dates: parse front-matter values and filename dates.

PyYAML reads ``2025-09-18 04:37:41 +0000`` as a string (it wants ``+00:00``) but
``2010-01-10`` as a date, so every shape arrives here and is handled the same way.
A date without an offset is a wall-clock time in the site timezone, as in Jekyll.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from .diagnostics import short

_DATE_RE = re.compile(
    r"""^\s*
    (?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})
    (?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d{1,6})\d*)?)?)?
    (?P<junk>(?:\s+\d{4})?)                      # a stray year, seen in the wild
    \s*(?P<tz>Z|UTC|GMT|[+-]\d{2}:?\d{2}|[+-]\d{1,2})?
    \s*$""",
    re.VERBOSE | re.IGNORECASE,
)

FILENAME_DATE_RE = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})-(?P<slug>.+)$")


class DateError(ValueError):
    """A date value that cannot be read; the message says why."""


def _offset(tz: str | None) -> dt.tzinfo | None:
    if not tz:
        return None
    if tz.upper() in ("Z", "UTC", "GMT"):
        return dt.timezone.utc
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    if len(digits) <= 2:
        hours, minutes = int(digits), 0
    else:
        hours, minutes = int(digits[:-2]), int(digits[-2:])
    if hours > 14 or minutes > 59 or (hours == 14 and minutes):
        raise DateError(f"impossible UTC offset {tz!r}")
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def parse_date(value: object, tz: ZoneInfo) -> tuple[dt.datetime, str | None]:
    """Return (aware datetime in ``tz``, warning or None). Raise DateError if unreadable."""
    try:
        return _parse(value, tz)
    except OverflowError:  # 9999-12-31 23:00 -1200 is past the end of time in Tokyo
        raise DateError(f"date {short(value)} is out of range") from None


def _parse(value: object, tz: ZoneInfo) -> tuple[dt.datetime, str | None]:
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=tz)
        return aware.astimezone(tz), None
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=tz), None
    if not isinstance(value, str):
        raise DateError(f"expected a date like 2025-09-18 04:37:41 +0900, got {type(value).__name__} {short(value)}")
    m = _DATE_RE.match(value)
    if not m:
        raise DateError(f"cannot read date {short(value)}")
    g = m.groupdict()
    try:
        naive = dt.datetime(int(g["y"]), int(g["m"]), int(g["d"]), int(g["H"] or 0),
                            int(g["M"] or 0), int(g["S"] or 0), int((g["f"] or "0").ljust(6, "0")))
    except ValueError as exc:
        raise DateError(f"date {value!r} does not exist ({exc})") from None
    offset = _offset(g["tz"])
    aware = naive.replace(tzinfo=offset) if offset else naive.replace(tzinfo=tz)
    warning = None
    if g["junk"].strip():
        warning = f"date {value!r} has stray text {g['junk'].strip()!r}; read it as {aware.isoformat(' ')}"
    return aware.astimezone(tz), warning


def filename_date(stem: str, tz: ZoneInfo) -> tuple[dt.datetime | None, str]:
    """Split ``2019-1-7-my-post`` into (midnight of that day in tz, "my-post")."""
    m = FILENAME_DATE_RE.match(stem)
    if not m:
        return None, stem
    try:
        day = dt.datetime(int(m["y"]), int(m["m"]), int(m["d"]), tzinfo=tz)
    except ValueError:
        return None, stem
    return day, m["slug"]
