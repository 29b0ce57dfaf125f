"""Emit: small static pictures (inline SVG) drawn at build time, no client code.

Each function takes plain data and returns one ``<figure>`` string: the SVG plus a
``<details>`` table of the same numbers (the text alternative). Output is well-formed XML,
so it is safe inline in HTML; every label is user data and is escaped. Colours are
Material's CSS custom properties, set by classes in ``docs/assets/charts.css``: the
pictures follow the light and the dark (slate) scheme. Sizes are a ``viewBox`` scaled to
the column's width, so a phone shows the same picture smaller. Coordinates are rounded to
one decimal: the same data gives the same bytes.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

FONT = 13          # px in viewBox units: about 10 px on a 390 px phone, 16 px on a desktop column
WIDTH = 480        # the viewBox width of every chart

# Characters XML 1.0 forbids (C0 controls but tab/newline/return, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def esc(text: str) -> str:
    """Text and attribute values: escaped, and characters XML cannot hold shown as U+FFFD (a
    carriage return as a reference: an XML parser would read a raw one as a newline)."""
    text = _NOT_XML.sub("\ufffd", str(text))
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;").replace("\r", "&#13;"))


def href(url: str) -> str:
    """A link target, escaped; only relative URLs and http(s) (a caller's bug otherwise: the
    pages give entity pages' relative URLs and the archive's anchors)."""
    bare = re.sub(r"[\x00-\x20]", "", url)   # browsers ignore these inside a scheme
    if re.match(r"[a-zA-Z][a-zA-Z0-9+.\-]*:", bare) and not re.match(r"https?:", bare, re.I):
        raise ValueError(f"chart link {url!r}: only relative or http(s) URLs")
    return esc(url)


def _n(x: float) -> str:
    """A coordinate: one decimal, no "-0.0", no trailing ".0"."""
    s = f"{round(x, 1) + 0.0:.1f}"
    return s[:-2] if s.endswith(".0") else s


def text_width(text: str) -> float:
    """Rough width in em: wide (CJK) characters 1, others 0.6 — enough to keep labels apart."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in text)


def shorten(text: str, em: float) -> str:
    """``text`` cut to about ``em`` wide, with an ellipsis when cut (the full text is in the table)."""
    if text_width(text) <= em:
        return text
    out, width = [], 1.0
    for ch in text:
        width += text_width(ch)
        if width > em:
            break
        out.append(ch)
    return "".join(out) + "…"


# ---------------------------------------------------------------- months


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    count: int

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"


