"""Benchmark: one pathological post per case, each checked (and one built) in a fresh site.

Issue 18: a single hostile or machine-made post must not stall a build. Each case writes one
post into a temporary site (nothing large is committed), times `python -m tsuzuri check` on it
(the 1,000-tag case also a full `mkdocs build`), and prints a table with PASS/FAIL against the
time limit. A run that exits non-zero is listed with its exit code: a diagnostic is expected
for some cases; a traceback is not.

    python bench/pathological_bench.py [--scale 1.0] [--limit 20] [--timeout 300] [--only NAME ...]
                                       [--root CHECKOUT]

``--scale`` multiplies every size (0.01 for a smoke run); ``--root`` measures another checkout
of tsuzuri (its engine, hooks and templates), for a before/after comparison. Timings are of
one process on a shared machine: read them as orders of magnitude.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

ROOT = Path(__file__).resolve().parents[1]
ENDING = "という点が今後の大きな論点になるでしょう"     # 20 characters (+ 。) shared by every paragraph
OPENING = "この断片は同じ書き出しで始まっていて途中で切れた文"  # 25 characters, shared by every piece


@dataclass
class Case:
    name: str
    size: int                      # the case's parameter at --scale 1
    body: Callable[[int], str]
    tags: Callable[[int], list[str]] = lambda n: ["bench"]
    build: bool = False            # also time a full mkdocs build


def _paragraphs_sharing_an_ending(n: int) -> str:
    return "\n\n".join(f"第{i}段落の主張は{i * 7919 % 100003}番の事例に基づく{ENDING}。" for i in range(n)) + "\n"


def _pieces_sharing_a_beginning(n: int) -> str:
    # every piece is cut at a ---END--- marker and none continues another: n open cuts
    return "\n\n---END---\n\n".join(f"{OPENING}{i}番目の" for i in range(n)) + "\n"


def _nested_list(n: int) -> str:
    return "\n".join("  " * i + f"- 第{i}階層の項目" for i in range(n)) + "\n"


CASES = [
    Case("brackets", 25000, lambda n: "[" * n + "\n"),
    Case("unclosed-links", 10000, lambda n: "[a](" * n + "\n"),
    Case("unclosed-tags", 20000, lambda n: "<a " * n + "\n"),
    Case("shared-ending", 20000, _paragraphs_sharing_an_ending),
    Case("shared-beginning-cuts", 10000, _pieces_sharing_a_beginning),
    Case("nested-list", 1000, _nested_list),
    Case("many-tags", 1000, lambda n: "本文の段落です。タグの多い記事です。\n",
         tags=lambda n: [f"タグ{i}" for i in range(n)], build=True),
]


def project(folder: Path, case: Case, n: int, root: Path = ROOT) -> Path:
    """A site using root's hooks, templates and pages, with the case's one post."""
    config = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    config["hooks"] = [str(root / hook) for hook in config["hooks"]]
    config["theme"]["custom_dir"] = str(root / "templates")
    config["docs_dir"] = str(root / "docs")
    config["site_dir"] = str(folder / "site")
    config["watch"] = []
    (folder / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    head = {"title": f"ベンチマーク {case.name}", "date": "2025-09-18 13:37:41 +0900",
            "categories": ["投資分析"], "tags": case.tags(n)}
    post = folder / "posts" / "2025-09-18-bench.md"
    post.parent.mkdir(parents=True)
    post.write_text("---\n" + yaml.safe_dump(head, allow_unicode=True) + "---\n\n" + case.body(n), encoding="utf-8")
    return folder


def timed(argv: list[str], cwd: Path, timeout: float, root: Path = ROOT) -> tuple[float, str]:
    env = dict(os.environ, PYTHONPATH=str(root), NO_MKDOCS_2_WARNING="1")
    if root != ROOT:
        env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave the other checkout as it is
    start = time.perf_counter()
    try:
        result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - start, "timeout"
    elapsed = time.perf_counter() - start
    if "Traceback (most recent call last)" in result.stderr + result.stdout:
        return elapsed, "traceback"
    return elapsed, f"exit {result.returncode}"


def run(cases: list[Case], scale: float, limit: float, timeout: float, root: Path = ROOT) -> list[list[str]]:
    rows = []
    for case in cases:
        n = max(1, round(case.size * scale))
        with tempfile.TemporaryDirectory(prefix=f"tsuzuri-{case.name}-") as tmp:
            folder = project(Path(tmp), case, n, root)
            runs = [("check", [sys.executable, "-m", "tsuzuri", "check", "-q", "posts"])]
            if case.build:
                runs.append(("mkdocs build", [sys.executable, "-m", "mkdocs", "build", "-q"]))
            for what, argv in runs:
                seconds, outcome = timed(argv, folder, timeout, root)
                ok = seconds <= limit and outcome not in ("timeout", "traceback")
                rows.append([case.name, f"{n:,}", what, f"{seconds:.2f} s", outcome, "PASS" if ok else "FAIL"])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size (default 1)")
    parser.add_argument("--limit", type=float, default=20.0, help="seconds a run may take (default 20)")
    parser.add_argument("--timeout", type=float, default=300.0, help="kill a run after this many seconds")
    parser.add_argument("--only", nargs="*", choices=[c.name for c in CASES], help="run only these cases")
    parser.add_argument("--root", type=Path, default=ROOT, help="the tsuzuri checkout to measure (default: this one)")
    args = parser.parse_args(argv)
    cases = [c for c in CASES if not args.only or c.name in args.only]
    rows = run(cases, args.scale, args.limit, args.timeout, args.root.resolve())
    print("| case | size | command | time | outcome | limit |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0 if all(row[-1] == "PASS" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
