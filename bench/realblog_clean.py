"""Real-blog acceptance run for the ---END--- cleaner (issue 15): clean every post, measure what is left.

    python bench/realblog_clean.py                          # both states, Markdown table
    python bench/realblog_clean.py --state before-cleanup --posts '2025-09-*' --json
    python bench/realblog_clean.py --site /tmp/x-site/site  # also check a built site's HTML

Reads /work/realblog/<state>/_posts by path (the blog's text has no licence: nothing of it is
copied anywhere) and cleans each body with tsuzuri.fragments.clean in this process (one core).
The measures are computed here, independently of the cleaner's own sentence splitting:

- markers: ---END--- markers (any variant) left outside code (inline code included);
- repeated: sentences of 20+ characters (normalised) shown more than once, outside code and
  tables (occurrences after the first);
- cuts: sentences without an ending whose completion (a longer sentence beginning with them)
  is elsewhere in the post; headings and bold labels are excluded;
- lost: sentences of the source (markers and cut characters removed) found nowhere in the output,
  nor as whole sentences or headings of the output glued together at white space (``### 見出し 本文。``);
  an unterminated final sentence the cleaner reports as a trailing cut (by design: no ending and
  no continuation) is counted apart, as trailing_cut_dropped;
- links: distinct link/image/URL targets of the source missing from the output, plus targets
  of the output that the source does not have (a mangled target); targets cut off at a marker
  (a proper prefix of another target of the source) don't count;
- a post is clean when all five are zero.

--site DIR checks the rendered HTML: pages showing a marker, and pages showing Markdown link
syntax or an attribute list as text (a link the cleaner broke, e.g. split at the ``?`` of a URL).
"""

from __future__ import annotations

import argparse
import bisect
import fnmatch
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tsuzuri import fragments  # noqa: E402
from tsuzuri.frontmatter import split  # noqa: E402

REALBLOG = Path("/work/realblog")
STATES = ("before-cleanup", "today")

MARKER_RE = re.compile(r"-{2,}[ \t]*END[ \t]*-{2,}|^[ \t]*-{3,}[ \t]*END[ \t]*-*[ \t]*$", re.I | re.M)
# For "lost": a marker with the pair of brackets around it and the punctuation glued after it
# (「---END---」も, ---END---。), which the cleaner removes with the marker as part of it; replacing
# only the bare marker left "…「" and "」も…" as sentences the output can never contain.
WRAPPED_MARKER_RE = re.compile(r"(?:([「『“（(\[【])(?:" + MARKER_RE.pattern + r")(?=[」』”）)\]】])[」』”）)\]】]"
                               r"|(?:" + MARKER_RE.pattern + r"))[。．.、,，！!？?]*", re.I | re.M)
CODE_RE = re.compile(r"`[^`\n]*`")
FENCE_RE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
# Markdown constructs inside which end punctuation never ends a sentence (masked before splitting)
SYNTAX_RE = re.compile(
    r"`[^`\n]*`"                                  # inline code
    r"|\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*\)"   # link target
    r"|<[^<>\n]*>"                                 # HTML tag, autolink
    r"|\{:[^{}\n]*\}"                              # kramdown attribute list
    r"|https?://[^\s<>()\[\]「」（）、。]+"          # bare URL
)
END_RE = re.compile(r"[。！？!?．]+[」』）)\]\"”’]*|(?<=\S)[.!?]+[\"”’)]*(?=\s|$)"
                    r"|^\*\*[^*\n]{1,80}(?:\*\*[ \t]*[:：]|[:：]\*\*)")  # a bold label is a unit of its own
COMPLETE = set("。．.！!？?」』）)]\"”’:：…")
KEY_STRIP_RE = re.compile(r"[\s*_`~\ufffd]+")
LEAD_RE = re.compile(r"^(?:[ \t]*(?:#{1,6}|>|[-*+]|\d{1,9}[.)])[ \t]+)+")
BOLD_LABEL_RE = re.compile(r"^\s*(?:\*\*|__)[^*_]+(?:\*\*|__)\s*[:：]?\s*$")
LINK_RE = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^()\s>]*(?:\([^()\s]*\)[^()\s>]*)*)")
REFDEF_RE = re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*<?(\S+?)>?(?:[ \t]|$)", re.M)
AUTOLINK_RE = re.compile(r"<(https?://[^<>\s]+)>")
BARE_URL_RE = re.compile(r"https?://[^\s<>()\[\]「」（）、。\"'`]+")
GAP_RE = re.compile(r"\s+")
SYNTAX_PIECE_RE = re.compile(r"[#>*_~\-+=|]+|\d{1,9}[.)]")  # (a key: no white space or emphasis left)
LONG = 20
CUT_MIN = 12  # a shorter unterminated piece (a list label, a short item) is not called a cut


def key(text: str) -> str:
    return KEY_STRIP_RE.sub("", unicodedata.normalize("NFKC", text)).lower()


