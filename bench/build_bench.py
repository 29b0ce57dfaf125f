"""``python bench/build_bench.py``: how long builds and previews take at blog scale.

For each N it writes N synthetic posts (``benchgen``) into a temporary copy of this project
(mkdocs.yml, hooks, templates, docs, entities.yml, the engine) and measures, as separate
processes the way editors and CI run them:

- cold ``mkdocs build`` (no ``.cache/``, no ``site/``), with peak memory;
- rebuild after adding one post, after editing one post, and with nothing changed (warm cache),
  as ``mkdocs build`` (MkDocs empties site/ first) and as ``mkdocs build --dirty``;
- CI on a new post: ``mkdocs build`` with ``.cache/`` warm and no site/ (a fresh checkout);
- ``mkdocs serve``: from saving an edited post to the new title being served, and from saving
  a new post to it being listed on the home page.

Search indexing is timed separately: the wait for its process (``tsuzuri.search.Indexer``), or
the call to ``build_index`` in older versions; otherwise the search columns say n/a. Every figure is
the median of ``--runs`` runs. Nothing here asserts a time: it reports.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import benchgen  # (bench/ is on sys.path: this script's folder)

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
PROJECT_FILES = ("mkdocs.yml", "hooks", "templates", "docs", "entities.yml", "tsuzuri")
STATS_ENV = "TSUZURI_BENCH_STATS"
SERVE_ARGS = ["--dirty"]  # the preview the README recommends: only changed pages are written


# -- the child: one mkdocs command, timed from the inside -------------------------------------

def child(argv: list[str]) -> int:
    """Run ``mkdocs <argv>`` in this process, timing the search index if it is built."""
    stats: dict = {"search_s": None}
    try:
        from tsuzuri import search  # the project's copy: PYTHONPATH is the project (Project.env)
    except ImportError:
        search = None
    # The index is built in a process of its own (Indexer._build waits for it), else in a thread.
    owner = getattr(search, "Indexer", None) if search is not None else None
    name = "_build" if owner is not None and hasattr(owner, "_build") else "build_index"
    owner = owner if name == "_build" else search
    if owner is not None and hasattr(owner, name):
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                stats["search_s"] = (stats["search_s"] or 0.0) + time.perf_counter() - start
        setattr(owner, name, timed)
    import resource

    from mkdocs.__main__ import cli
    code = 0
    try:
        cli.main(args=argv, prog_name="mkdocs", standalone_mode=False)
    except KeyboardInterrupt:  # how the benchmark stops `serve`
        pass
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:  # a failed build: report it, the benchmark prints the log
        print(f"bench child: mkdocs {' '.join(argv)} failed: {exc}", file=sys.stderr)
        code = 1
    finally:
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        stats.update(code=code, cpu_s=me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
                     rss_mb=me.ru_maxrss / 1024, child_rss_mb=kids.ru_maxrss / 1024)
        if os.environ.get(STATS_ENV):
            Path(os.environ[STATS_ENV]).write_text(json.dumps(stats), encoding="utf-8")
    return code


# -- the project ---------------------------------------------------------------------------------

class Project:
    def __init__(self, folder: Path, n: int, seed: int = 7) -> None:
        self.dir, self.n, self.seed = folder, n, seed
        self.added = 0
        self.edits = 0
        folder.mkdir(parents=True, exist_ok=True)
        for name in PROJECT_FILES:
            src = ROOT / name
            if src.is_dir():
                shutil.copytree(src, folder / name, ignore=shutil.ignore_patterns("__pycache__", ".cache"))
            elif src.exists():
                shutil.copy2(src, folder / name)
        self.bytes = benchgen.generate(folder / "posts", n, seed)

    def env(self, stats: Path | None = None) -> dict:
        env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(self.dir))
        if stats is not None:
            env[STATS_ENV] = str(stats)
        return env

    def run(self, argv: list[str]) -> dict:
        """One timed ``mkdocs`` process; its stats, with the wall time seen from outside."""
        stats_file = self.dir / ".bench-stats.json"
        stats_file.unlink(missing_ok=True)
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, str(HERE), "child", *argv], cwd=self.dir,
                              env=self.env(stats_file), capture_output=True, text=True)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(f"mkdocs {' '.join(argv)} failed in {self.dir}:\n{proc.stderr[-3000:]}")
        stats = json.loads(stats_file.read_text(encoding="utf-8"))
        stats["wall_s"] = wall
        return stats

    def build(self, cold: bool = False, dirty: bool = False) -> dict:
        if cold:
            shutil.rmtree(self.dir / ".cache", ignore_errors=True)
            shutil.rmtree(self.dir / "site", ignore_errors=True)
        return self.run(["build", "--strict", "-q", *(["--dirty"] if dirty else [])])

    def add_post(self) -> tuple[str, str]:
        """Write a post newer than all others; (its URL, a string its listing shows)."""
        self.added += 1
        name, text = benchgen.post_text(-self.added, self.seed)
        (self.dir / "posts" / name).write_text(text, encoding="utf-8")
        return benchgen.post_url(-self.added, self.seed), f"第{-self.added}回分析"

    def edit_post(self) -> tuple[str, str]:
        """Rewrite a post in the middle of the archive; (its URL, its new title's mark)."""
        self.edits += 1
        i = self.n // 2
        name, text = benchgen.post_text(i, self.seed, edit=self.edits)
        (self.dir / "posts" / name).write_text(text, encoding="utf-8")
        return benchgen.post_url(i, self.seed), f"（改訂{self.edits}）"


# -- mkdocs serve -----------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 30) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError):
        return None


def _wait_for(url: str, text: str | None, limit: float, poll: float = 0.02) -> float | None:
    """Seconds until ``url`` is served (containing ``text``), or None after ``limit``."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        body = _get(url)
        if body is not None and (text is None or text in body):
            return time.perf_counter() - start
        time.sleep(poll)
    return None


def serve_latencies(project: Project, runs: int) -> dict:
    """Start ``mkdocs serve``; time edits and new posts until the server serves them."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    stats_file = project.dir / ".bench-serve.json"
    proc = subprocess.Popen([sys.executable, str(HERE), "child", "serve", *SERVE_ARGS, "-a", f"127.0.0.1:{port}"],
                            cwd=project.dir, env=project.env(stats_file),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    out: dict = {"edit_s": [], "new_s": [], "start_s": None}
    try:
        out["start_s"] = _wait_for(base, None, 1800, poll=0.2)
        if out["start_s"] is None:
            raise RuntimeError("mkdocs serve did not come up")
        for _ in range(runs):
            time.sleep(1.0)  # let the watcher settle between runs
            url, mark = project.edit_post()
            start = time.perf_counter()
            took = _wait_for(base + url, mark, 120)
            out["edit_s"].append(took if took is None else time.perf_counter() - start)
        for _ in range(runs):
            time.sleep(1.0)
            url, mark = project.add_post()
            start = time.perf_counter()
            took = _wait_for(base, mark, 120)
            out["new_s"].append(took if took is None else time.perf_counter() - start)
    finally:
        proc.send_signal(2)  # SIGINT: mkdocs shuts down cleanly
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        out["log"] = err[-2000:]
    return out


# -- the benchmark ----------------------------------------------------------------------------

def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def bench_size(n: int, runs: int, serve: bool, workdir: Path, log) -> dict:
    project = Project(workdir / f"n{n}", n)
    log(f"n={n}: {project.bytes / 1e6:.1f} MB of posts in {project.dir}")
    result: dict = {"n": n, "mb": project.bytes / 1e6}
    cold = [project.build(cold=True) for _ in range(runs)]
    result["cold"] = cold
    log(f"  cold build: {_walls(cold)} s")
    # warm: `mkdocs build` (MkDocs empties site/ first) and `mkdocs build --dirty` (only what changed)
    for dirty in (False, True):
        suffix = "_dirty" if dirty else ""
        result["noop" + suffix] = [project.build(dirty=dirty) for _ in range(runs)]
        result["add" + suffix], result["edit" + suffix] = [], []
        for _ in range(runs):
            project.add_post()
            result["add" + suffix].append(project.build(dirty=dirty))
        for _ in range(runs):
            project.edit_post()
            result["edit" + suffix].append(project.build(dirty=dirty))
        log(f"  {'--dirty' if dirty else 'build'}: +1 post {_walls(result['add' + suffix])} s; "
            f"edit {_walls(result['edit' + suffix])} s; no change {_walls(result['noop' + suffix])} s")
    # CI on a new post: a fresh checkout (no site/) with .cache/ restored
    result["ci"] = []
    for _ in range(runs):
        project.add_post()
        shutil.rmtree(project.dir / "site", ignore_errors=True)
        result["ci"].append(project.build())
    log(f"  CI (+1 post, no site/, warm .cache): {_walls(result['ci'])} s")
    if serve:
        result["serve"] = serve_latencies(project, runs)
        log(f"  serve: edit {result['serve']['edit_s']} s, new post {result['serve']['new_s']} s")
    return result


def _walls(runs: list[dict]) -> str:
    return ", ".join(f"{r['wall_s']:.2f}" for r in runs)


def _fmt(seconds) -> str:
    return "n/a" if seconds is None else f"{seconds:.2f} s"


def table(results: list[dict]) -> str:
    rows = ["| posts | cold build | search (cold) | +1 post | search (+1) | edit 1 post | no change "
            "| +1 post, --dirty | edit, --dirty | CI: +1 post | serve: edit → served | serve: new post → listed "
            "| peak RSS (cold) | CPU (cold) |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        def med(key, field="wall_s"):
            return _median([run.get(field) for run in r[key]])

        serve = r.get("serve") or {}
        peak = max(run["rss_mb"] for run in r["cold"])
        child = max(run["child_rss_mb"] for run in r["cold"])
        rss = f"{peak:.0f} MB + {child:.0f} MB"  # mkdocs + its largest child (a worker or the indexing process)
        rows.append(f"| {r['n']:,} | {_fmt(med('cold'))} | {_fmt(med('cold', 'search_s'))} | {_fmt(med('add'))} "
                    f"| {_fmt(med('add', 'search_s'))} | {_fmt(med('edit'))} | {_fmt(med('noop'))} "
                    f"| {_fmt(med('add_dirty'))} | {_fmt(med('edit_dirty'))} | {_fmt(med('ci'))} "
                    f"| {_fmt(_median(serve.get('edit_s', [])))} | {_fmt(_median(serve.get('new_s', [])))} "
                    f"| {rss} | {med('cold', 'cpu_s'):.1f} s |")
    return "\n".join(rows)


def main(args) -> int:
    sizes = args.n or ([20] if args.quick else [100, 1000, 3000])
    runs = 1 if args.quick else args.runs
    if args.workers:
        os.environ["TSUZURI_WORKERS"] = str(args.workers)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    log(f"bench: {cores} cores, load {os.getloadavg()[0]:.2f}; sizes {sizes}, {runs} run(s) each")
    workdir = Path(tempfile.mkdtemp(prefix="tsuzuri-bench-", dir=args.dir))
    results = []
    try:
        for n in sizes:
            results.append(bench_size(n, runs, not args.no_serve, workdir, log))
    finally:
        if args.keep:
            log(f"bench: projects kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(table(results))
    print(f"\n{cores} cores, load average {os.getloadavg()[0]:.2f} at the end; medians of {runs} run(s); "
          f"wall time of whole `mkdocs` processes.")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--n", type=int, nargs="+", metavar="N", help="post counts (default: 100 1000 3000)")
    p.add_argument("--runs", type=int, default=3, help="runs per measurement; medians are reported (default 3)")
    p.add_argument("--quick", action="store_true", help="smoke run: 20 posts, one run")
    p.add_argument("--no-serve", action="store_true", help="skip the mkdocs serve measurements")
    p.add_argument("--workers", type=int, help="processes for cold post rendering (TSUZURI_WORKERS)")
    p.add_argument("--dir", help="where to create the temporary projects (default: the system temp)")
    p.add_argument("--keep", action="store_true", help="keep the generated projects")
    p.add_argument("--json", metavar="FILE", help="also write every measurement as JSON")


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:  # the timed process: build_bench.py child <mkdocs args>
        sys.exit(child(sys.argv[2:]))
    parser = argparse.ArgumentParser(description="time builds and previews at blog scale (synthetic posts)")
    add_arguments(parser)
    sys.exit(main(parser.parse_args()))
