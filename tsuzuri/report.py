"""The editor's report: ``python -m tsuzuri report [--out DIR]`` writes static HTML (never part
of the published site) showing, per post, what the ``---END---`` cleaner did beside the source,
and every diagnostic the build found (missing images, broken links, ... whatever the engine
reports), with totals over the site and an index that sorts and filters with a little vanilla JS.

Post text is untrusted: every value goes through Jinja's autoescape, the pages carry a Content
Security Policy that runs only the report's own script and style (by hash), and the script
reads text, never writes HTML.

Cost is linear in the posts' size: the side-by-side aligns source and cleaned lines on lines
that occur once in both (longest increasing run of them, O(n log n)), then greedily in order
between those anchors; no quadratic diff.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import jinja2

from . import fragments
from .diagnostics import Diagnostic

TEMPLATE = Path(__file__).with_name("report.html")
CONTEXT = 3          # unchanged lines shown around a change; longer unchanged runs fold

# Diagnostics carry no kind (yet: a ``kind`` attribute, if one is added, wins): it is read from
# the message with its quoted values taken out (a title may say "Image"), first match wins, so
# findings other steps add (link checks, ...) are counted without changes here.
KINDS = (
    ("cleaner", re.compile(r"^(?:dropped|trimmed|stitched|merged|trailing-cut|unresolved-cut)\b|---END---", re.I)),
    ("url", re.compile(r"^URL\b|\bpermalink\b|redirect", re.I)),
    ("title", re.compile(r"\btitle\b", re.I)),
    ("excerpt", re.compile(r"\bexcerpt\b", re.I)),
    ("image", re.compile(r"\bimages?\b", re.I)),
    ("link", re.compile(r"\blinks?\b|\bhref\b", re.I)),
    ("liquid", re.compile(r"\bLiquid\b|\binclude\b", re.I)),
    ("html", re.compile(r"\bHTML\b|\bmarkup\b", re.I)),
    ("front matter", re.compile(r"front matter|\bYAML\b|\bdate\b", re.I)),
)
_MARKER_RE = re.compile(r"-{3,}\s*END\b", re.I)   # only to label removed marker lines
_CUT_AT_RE = re.compile(r"cut off at line (\d+)")
_QUOTED_RE = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")


def kind_of(d: Diagnostic) -> str:
    given = getattr(d, "kind", None)
    if isinstance(given, str) and given:
        return given
    message = _QUOTED_RE.sub("", d.message)
    for name, pattern in KINDS:
        if pattern.search(message):
            return name
    return "other"


# ------------------------------------------------------------------------------ alignment

@dataclass
class Row:
    op: str                  # same, removed, added, changed, fold
    left: int | None = None  # index into source lines
    right: int | None = None  # index into cleaned lines
    count: int = 0           # fold: how many unchanged lines


def align(a: list[str], b: list[str]) -> list[tuple[int | None, int | None]]:
    """Pairs (i, j) in order: a[i] == b[j] matched, (i, None) only in a, (None, j) only in b.

    Anchors are lines that occur once in a and once in b, kept in the longest run increasing in
    both; between anchors, each line of b matches its next occurrence in a (by binary search
    in that line's positions). O((n + m) log n).
    """
    count_a, count_b = Counter(a), Counter(b)
    pos_a = {line: i for i, line in enumerate(a) if count_a[line] == 1}
    cands = [(pos_a[line], j) for j, line in enumerate(b) if count_b[line] == 1 and line in pos_a]
    anchors = _longest_increasing(cands)
    positions: dict[str, list[int]] = {}
    for i, line in enumerate(a):
        positions.setdefault(line, []).append(i)
    pairs: list[tuple[int | None, int | None]] = []
    ia = jb = 0
    for ai, bj in anchors + [(len(a), len(b))]:
        _greedy(a, b, ia, ai, jb, bj, positions, pairs)
        if ai < len(a):
            pairs.append((ai, bj))
        ia, jb = ai + 1, bj + 1
    return pairs


def _longest_increasing(cands: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of cands (sorted by j) increasing in i (patience sorting)."""
    tails: list[int] = []        # smallest i ending a run of each length
    tail_at: list[int] = []      # index in cands of that end
    back = [-1] * len(cands)
    for k, (i, _) in enumerate(cands):
        n = bisect.bisect_left(tails, i)
        if n == len(tails):
            tails.append(i)
            tail_at.append(k)
        else:
            tails[n], tail_at[n] = i, k
        back[k] = tail_at[n - 1] if n else -1
    out, k = [], tail_at[-1] if tail_at else -1
    while k >= 0:
        out.append(cands[k])
        k = back[k]
    return out[::-1]


def _greedy(a, b, ia, ea, jb, eb, positions, pairs) -> None:
    """Between anchors: each line of b matches its next equal line of a; a line with none (a
    completed or trimmed sentence) is put beside the next similar line of a within WINDOW, so
    that the blank lines after it match the blank lines after its source."""
    i = ia
    for j in range(jb, eb):
        found = positions.get(b[j], ())
        k = bisect.bisect_left(found, i)
        if k < len(found) and found[k] < ea:
            pairs.extend((x, None) for x in range(i, found[k]))
            pairs.append((found[k], j))
            i = found[k] + 1
            continue
        near = next((x for x in range(i, min(ea, i + WINDOW)) if _similar(a[x], b[j])), None)
        if near is not None:  # unmatched both: rows() pairs them as a changed line
            pairs.extend((x, None) for x in range(i, near + 1))
            i = near + 1
        pairs.append((None, j))
    pairs.extend((x, None) for x in range(i, ea))


def rows(a: list[str], b: list[str], context: int = CONTEXT) -> list[Row]:
    """Side-by-side rows: in a run of removed and added lines, an added line pairs with a
    removed one it shares its start or end with (a completed or trimmed sentence) as a changed
    line; unchanged runs longer than 2 * context fold to one row."""
    out: list[Row] = []
    pending_l: list[int] = []
    pending_r: list[int] = []

    def flush():
        k = 0
        for j in pending_r:
            match = next((m for m in range(k, min(len(pending_l), k + WINDOW)) if _similar(a[pending_l[m]], b[j])),
                         None)
            if match is None:
                out.append(Row("added", None, j))
                continue
            out.extend(Row("removed", pending_l[m], None) for m in range(k, match))
            out.append(Row("changed", pending_l[match], j))
            k = match + 1
        out.extend(Row("removed", i, None) for i in pending_l[k:])
        pending_l.clear()
        pending_r.clear()

    for i, j in align(a, b):
        if i is not None and j is not None:
            flush()
            out.append(Row("same", i, j))
        elif i is not None:
            pending_l.append(i)
        else:
            pending_r.append(j)
    flush()
    return _fold(out, context)


WINDOW = 64  # removed lines an added line is compared with (bounds the cost of a long run)


def _similar(old: str, new: str) -> bool:
    """Whether new is old completed or trimmed: their common start and end make up all of the
    shorter one (but for a character or two: a cut-off half character is replaced)."""
    if not old.strip() or not new.strip():
        return False
    (p, _, s), _ = inline_diff(old, new)
    return len(p + s) >= max(4, min(len(old), len(new)) - 2)


def _fold(all_rows: list[Row], context: int) -> list[Row]:
    out: list[Row] = []
    n = 0
    while n < len(all_rows):
        if all_rows[n].op != "same":
            out.append(all_rows[n])
            n += 1
            continue
        end = n
        while end < len(all_rows) and all_rows[end].op == "same":
            end += 1
        head = context if n else 0                    # no context before the first change ...
        tail = context if end < len(all_rows) else 0  # ... nor after the last
        if end - n - head - tail >= 4:  # (a fold hiding fewer lines saves nothing)
            out += all_rows[n:n + head]
            out.append(Row("fold", all_rows[n + head].left, all_rows[n + head].right, end - n - head - tail))
            out += all_rows[end - tail:end]
        else:
            out += all_rows[n:end]
        n = end
    return out


def inline_diff(old: str, new: str) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    """(prefix, removed, suffix) of old and (prefix, added, suffix) of new: the common start
    and end kept plain, the middle marked. Linear."""
    p = 0
    limit = min(len(old), len(new))
    while p < limit and old[p] == new[p]:
        p += 1
    s = 0
    while s < limit - p and old[len(old) - 1 - s] == new[len(new) - 1 - s]:
        s += 1
    return ((old[:p], old[p:len(old) - s], old[len(old) - s:]),
            (new[:p], new[p:len(new) - s], new[len(new) - s:]))


# ------------------------------------------------------------------------------ the report's data

@dataclass
class Entry:
    """One file of the report: a published post (with its cleaning), or any other file that
    has diagnostics (an unpublished or unreadable post, entities.yml, ...)."""
    source: str
    title: str = ""
    url: str = ""
    date: str = ""
    page: str = ""                       # file name of its report page
    diagnostics: list[Diagnostic] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)   # cleaner actions, severities, kinds
    changes: list = field(default_factory=list)            # fragments.Change
    fragments: int = 1
    body_line: int = 1
    source_lines: list[str] = field(default_factory=list)
    cleaned_lines: list[str] = field(default_factory=list)
    changed: bool = False
    liquid: bool = False