def month_range(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    """Every (year, month) from ``first`` to ``last``, both included."""
    (y, m), out = first, []
    while (y, m) <= last:
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def per_month(dates: Iterable[tuple[int, int]], first: tuple[int, int] | None = None,
              last: tuple[int, int] | None = None) -> list[Month]:
    """Counts of (year, month) pairs over a gapless range (a month without posts is a 0, not a
    missing bar). The range is ``first``..``last``, widened to hold every date; none: []."""
    counts: dict[tuple[int, int], int] = {}
    for ym in dates:
        counts[ym] = counts.get(ym, 0) + 1
    keys = sorted(counts) + [k for k in (first, last) if k is not None]
    if not keys:
        return []
    return [Month(y, m, counts.get((y, m), 0)) for y, m in month_range(min(keys), max(keys))]


def _step(top: int) -> int:
    """A round tick step (1, 2, 5 × 10^k) giving at most four steps up to ``top``."""
    step = 1
    while True:
        for f in (1, 2, 5):
            if top <= 4 * step * f:
                return step * f
        step *= 10


def _table(caption: str, head: tuple[str, str], rows: Sequence[tuple[str, str | None, int]]) -> str:
    """The numbers behind a chart: a collapsed table (rows are label, href or None, count)."""
    def cell(label: str, url: str | None) -> str:
        return f'<a href="{href(url)}">{esc(label)}</a>' if url else esc(label)
    body = "".join(f"<tr><td>{cell(label, url)}</td><td>{count}</td></tr>" for label, url, count in rows)
    return (f'<details class="tz-chart-data"><summary>{esc(caption)}</summary>'
            f'<table><thead><tr><th scope="col">{esc(head[0])}</th><th scope="col">{esc(head[1])}</th></tr></thead>'
            f"<tbody>{body}</tbody></table></details>")


def timeline(months: Sequence[Month], *, ident: str, title: str, desc: str, unit: str = "件",
             anchors: bool = False) -> str:
    """A bar per month (oldest left). ``anchors``: each bar links to ``#y<year>-<month>`` (the
    archive page's month headings). ``ident`` makes the SVG's ids unique on the page."""
    if not months:
        return ""
    n, top = len(months), max(m.count for m in months)
    step = _step(max(top, 1))
    ymax = step * math.ceil(max(top, 1) / step)
    left, right, up, bottom = 36, 8, 22 if n <= 16 else 10, 46
    height = 200
    plot_w, plot_h = WIDTH - left - right, height - up - bottom
    band = plot_w / n
    bar = max(band * 0.72, min(band, 1.5))
    base = up + plot_h
    out = [f'<figure class="tz-chart tz-timeline">'
           f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
           f'aria-labelledby="{ident}-t {ident}-d" class="tz-chart-svg" font-size="{FONT}">'
           f'<title id="{ident}-t">{esc(title)}</title><desc id="{ident}-d">{esc(desc)}</desc>']
    for k in range(0, ymax + 1, step):
        y = base - k / ymax * plot_h
        out.append(f'<line class="tz-chart-grid" x1="{left}" x2="{WIDTH - right}" y1="{_n(y)}" y2="{_n(y)}"/>'
                   f'<text class="tz-chart-axis" x="{left - 5}" y="{_n(y + FONT * 0.35)}" text-anchor="end">{k}</text>')
    every = math.ceil(n / 12)     # at most 12 month labels, so they never overlap
    year_em = 4 * FONT / band     # bars a year label needs: the first one gives way to a January
    first_year = not any(m.month == 1 for m in months[1: math.ceil(year_em) + 1])
    for i, m in enumerate(months):
        cx = left + band * (i + 0.5)
        label = f"{m.label}: {m.count}{unit}"
        if m.count:
            h = m.count / ymax * plot_h
            rect = (f'<rect class="tz-chart-bar" x="{_n(cx - bar / 2)}" y="{_n(base - h)}" width="{_n(bar)}" '
                    f'height="{_n(h)}"><title>{esc(label)}</title></rect>')
            if anchors:
                rect = f'<a href="#y{m.year}-{m.month}" aria-label="{esc(label)}">{rect}</a>'
            out.append(rect)
            if n <= 16:
                out.append(f'<text class="tz-chart-value" x="{_n(cx)}" y="{_n(base - h - 4)}" '
                           f'text-anchor="middle">{m.count}</text>')
        if i % every == 0 or m.month == 1:
            if i % every == 0:
                out.append(f'<text class="tz-chart-axis" x="{_n(cx)}" y="{base + FONT + 3}" '
                           f'text-anchor="middle">{m.month}月</text>')
            if (i == 0 and first_year) or m.month == 1:
                out.append(f'<text class="tz-chart-axis tz-chart-year" x="{_n(cx - band / 2)}" '
                           f'y="{base + 2 * FONT + 16}">{m.year}年</text>')
    out.append(f'<line class="tz-chart-base" x1="{left}" x2="{WIDTH - right}" y1="{base}" y2="{base}"/></svg>')
    rows = [(m.label, f"#y{m.year}-{m.month}" if anchors and m.count else None, m.count) for m in months]
    out.append(_table("月別の記事数（表）", ("月", "記事数"), rows) + "</figure>")
    return "".join(out)


# ---------------------------------------------------------------- co-mention graph


@dataclass(frozen=True)
class Node:
    label: str
    href: str | None = None
    weight: int = 0           # posts in common with the centre


def cograph(center: str, neighbours: Sequence[Node], links: Iterable[tuple[int, int, int]] = (), *,
            ident: str, title: str, desc: str) -> str:
    """``center`` with ``neighbours`` on an ellipse around it (the heaviest at the top, then
    clockwise, in the order given), an edge to each as thick as its weight; ``links`` are
    (i, j, weight) edges between neighbours, drawn thinner. No randomness: a fixed layout."""
    if not neighbours:
        return ""
    height, rx, ry = 290, 150.0, 100.0
    cx, cy = WIDTH / 2, 140.0
    top = max(max(nb.weight for nb in neighbours), 1)
    pos = []
    for i in range(len(neighbours)):
        a = -math.pi / 2 + 2 * math.pi * i / len(neighbours)
        pos.append((cx + rx * math.cos(a), cy + ry * math.sin(a), math.sin(a)))
    out = [f'<figure class="tz-chart tz-cograph">'
           f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
           f'aria-labelledby="{ident}-t {ident}-d" class="tz-chart-svg" font-size="{FONT}">'
           f'<title id="{ident}-t">{esc(title)}</title><desc id="{ident}-d">{esc(desc)}</desc>']
    ltop = max([w for _, _, w in links] + [1])
    for i, j, w in sorted(links):
        if 0 <= i < len(pos) and 0 <= j < len(pos) and i != j and w > 0:
            (x1, y1, _), (x2, y2, _) = pos[i], pos[j]
            out.append(f'<line class="tz-chart-link" x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
                       f'stroke-width="{_n(0.5 + 2 * w / ltop)}"/>')
    for nb, (x, y, _) in zip(neighbours, pos):
        out.append(f'<line class="tz-chart-edge" x1="{_n(cx)}" y1="{_n(cy)}" x2="{_n(x)}" y2="{_n(y)}" '
                   f'stroke-width="{_n(1 + 5 * nb.weight / top)}"/>')
    # Links in the picture are a mouse shortcut: keyboards and screen readers get the same
    # links in the table (an element with role="img" hides its children from them).
    for nb, (x, y, sin) in zip(neighbours, pos):
        r = 5 + 6 * math.sqrt(max(nb.weight, 0) / top)
        ty = y - r - 5 if sin < -0.2 else y + r + FONT
        node = (f'<circle class="tz-chart-node" cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}"/>'
                f'<text class="tz-chart-label" x="{_n(x)}" y="{_n(ty)}" text-anchor="middle">'
                f'{esc(shorten(nb.label, 9))}</text>')
        tip = f"<title>{esc(nb.label)}: {nb.weight}件</title>"
        if nb.href:
            out.append(f'<a href="{href(nb.href)}" tabindex="-1" aria-hidden="true">{tip}{node}</a>')
        else:
            out.append(f"<g>{tip}{node}</g>")
    out.append(f'<circle class="tz-chart-center" cx="{_n(cx)}" cy="{_n(cy)}" r="12"/>'
               f'<text class="tz-chart-label tz-chart-center-label" x="{_n(cx)}" y="{_n(cy + 12 + FONT + 2)}" '
               f'text-anchor="middle">{esc(shorten(center, 10))}</text></svg>')
    rows = [(nb.label, nb.href, nb.weight) for nb in neighbours]
    out.append(_table("一緒に言及された記事数（表）", ("企業・人物", "共通の記事数"), rows) + "</figure>")
    return "".join(out)
