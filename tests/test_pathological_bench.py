"""A smoke run of bench/pathological_bench.py on tiny sizes (no timing asserts)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_pathological_bench_runs_every_case():
    result = subprocess.run([sys.executable, "bench/pathological_bench.py", "--scale", "0.002", "--limit", "600"],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0] == "| case | size | command | time | outcome | limit |"
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
    assert [r[0] for r in rows] == ["brackets", "unclosed-links", "unclosed-tags", "shared-ending",
                                    "shared-beginning-cuts", "nested-list", "many-tags", "many-tags"]
    assert [r[2] for r in rows][-2:] == ["check", "mkdocs build"]
    for row in rows:
        assert re.fullmatch(r"\d+\.\d\d s", row[3]) and row[4].startswith("exit ") and row[5] == "PASS", row
