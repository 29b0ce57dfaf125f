"""Search evaluation (issue 16): the query set of bench/search_queries.py through the site's own
/search/?q= page in headless chromium, and the issue's table.

    python bench/search_eval.py SITE_DIR                      # the real blog's queries (today)
    python bench/search_eval.py SITE_DIR --posts DIR/_posts   # queries from other posts
    python bench/search_eval.py SITE_DIR --json               # summary and every query
    python bench/search_eval.py SITE_DIR --kinds known topic --limit 10   # a quick look

SITE_DIR is a built site (`site/`, e.g. /tmp/x/project/site from `bench/realblog.py --keep /tmp/x`)
served here on 127.0.0.1 by python's http.server. Each query opens `/search/?q=…` in a fresh
browser context (nothing cached, nothing from outside the machine) and measures:

- time to first results: from navigation start (the page's own clock) to the first result in
  the list (or the page's "done" state when nothing matched);
- bytes and requests until then: what the server sent before the page said so, as sent and as a
  host that gzips text files would send it (the word files are gzipped already);
- relevance from the links shown: the known item's rank; for the other kinds, the share of the
  first 10 whose page (title and body as built in SITE_DIR, widths folded) matches every one of
  the query's `must` patterns, over min(10, max(results, posts that match)).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import re
import statistics
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import search_queries  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
POSTS = Path("/work/realblog/today/_posts")
TOP = 10
MARK = "/__tsuzuri_eval_first_results"
GZIPPED_BY_HOST = (".js", ".mjs", ".css", ".html", ".json", ".svg", ".xml", ".txt", ".wasm")

# The results page's DOM (templates/search.html, docs/assets/search.js): keep in sync.
PAGE = "[data-tz-search-page]"
LINKS = ".tz-search-page__results .tz-hit__link"
STATUS = ".tz-search-page__status"
# Marks the moment the first result (or the page's final "no results") is in the DOM, on the
# page's own clock, and tells the server, so only bytes sent before it are counted.
WATCH = """
(() => {
  const seen = () => {
    if (window.__tzFirst !== undefined) return true;
    const page = document.querySelector(%(page)s);
    const hit = document.querySelector(%(hit)s);
    if (!hit && !(page && ["done", "error"].includes(page.dataset.state))) return false;
    window.__tzFirst = performance.now();
    fetch(%(mark)s, {cache: "no-store"}).catch(() => {});
    return true;
  };
  new MutationObserver((_, obs) => { if (seen()) obs.disconnect(); })
    .observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ["data-state"]});
})();
""" % {"page": json.dumps(PAGE), "hit": json.dumps(LINKS), "mark": json.dumps(MARK)}


class _Article(HTMLParser):
    """A built post page's title and body text (article.tz-post: its h1 and div.tz-body)."""

    def __init__(self):
        super().__init__()
        self.parts, self._depth, self._tag, self._in_post = [], 0, None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "article" and "tz-post" in (a.get("class") or "").split():
            self._in_post = True
        if self._tag is None and self._in_post and (tag == "h1" or (tag == "div" and "tz-body" in (a.get("class") or "").split())):
            self._tag, self._depth = tag, 1
        elif self._tag == tag:
            self._depth += 1

    def handle_endtag(self, tag):
        if self._tag == tag:
            self._depth -= 1
            if not self._depth:
                self._tag = None
                self.parts.append("\n")

    def handle_data(self, data):
        if self._tag:
            self.parts.append(data)