def prose_lines(body: str) -> list[tuple[str, str]]:
    """(kind, line) for each line outside fenced/indented code: heading, table, list, quote, para."""
    out, fence = [], None
    for line in body.split("\n"):
        m = FENCE_RE.match(line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        s = line.strip()
        if not s or line.startswith(("    ", "\t")):
            continue
        if s.startswith("|"):
            kind = "table"
        elif s.startswith("#"):
            kind = "heading"
        elif s.startswith(">"):
            kind = "quote"
        elif LEAD_RE.match(line):
            kind = "list"
        else:
            kind = "para"
        out.append((kind, line))
    return out


def sentences(line: str) -> list[str]:
    """The sentences of one line, never split inside code, link targets, HTML, URLs or {: }."""
    body = LEAD_RE.sub("", line).strip()
    masked = SYNTAX_RE.sub(lambda m: "x" * len(m.group()), body)
    spans, start = [], 0
    for m in END_RE.finditer(masked):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(body)))
    return [body[a:b].strip() for a, b in spans if body[a:b].strip()]


def is_complete(s: str) -> bool:
    s = s.rstrip().rstrip("*_`~ ")
    return bool(s) and s[-1] in COMPLETE


def glued_present(s: str, units: set[str], flat: str) -> bool:
    """Whether s is whole sentences or headings of the output glued together at gaps of white
    space (a restart wrote a heading or bold label and the sentence after it on one line:
    ``### 見出し 本文。``): shown apart, nothing of it is lost. A piece of LONG+ characters may
    be part of an output sentence (as a whole sentence may); pieces of bare syntax are ignored."""
    gaps = [m.span() for m in GAP_RE.finditer(s)][:30]
    bounds = [(0, 0)] + gaps + [(len(s), len(s))]
    reached = {0: False}  # bound index -> whether a real piece lies before it
    for j in range(1, len(bounds)):
        for i in [i for i in reached if i < j]:
            k = key(s[bounds[i][1]:bounds[j][0]])
            if not k or SYNTAX_PIECE_RE.fullmatch(k):
                real = reached[i]
            elif k in units or len(k) >= LONG and k in flat:
                real = True
            else:
                continue
            reached[j] = reached.get(j, False) or real
    return reached.get(len(bounds) - 1, False)


def targets(body: str) -> set[str]:
    text = "\n".join(line for kind, line in prose_lines(body))
    found = {m.group(1) for m in LINK_RE.finditer(text)}
    found |= {m.group(1) for m in REFDEF_RE.finditer(text)}
    found |= {m.group(1) for m in AUTOLINK_RE.finditer(text)}
    rest = LINK_RE.sub(" ", AUTOLINK_RE.sub(" ", REFDEF_RE.sub(" ", text)))
    found |= {m.group().rstrip(".,;:!?") for m in BARE_URL_RE.finditer(rest)}
    return {t for t in found if t}


def measure(source: str, cleaned: str, dropped_cuts: str = "") -> dict:
    prose = prose_lines(cleaned)
    markers = sum(len(MARKER_RE.findall(CODE_RE.sub("", line))) for _, line in prose)  # in code: content
    seen: Counter = Counter()
    repeated = Counter()
    keys: list[str] = []
    candidates: list[str] = []
    for kind, line in prose:
        if kind == "table":
            continue
        for s in sentences(line):
            k = key(s)
            if not k:
                continue
            keys.append(k)
            if len(k) >= LONG:
                seen[k] += 1
                if seen[k] > 1:
                    repeated[kind] += 1
            if kind != "heading" and not BOLD_LABEL_RE.match(s) and len(k) >= CUT_MIN and not is_complete(s):
                candidates.append(k)
    ordered = sorted(set(keys))
    cuts = 0
    for k in candidates:  # a longer sentence of the post begins with it: its completion is elsewhere
        i = bisect.bisect_right(ordered, k)
        if i < len(ordered) and ordered[i].startswith(k):
            cuts += 1
    flat = key(cleaned)
    units = {key(s) for _, line in prose for s in sentences(line)}
    plain = WRAPPED_MARKER_RE.sub("\n", source)
    lost = trailing = 0
    dropped = key(dropped_cuts)
    for _, line in prose_lines(plain):
        for s in sentences(line):
            k = key(s)
            if k and k not in flat and not glued_present(s, units, flat):
                if k in dropped and not is_complete(s):
                    trailing += 1
                else:
                    lost += 1
    before, after = targets(plain), targets(cleaned)
    truncated = {t for t in before if any(o != t and o.startswith(t) for o in before)} if before else set()
    changed = sorted((before - after - truncated) | (after - before))
    return {"markers": markers, "repeated": sum(repeated.values()), "repeated_by_kind": dict(repeated),
            "cuts": cuts, "lost": lost, "trailing_cut_dropped": trailing, "links_changed": len(changed), "links_examples": changed[:3],
            "fffd": cleaned.count("\ufffd")}


