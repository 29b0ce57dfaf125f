"""Benchmark: search indexing and in-browser search at N posts (~6,000 Japanese characters each).

    python bench/search_bench.py                      # index only: 100 and 1,000 posts
    python bench/search_bench.py --posts 1000 --site  # + mkdocs build/rebuild and chromium
    python bench/search_bench.py --posts 10000 --chars 8000 --workers 2   # the issue's 10,000
    python bench/search_bench.py --scale PROJECT 10000 OUT   # a built site's posts + generated ones

Posts are made deterministically from real Japanese sentences: the seed posts plus, when
../shared/corpora is beside the repo, the vim-jp posts (a broader vocabulary). Reports:

- index: ``tsuzuri.search.build_index`` cold (no cache), then with the cache after one new
  post (the newest shard read again); wall time, peak memory (the largest process), bundle size;
- with --site: a project of generated posts, cold ``mkdocs build`` and the rebuild after one
  new post (both including search), then headless chromium typing queries into the header
  box of the served site: time from the first keystroke to rendered results, and bytes the
  server sent from focusing the box until then (a fresh browser each query, so nothing cached):
  as sent, and as a host that gzips text files would send them (the word files are gzipped
  already);
- with --scale PROJECT N OUT: a copy of PROJECT's built site/ (hard links) at OUT whose search
  index holds PROJECT's posts plus generated ones up to N: bench/search_eval.py OUT then times
  real queries, and finds the real posts among N.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import html
import http.server
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tsuzuri import search  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora" / "vim-jp" / "_posts"
CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
QUERIES = ["半導体", "基盤モデル", "データセンター", "Foxconn", "人材不足", "1兆円"]
TAGS = ["AI", "半導体", "投資", "データセンター", "政策", "クラウド", "ロボット", "電力", "OpenAI", "エディタ"]


def sentences() -> list[str]:
    files = sorted((ROOT / "posts").glob("*.md")) + (sorted(CORPORA.rglob("*.md")) if CORPORA.exists() else [])
    out = []
    for path in files:
        body = path.read_text(encoding="utf-8", errors="replace").split("---", 2)[-1]
        body = re.sub(r"```.*?```|`[^`]*`|\{%.*?%\}|<[^>]+>|https?://\S+|[#*>|\[\]()_]", " ", body, flags=re.S)
        for s in re.split(r"(?<=[。！？])|\n", body):
            s = " ".join(s.split())
            if 10 <= len(s) <= 200 and len(CJK.findall(s)) > len(s) // 2 and "---END" not in s:
                out.append(s)
    return out


def generate(n: int, chars: int = 6000, seed: int = 7) -> list[dict]:
    rng, pool = random.Random(seed), sentences()
    posts = []
    for i in range(n):
        paras, size = [], 0
        while size < chars:
            para = "".join(rng.choice(pool) for _ in range(rng.randint(2, 6)))
            paras.append(para)
            size += len(para)
        month, day = 1 + i % 12, 1 + (i // 12) % 28
        posts.append({"slug": f"bench-{i}", "date": f"2024-{month:02d}-{day:02d}", "title": re.sub(r"[\"\\\\]", "", rng.choice(pool)[:30]) + f"（{i}）",
                      "tags": rng.sample(TAGS, 3), "category": rng.choice(["投資分析", "ニュース", "技術"]), "paras": paras})
    return posts


def as_docs(posts: list[dict]) -> list[search.SearchDoc]:
    return [search.SearchDoc(url=f"{p['date'].replace('-', '/')}/{p['slug']}/", title=p["title"], date=p["date"],
                             date_iso=p["date"], text="\n".join(p["paras"]), categories=(p["category"],),
                             tags=tuple(p["tags"])) for p in posts]


def write_project(posts: list[dict], folder: Path) -> None:
    (folder / "posts").mkdir(parents=True)
    for name in ("mkdocs.yml", "entities.yml"):
        shutil.copy(ROOT / name, folder / name)
    for name in ("docs", "templates", "hooks", "tsuzuri"):
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
    for p in posts:
        write_post(p, folder / "posts")


def write_post(p: dict, folder: Path) -> None:
    text = (f'---\ntitle: "{p["title"]}"\ndate: {p["date"]} 09:00:00 +0900\ncategories: ["{p["category"]}"]\n'
            f'tags: {p["tags"]}\n---\n\n' + "\n\n".join(p["paras"]) + "\n")
    (folder / f'{p["date"]}-{p["slug"]}.md').write_text(text, encoding="utf-8")


def mkdocs_build(folder: Path) -> tuple[float, str]:
    start = time.perf_counter()
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=folder, capture_output=True, text=True, env=env)
    if r.returncode:
        raise SystemExit(r.stderr[-3000:])
    line = next((ln for ln in r.stderr.splitlines() if "search:" in ln), "")
    return time.perf_counter() - start, line.split("INFO    -  ")[-1]


def bench_index(n: int, chars: int = 6000, workers: int = 1) -> None:
    docs = as_docs(generate(n, chars))
    size = sum(len(d.text) for d in docs)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cold = search.build_index(docs, tmp / "a", workers=workers)
        print(f"index {n} posts ({size / n:.0f} chars each), no cache, {workers} process(es): {cold.summary()}")
        search.build_index(docs, tmp / "b", tmp / "cache", workers=workers)
        extra = as_docs(generate(1, chars, seed=99))[0]
        extra = search.SearchDoc(**{**{k: v for k, v in extra.__dict__.items() if k != "key"}, "url": "2025/01/01/new/",
                                    "date_iso": "2025-01-01"})
        delta = search.build_index(docs + [extra], tmp / "c", tmp / "cache")
        print(f"index {n} posts, one new post, cache: {delta.summary()}")


def scale(project: Path, n: int, out: Path, chars: int = 8000) -> None:
    """PROJECT's built site at OUT (hard links), its search index holding PROJECT's posts and
    generated ones (older than them) up to ``n``."""
    from tsuzuri import cache, site as tz_site
    from tsuzuri.config import SiteConfig

    project = project.resolve()
    loaded = tz_site.load(project, SiteConfig.from_mkdocs_yml(project / "mkdocs.yml"),
                          cache_dir=cache.project_cache(project))
    real = search.docs_from_site(loaded)
    extra = [search.SearchDoc(**{**{k: v for k, v in d.__dict__.items() if k != "key"}, "url": f"bench/{i}/",
                                 "date_iso": f"2020-{d.date_iso[5:]}"})
             for i, d in enumerate(as_docs(generate(max(0, n - len(real)), chars)))]
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(project / "site", out, copy_function=os.link, ignore=shutil.ignore_patterns("searchindex"))
    for d in extra:   # a bare page per generated post, so that bench/search_eval.py can read it
        page = out / d.url / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f'<article class="tz-post"><h1>{html.escape(d.title)}</h1>'
                        f'<div class="tz-body">{html.escape(d.text)}</div></article>', encoding="utf-8")
    stats = search.build_index(real + extra, out / "searchindex", workers=2)
    print(f"{len(real)} real + {len(extra)} generated posts ({chars} chars each): {stats.summary()}")


def bench_site(n: int, queries: list[str]) -> None:
    from playwright.sync_api import sync_playwright

    posts = generate(n + 1)
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        write_project(posts[:n], project)
        secs, line = mkdocs_build(project)
        print(f"mkdocs build, {n} posts, cold: {secs:.2f} s ({line})")
        write_post(posts[n], project / "posts")
        secs, line = mkdocs_build(project)
        print(f"mkdocs build after one new post: {secs:.2f} s ({line})")

        served: list[tuple[int, int]] = []  # (bytes sent, bytes a gzip-serving host would send)

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def copyfile(self, source, outputfile):
                data = source.read()
                squeezable = self.path.split("?")[0].endswith((".js", ".css", ".html", ".json"))
                served.append((len(data), len(gzip.compress(data)) if squeezable else len(data)))
                outputfile.write(data)

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                 functools.partial(Handler, directory=str(project / "site")))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"])
            for q in queries:
                context = browser.new_context()
                context.route(re.compile(r"^(?!http://127\.0\.0\.1)"), lambda route: route.abort())
                page = context.new_page()
                page.goto(url)
                page.wait_for_load_state("networkidle")
                served.clear()
                box = page.locator(".tz-search__input")
                box.click()
                start = time.perf_counter()
                box.press_sequentially(q, delay=0)
                page.wait_for_function(
                    "q => { const r = document.querySelector('[data-tz-search]'); return r.dataset.state === 'done'"
                    " && r.querySelector('.tz-search__status').textContent.includes(q); }", arg=q, timeout=30000)
                first = time.perf_counter() - start
                hits = page.locator(".tz-search__results .tz-hit").count()
                status = page.locator(".tz-search__status").inner_text()
                raw, gz = sum(r for r, _ in served), sum(g for _, g in served)
                print(f"  {q}: first results {first:.2f} s after typing; since focus {len(served)} requests, "
                      f"{raw / 1e3:.0f} KB ({gz / 1e3:.0f} KB with gzip for js/css/html/json, as GitHub Pages); "
                      f"{status}; {hits} shown")
                context.close()
            browser.close()
        server.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, nargs="*", default=[100, 1000])
    ap.add_argument("--chars", type=int, default=6000, help="characters per generated post")
    ap.add_argument("--workers", type=int, default=1, help="processes reading the posts' words")
    ap.add_argument("--site", action="store_true", help="also build a site and search it in chromium")
    ap.add_argument("--queries", nargs="*", default=QUERIES)
    ap.add_argument("--scale", nargs=3, metavar=("PROJECT", "N", "OUT"))
    args = ap.parse_args()
    if args.scale:
        scale(Path(args.scale[0]), int(args.scale[1]), Path(args.scale[2]), args.chars)
        return
    for n in args.posts:
        bench_index(n, args.chars, args.workers)
        if args.site:
            bench_site(n, args.queries)


if __name__ == "__main__":
    main()