class Site:
    """SITE_DIR served on a free port, with per-response byte accounting."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.log: list[tuple[str, int, int]] = []   # (path, bytes sent, bytes a gzip host sends)
        self.mark: int | None = None
        self._lock = threading.Lock()
        site = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path.startswith(MARK):
                    with site._lock:
                        if site.mark is None:
                            site.mark = len(site.log)
                    self.send_response(204)
                    self.end_headers()
                    return
                super().do_GET()

            def copyfile(self, source, outputfile):
                data = source.read()
                path = self.path.split("?")[0]
                gz = len(gzip.compress(data, 6)) if path.endswith(GZIPPED_BY_HOST) or path.endswith("/") else len(data)
                outputfile.write(data)
                with site._lock:
                    site.log.append((path, len(data), gz))

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self) -> None:
        with self._lock:
            self.log, self.mark = [], None

    def until_mark(self) -> list[tuple[str, int, int]]:
        with self._lock:
            return list(self.log if self.mark is None else self.log[: self.mark])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @functools.lru_cache(maxsize=None)
    def text(self, href: str) -> str | None:
        """The folded title and body of the post page at href; None when SITE_DIR has none."""
        path = unquote(urlparse(href).path).lstrip("/")
        for candidate in (path + "index.html" if path.endswith("/") or not path else path, path + "/index.html"):
            f = self.folder / candidate
            if f.is_file():
                p = _Article()
                p.feed(f.read_text(encoding="utf-8", errors="replace"))
                return search_queries.text_key("".join(p.parts))
        return None


def _same_url(a: str, b: str) -> bool:
    return unquote(urlparse(a).path) == unquote(urlparse(b).path)


def run_query(browser, site: Site, query: dict, timeout_ms: int = 60000) -> dict:
    context = browser.new_context(locale="ja-JP")
    context.route(re.compile(r"^(?!http://127\.0\.0\.1)"), lambda route: route.abort())
    page = context.new_page()
    page.add_init_script(WATCH)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    site.reset()
    try:
        page.goto(f"{site.url}/search/?q={quote(query['q'])}", wait_until="commit")
        page.wait_for_function(f"(() => {{ const p = document.querySelector({json.dumps(PAGE)});"
                               " return window.__tzFirst !== undefined && p && ['done', 'error'].includes(p.dataset.state); })()",
                               timeout=timeout_ms, polling=50)
        first_ms = page.evaluate("window.__tzFirst")
        done_state = page.evaluate(f"document.querySelector({json.dumps(PAGE)}).dataset.state")
        hrefs = page.locator(LINKS).evaluate_all("els => els.map(e => e.getAttribute('href'))")
        status = page.locator(STATUS).inner_text()
        page.wait_for_timeout(100)   # let the marker request land
    finally:
        served, marked = site.until_mark(), site.mark is not None
        context.close()
    total = re.search(r"(\d+)件", status)
    out = {**query, "first_ms": round(first_ms), "state": done_state, "errors": errors, "marked": marked,
           "requests": len(served), "bytes": sum(r for _, r, _ in served), "bytes_gzip": sum(g for _, _, g in served),
           "results": int(total.group(1)) if total else len(hrefs), "top": hrefs[:TOP]}
    if "expect" in query:
        rank = next((i + 1 for i, h in enumerate(hrefs[:TOP]) if _same_url(h, query["expect"])), None)
        out["rank"] = rank
    else:
        patterns = [re.compile(p) for p in query["must"]]
        ok = [bool(t is not None and all(p.search(t) for p in patterns)) for t in map(site.text, hrefs[:TOP])]
        denominator = min(TOP, max(out["results"], query.get("matching", 0)))
        out["share"] = round(sum(ok) / denominator, 3) if denominator else 1.0
        out["misses"] = [h for h, good in zip(hrefs[:TOP], ok) if not good]
    return out


def evaluate(site_dir: Path, queries: list[dict], progress=None) -> list[dict]:
    from playwright.sync_api import sync_playwright

    site = Site(site_dir)
    out = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            try:
                for q in queries:
                    out.append(run_query(browser, site, q))
                    if progress:
                        progress(out[-1])
            finally:
                browser.close()
    finally:
        site.close()
    return out


def typical(results: list[dict]) -> list[dict]:
    """The five typical queries: the issue's three topic queries and the first known item and
    topic query of the seeded set (fewer on a small site)."""
    issue = [r for r in results if r.get("issue")]
    seeded = [next((r for r in results if r["kind"] == k and not r.get("issue")), None) for k in ("known", "topic")]
    return (issue + [r for r in seeded if r])[:5]


def _stats(values: list[float]) -> tuple[float, float]:
    return (statistics.median(values), max(values)) if values else (float("nan"), float("nan"))


def summary(results: list[dict]) -> dict:
    known = [r for r in results if r["kind"] == "known"]
    s: dict = {"queries": len(results), "by kind": {k: sum(r["kind"] == k for r in results)
                                                      for k in dict.fromkeys(r["kind"] for r in results)}}
    if known:
        s["known-item top 5"] = round(sum(bool(r["rank"] and r["rank"] <= 5) for r in known) / len(known), 3)
        s["known-item top 1"] = round(sum(r["rank"] == 1 for r in known) / len(known), 3)
        s["MRR@10"] = round(sum(1 / r["rank"] for r in known if r["rank"]) / len(known), 3)
    for kind in ("topic", "number", "katakana", "mixed"):
        shares = [r["share"] for r in results if r["kind"] == kind]
        if shares:
            s[f"{kind} share: mean"] = round(statistics.mean(shares), 3)
            s[f"{kind} share: min"] = min(shares)
    groups = {"typical": typical(results), "katakana": [r for r in results if r["kind"] == "katakana"], "all": results}
    for name, rs in groups.items():
        if not rs:
            continue
        for key in ("first_ms", "bytes", "bytes_gzip", "requests"):
            med, mx = _stats([r[key] for r in rs])
            s[f"{name} {key}: median"], s[f"{name} {key}: max"] = med, mx
        worst = max(rs, key=lambda r: r["bytes_gzip"])
        s[f"{name}: most bytes"] = worst["q"]
    s["page errors"] = sum(len(r["errors"]) for r in results)
    s["queries not done"] = sum(r["state"] != "done" for r in results)
    s["bytes counted to the end (no marker)"] = sum(not r["marked"] for r in results)
    return s


def table(s: dict) -> str:
    def pct(x):
        return f"{x * 100:.0f}%"

    def kb(x):
        return f"{x / 1e3:,.0f} KB"

    rows = ["| measure | value | target |", "|---|---|---|"]
    if "known-item top 5" in s:
        n = s["by kind"]["known"]
        rows.append(f"| known-item: the post in the top 5 ({n} queries; top 1) | {pct(s['known-item top 5'])} "
                    f"({pct(s['known-item top 1'])}) | ≥ 95% |")
        rows.append(f"| mean reciprocal rank of that post (top 10) | {s['MRR@10']:.2f} | ≥ 0.80 |")
    labels = {"topic": "topic: share of the first 10 that contain every word",
              "number": "numbers: share of the first 10 with the exact amount",
              "katakana": "common katakana words: share of the first 10 that contain it",
              "mixed": "Latin name + version + word: share of the first 10 with all"}
    for kind, label in labels.items():
        if f"{kind} share: mean" in s:
            rows.append(f"| {label} ({s['by kind'][kind]} queries), mean (min) | "
                        f"{s[f'{kind} share: mean']:.2f} ({s[f'{kind} share: min']:.2f}) | ≥ 0.95 |")
    names = {"typical": "5 typical queries", "katakana": "katakana queries", "all": f"all {s['queries']} queries"}
    for g, name in names.items():
        if f"{g} first_ms: median" not in s:
            continue
        rows.append(f"| time from opening /search/?q=… to first results, {name}: median / max | "
                    f"{s[f'{g} first_ms: median'] / 1e3:.2f} / {s[f'{g} first_ms: max'] / 1e3:.2f} s | ≤ 1 s |")
        rows.append(f"| bytes until first results, {name}: gzip median / max (as sent) | "
                    f"{kb(s[f'{g} bytes_gzip: median'])} / {kb(s[f'{g} bytes_gzip: max'])} "
                    f"({kb(s[f'{g} bytes: median'])} / {kb(s[f'{g} bytes: max'])}) | ≤ 500 KB gzip |")
        rows.append(f"| requests until first results, {name}: median / max | "
                    f"{s[f'{g} requests: median']:.0f} / {s[f'{g} requests: max']:.0f} | |")
    bad = (s["page errors"], s["queries not done"], s["bytes counted to the end (no marker)"])
    if any(bad):
        rows.append("| page errors / queries that did not finish / bytes counted to the end | %d / %d / %d | 0 / 0 / 0 |" % bad)
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("site", type=Path, help="the built site folder (site/)")
    ap.add_argument("--posts", type=Path, default=POSTS, help=f"the posts the queries are made from (default {POSTS})")
    ap.add_argument("--entities", type=Path, default=ROOT / "entities.yml")
    ap.add_argument("--seed", type=int, default=search_queries.SEED)
    ap.add_argument("--kinds", nargs="*", help="only these kinds (known topic number katakana mixed)")
    ap.add_argument("--limit", type=int, help="at most this many queries of each kind")
    ap.add_argument("--json", action="store_true", help="print the summary and every query as JSON")
    ap.add_argument("-v", "--verbose", action="store_true", help="a line per query on stderr (blog text: local use)")
    args = ap.parse_args(argv)
    if not (args.site / "search" / "index.html").is_file():
        print(f"{args.site}: no search/index.html — build the site first", file=sys.stderr)
        return 2
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk", file=sys.stderr)
        return 2
    queries = search_queries.load(args.posts, args.entities, args.seed)
    if args.kinds:
        queries = [q for q in queries if q["kind"] in args.kinds]
    if args.limit:
        kept: dict[str, list] = {}
        for q in queries:
            kept.setdefault(q["kind"], []).append(q)
        queries = [q for qs in kept.values() for q in qs[: args.limit]]
    site = Site(args.site)
    missing = [q["expect"] for q in queries if "expect" in q and site.text(q["expect"]) is None]
    site.close()
    if missing:
        print(f"warning: {len(missing)} known items' URLs are not pages of {args.site} (they count as misses)",
              file=sys.stderr)

    def progress(r):
        if args.verbose:
            how = f"rank {r['rank']}" if "rank" in r else f"share {r['share']:.2f}"
            print(f"{r['kind']:8} {r['q']}: {how}, {r['first_ms'] / 1e3:.2f} s, {r['bytes_gzip'] / 1e3:.0f} KB gzip, "
                  f"{r['requests']} requests, {r['results']} results", file=sys.stderr)

    results = evaluate(args.site, queries, progress)
    s = summary(results)
    print(json.dumps({"summary": s, "queries": results}, ensure_ascii=False, indent=1) if args.json else table(s))
    return 0


if __name__ == "__main__":
    sys.exit(main())