def run_state(state: str, pattern: str) -> dict:
    folder = REALBLOG / state / "_posts"
    files = sorted(p for p in folder.rglob("*") if p.is_file() and fnmatch.fnmatch(p.name, pattern))
    posts, clean_time = [], 0.0
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n")
        parts = split(text)
        body = parts.body if parts.body and text.endswith(parts.body) else text
        t0 = time.process_time()  # CPU time: the machine may be shared
        try:
            cleaned, report = fragments.clean(body, first_line=parts.body_line)
            dropped_cuts = "\n".join(c.text for c in report.changes if c.action == "trailing-cut")
        except Exception as exc:  # noqa: BLE001 — a crash is a finding, not the end of the run
            cleaned, dropped_cuts = body, ""
            posts.append({"post": path.name, "crash": repr(exc)})
        took = time.process_time() - t0
        clean_time += took
        m = measure(body, cleaned, dropped_cuts)
        m["post"], m["seconds"] = path.name, round(took, 3)
        m["clean"] = not (m["markers"] or m["repeated"] or m["cuts"] or m["lost"] or m["links_changed"])
        posts.append(m)
    posts = [p for p in posts if "markers" in p or "crash" in p]
    ok = [p for p in posts if "markers" in p]
    total = {f: sum(p[f] for p in ok) for f in ("markers", "repeated", "cuts", "lost", "trailing_cut_dropped",
                                                "links_changed", "fffd")}
    total["posts"] = len(ok)
    total["crashes"] = sum("crash" in p for p in posts)
    total["clean_posts"] = sum(p["clean"] for p in ok)
    total["clean_pct"] = round(100 * total["clean_posts"] / max(1, len(ok)), 1)
    total["no_repeat_no_cut_pct"] = round(100 * sum(not p["repeated"] and not p["cuts"] for p in ok) / max(1, len(ok)), 1)
    for f in ("markers", "repeated", "cuts", "lost", "links_changed"):
        total[f"posts_with_{f}"] = sum(bool(p[f]) for p in ok)
    total["clean_seconds"] = round(clean_time, 2)
    return {"state": state, "total": total, "posts": posts}


class _Text(HTMLParser):
    """The visible text of a page's main content, outside code, pre and script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        if tag in ("code", "pre", "script", "style"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("code", "pre", "script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def check_site(site: Path) -> dict:
    marker_pages, broken_pages, examples = [], [], []
    broken_re = re.compile(r"\]\(\s*(?:https?:|/|#)|https?://\S*\)\s*\{:|\{:\s*[.#][\w-]")
    for page in sorted(site.rglob("*.html")):
        html = page.read_text(encoding="utf-8", errors="replace")
        if "END" not in html and "](" not in html and "{:" not in html:
            continue
        p = _Text()
        p.feed(html)
        text = "".join(p.parts)
        rel = str(page.relative_to(site))
        if re.search(r"-{2,}\s*END\s*-{2,}", text, re.I):
            marker_pages.append(rel)
        if m := broken_re.search(text):
            broken_pages.append(rel)
            if len(examples) < 5:
                examples.append(f"{rel}: …{text[max(0, m.start() - 40):m.end() + 20]!r}")
    return {"pages_with_marker": len(marker_pages), "pages_with_broken_link_syntax": len(broken_pages),
            "marker_pages": marker_pages[:20], "broken_examples": examples}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--state", action="append", choices=STATES, help="state(s) to clean (default: both)")
    ap.add_argument("--posts", default="*", metavar="GLOB", help="only posts whose file name matches")
    ap.add_argument("--json", action="store_true", help="print JSON (with per-post numbers)")
    ap.add_argument("--worst", type=int, default=10, help="list this many unclean posts per state")
    ap.add_argument("--site", type=Path, action="append", default=[], metavar="DIR",
                    help="also check the rendered HTML of a built site")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    results = [run_state(s, args.posts) for s in (args.state or STATES) if (REALBLOG / s / "_posts").is_dir()]
    wall = round(time.perf_counter() - t0, 1)
    sites = {str(d): check_site(d) for d in args.site}
    if args.json:
        json.dump({"results": results, "wall_seconds": wall, "sites": sites}, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    cols = ["posts", "markers", "repeated", "cuts", "lost", "links_changed", "fffd", "crashes",
            "no_repeat_no_cut_pct", "clean_pct", "clean_seconds"]  # clean_seconds: CPU, cleaning only
    print("| state | " + " | ".join(cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for r in results:
        print(f"| {r['state']} | " + " | ".join(str(r["total"][c]) for c in cols) + " |")
    print(f"\nwall time (reading, cleaning, measuring): {wall} s")
    for r in results:
        bad = sorted((p for p in r["posts"] if not p.get("clean")),
                     key=lambda p: -(p.get("repeated", 0) + p.get("cuts", 0) + 5 * p.get("lost", 0)
                                     + 5 * p.get("links_changed", 0) + 5 * p.get("markers", 0)))
        if bad and args.worst:
            print(f"\n{r['state']}: {len(bad)} posts not clean; worst:")
            for p in bad[:args.worst]:
                print("  " + p["post"] + " " + json.dumps({k: v for k, v in p.items() if k not in ("post", "clean", "seconds") and v},
                                                          ensure_ascii=False))
    for d, s in sites.items():
        print(f"\nsite {d}: {s['pages_with_marker']} pages show a marker, "
              f"{s['pages_with_broken_link_syntax']} show link syntax as text")
        for e in s["broken_examples"]:
            print("  " + e)
    return 0


if __name__ == "__main__":
    sys.exit(main())