ACTIONS = ("dropped", "trimmed", "stitched", "merged", "trailing-cut", "unresolved-cut")


def collect(sites) -> tuple[list[Entry], Counter]:
    """Entries for the posts and files of these sites (sorted by file), and the site totals."""
    by_file: dict[str, Entry] = {}
    for site in sites:
        for post in site.posts:
            body = post.body.replace("\r\n", "\n")  # lines as the cleaner counts them
            cleaned, report = fragments.clean(body, post.body_line)
            site_report = post.clean_report or report  # what the build did (after Liquid)
            e = Entry(post.source, post.title, post.url, post.date.strftime("%Y-%m-%d"),
                      fragments=site_report.fragments, changes=report.changes, body_line=post.body_line,
                      changed=bool(site_report.changed), liquid="{%" in body or "{{" in body)
            for action in ACTIONS:
                e.counts[action] = site_report.count(action)
            if report.changed:
                e.source_lines = _lines(body)
                e.cleaned_lines = _lines(cleaned)
            by_file[post.source] = e
        for d in site.diagnostics:
            by_file.setdefault(d.file, Entry(d.file)).diagnostics.append(d)
    entries = sorted(by_file.values(), key=lambda e: e.source)
    totals: Counter = Counter()
    used: set[str] = set()
    for e in entries:
        e.diagnostics.sort(key=lambda d: (d.line or 0, -d.severity))
        for d in e.diagnostics:
            e.counts[str(d.severity)] = e.counts.get(str(d.severity), 0) + 1
            k = "kind:" + kind_of(d)
            e.counts[k] = e.counts.get(k, 0) + 1
        e.page = _page_name(e.source, used)
        totals["files"] += 1
        if e.url:
            totals["posts"] += 1
            totals["posts changed"] += e.changed
            totals["fragments"] += e.fragments if e.fragments > 1 else 0
        for k, v in e.counts.items():
            totals[k] += v
    return entries, totals


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def _page_name(source: str, used: set[str]) -> str:
    """A stable, safe file name for a file's page: its name's ASCII letters plus a hash."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(source).stem).strip("-")[:60] or "file"
    digest = hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=4).hexdigest()
    name = f"{stem}-{digest}.html"
    while name in used:  # (a hash collision between two files: keep both)
        name = name[:-5] + "x.html"
    used.add(name)
    return name


# ------------------------------------------------------------------------------ HTML

SCRIPT = """
(function () {
  var table = document.getElementById('posts');
  if (!table) return;
  var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
  var text = document.getElementById('filter-text'), show = document.getElementById('filter-show');
  var status = document.getElementById('filter-status');
  function apply() {
    var q = text.value.trim().toLowerCase(), want = show.value, n = 0;
    rows.forEach(function (r) {
      var ok = (!q || r.dataset.search.indexOf(q) >= 0) && (!want || Number(r.dataset[want] || 0) > 0);
      r.hidden = !ok;
      if (ok) n++;
    });
    status.textContent = n + ' / ' + rows.length;
    var params = new URLSearchParams();
    if (text.value) params.set('q', text.value);
    if (want) params.set('show', want);
    history.replaceState(null, '', params.toString() ? '?' + params : location.pathname);
  }
  var init = new URLSearchParams(location.search);
  text.value = init.get('q') || '';
  if (init.get('show')) show.value = init.get('show');
  text.addEventListener('input', apply);
  show.addEventListener('change', apply);
  Array.prototype.forEach.call(table.tHead.querySelectorAll('button[data-sort]'), function (b) {
    b.addEventListener('click', function () {
      var key = b.dataset.sort, numeric = b.dataset.type === 'number';
      var dir = b.getAttribute('aria-sort') === 'descending' ? 1 : -1;
      if (!numeric && !b.hasAttribute('aria-sort')) dir = 1;
      table.tHead.querySelectorAll('button[data-sort]').forEach(function (o) { o.removeAttribute('aria-sort'); });
      b.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
      rows.sort(function (x, y) {
        var a = x.dataset[key] || '', c = y.dataset[key] || '';
        var d = numeric ? Number(a) - Number(c) : (a < c ? -1 : a > c ? 1 : 0);
        return d * dir || (x.dataset.file < y.dataset.file ? -1 : 1);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  apply();
})();
"""


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _csp(css: str) -> str:
    """Only the report's own script and style run: an injected tag or attribute would not."""
    return (f"default-src 'none'; script-src {_sha(SCRIPT)}; style-src {_sha(css)}; img-src 'none'; "
            "base-uri 'none'; form-action 'none'")


def key(name: str) -> str:
    """A data-* attribute name for a count: letters only (dataset reads it as written)."""
    return re.sub(r"[^a-z]", "", name.lower())


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE.parent)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(inline_diff=inline_diff, key=key, kind_of=kind_of, is_marker=_MARKER_RE.search)
    env.filters["unquote"] = unquote  # show a URL as readers read it, not percent-encoded
    return env


def write(entries: list[Entry], totals: Counter, out: Path, title: str = "") -> list[Path]:
    """Write index.html and one page per file (p/) into out; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "p").mkdir(exist_ok=True)
    macros = _env().get_template(TEMPLATE.name).module
    css = str(macros.css())
    common = dict(title=title, css=css, script=SCRIPT, csp=_csp(css))
    kinds = sorted(k[5:] for k in totals if k.startswith("kind:"))
    index = out / "index.html"
    index.write_text(macros.index(entries=entries, totals=totals, kinds=kinds, actions=ACTIONS, **common),
                     encoding="utf-8")
    written = [index]
    for n, e in enumerate(entries):
        side = rows(e.source_lines, e.cleaned_lines) if e.source_lines else []
        anchors = {e.body_line + r.left for r in side if r.left is not None and r.op != "fold"}
        marks: dict[int, object] = {}
        for c in e.changes:  # each change covers its own block's lines
            for line in range(c.line, c.end_line + 1):
                marks.setdefault(line, c)
        for c in e.changes:  # the cut a stitch completes, named in its detail
            cut = _CUT_AT_RE.search(c.detail) if c.action == "stitched" else None
            if cut and int(cut.group(1)) not in marks:
                marks[int(cut.group(1))] = fragments.Change("cut", int(cut.group(1)), int(cut.group(1)),
                                                            f"the sentence cut off here is completed at line {c.line}")
        page = out / "p" / e.page
        page.write_text(macros.post(e=e, rows=side, anchors=anchors, marks=marks, **common,
                                    prev=entries[n - 1] if n else None,
                                    next=entries[n + 1] if n + 1 < len(entries) else None), encoding="utf-8")
        written.append(page)
    return written
