"""The benchmark's synthetic posts, a smoke run of ``bench/build_bench.py`` (no timing asserts), and
the two sites of ``bench/jekyll_pair.py``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import benchgen
from tsuzuri import site
from tsuzuri.config import SiteConfig
from tsuzuri.diagnostics import NOTE

ROOT = Path(__file__).resolve().parents[1]


def test_posts_are_deterministic_and_look_like_the_seeds():
    assert benchgen.post_text(42) == benchgen.post_text(42)
    assert benchgen.post_text(42) != benchgen.post_text(42, seed=8)
    texts = [benchgen.post_text(i)[1] for i in range(200)]
    fragmented = sum("---END---" in t for t in texts)
    assert 40 <= fragmented <= 80                                       # ~30%
    for text in texts:
        head, body = text.split("\n---\n", 1)
        assert re.search(r"^date: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000$", head, re.M)
        assert '"最新ニュース", "技術動向"' in head and "categories: [" in head
        assert 3000 <= len(body.split("\n\n---END---")[0]) or "---END---" in body
        assert len(body) <= 16000
    assert any("ホンハイ" in t for t in texts) and any("Foxconn" in t for t in texts)


def test_generated_posts_build_cleanly(tmp_path):
    benchgen.generate(tmp_path / "posts", 40)
    built = site.load(tmp_path, SiteConfig())
    assert len(built.posts) == 40
    assert [d for d in built.diagnostics if d.severity > NOTE] == []    # --strict passes
    assert sum(p.clean_report.fragments > 1 for p in built.posts) >= 6
    assert not any("---END---" in p.content for p in built.posts)
    # edits keep the front matter (category, tags), change the title and the body
    name, edited = benchgen.post_text(3, edit=2)
    assert name == benchgen.post_name(3) and "（改訂2）" in edited
    assert edited.split("title:")[0] == benchgen.post_text(3)[1].split("title:")[0]


def test_bench_smoke_run():
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    result = subprocess.run([sys.executable, "bench/build_bench.py", "--quick"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("| posts | cold build | search (cold) | +1 post |")
    row = next(line for line in lines if line.startswith("| 20 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert len(cells) == 14 and all(cells)
    timed = [cells[i] for i in (1, 2, 3, 5, 6, 7, 8, 9, 10, 11)]         # builds, search and serve: measured
    assert all(re.fullmatch(r"\d+\.\d\d s", c) for c in timed), row
    assert re.fullmatch(r"\d+ MB \+ \d+ MB", cells[12]), row           # mkdocs + its largest child


def test_search_indexing_is_timed_apart(tmp_path):
    """The build indexes search in a process of its own (Indexer); the bench times it apart."""
    import build_bench

    project = build_bench.Project(tmp_path / "p", 5)
    stats = project.build(cold=True)
    assert stats["search_s"] is not None and 0 < stats["search_s"] < stats["wall_s"]


def test_jekyll_pair_setup_writes_the_same_posts_to_both_sides(tmp_path):
    import jekyll_pair

    tsuzuri_dir, jekyll_dir = jekyll_pair.setup(tmp_path / "out", 5)
    ours = sorted(p.name for p in (tsuzuri_dir / "posts").glob("*.md"))
    theirs = sorted(p.name for p in (jekyll_dir / "_posts").glob("*.md"))
    assert len(ours) == 5 and ours == theirs
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d-bench-\d{5}\.md", name) for name in theirs)  # Jekyll's names
    assert all((jekyll_dir / "_posts" / n).read_bytes() == (tsuzuri_dir / "posts" / n).read_bytes() for n in ours)
    assert "input: GFM" in (jekyll_dir / "_config.yml").read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("jekyll") is None, reason="jekyll is not on PATH (Debian: apt-get install jekyll)")
def test_jekyll_pair_cold_jekyll_builds_the_posts_at_tsuzuris_urls(tmp_path):
    import jekyll_pair

    jekyll_pair.setup(tmp_path / "out", 5)
    (tmp_path / "out" / "jekyll" / "_site").mkdir()              # a stale site: removed first
    result = subprocess.run([sys.executable, "bench/jekyll_pair.py", "cold-jekyll", str(tmp_path / "out")],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    site_dir = tmp_path / "out" / "jekyll" / "_site"
    assert jekyll_pair.post_urls(site_dir) == {benchgen.post_url(i) for i in range(5)}
    assert (site_dir / "feed.xml").is_file() and (site_dir / "search" / "index.html").is_file()
