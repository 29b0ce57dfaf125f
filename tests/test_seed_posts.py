"""The site's first content: the five seeds as posts, and what rendering derives from them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tsuzuri.config import SiteConfig
from tsuzuri.frontmatter import split
from tsuzuri.render import reading_minutes, summarize
from tsuzuri.site import load

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "tests" / "fixtures" / "raw"
SEEDS = ROOT.parent / "shared" / "seeds"
MANIFEST = yaml.safe_load((RAW / "boilerplate.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("raw_name", sorted(MANIFEST))
def test_raw_article_became_a_post_without_boilerplate(raw_name):
    entry = MANIFEST[raw_name]
    parts = split((ROOT / entry["post"]).read_text(encoding="utf-8"))
    body_lines = {line.strip().lstrip("#").strip() for line in parts.body.splitlines()}
    removed = {r.strip() for r in entry["removed"]}
    for bad in removed:
        assert bad not in body_lines, f"boilerplate left in {entry['post']}: {bad!r}"
    for line in (RAW / raw_name).read_text(encoding="utf-8").splitlines():
        if line.strip() and line.strip() not in removed:
            assert line.strip() in body_lines, f"article text lost from {entry['post']}: {line.strip()[:40]!r}"
    for key in ("title", "date", "categories", "tags", "source"):
        assert parts.data.get(key), f"{entry['post']} lacks {key}"


@pytest.mark.parametrize("seed,post", [
    ("001_13e70518fac151a0.txt", "2025-09-18-japan-domestic-ai-push.md"),
    ("002_60ffa3b070a1ee58.txt", "2025-11-22-hon-hai-openai-ai-infrastructure.md"),
    ("004_61ba8d08e11bf2f4.txt", "2025-11-23-openai-foxconn-ai-hardware.md"),
])
def test_posts_with_front_matter_are_the_seeds_byte_for_byte(seed, post):
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds not present")
    assert (ROOT / "posts" / post).read_bytes() == (SEEDS / seed).read_bytes()


def test_raw_fixtures_are_the_seeds():
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds not present")
    for raw in RAW.glob("*.txt"):
        assert raw.read_bytes() == (SEEDS / raw.name).read_bytes()


def test_seed_site_loads_clean():
    site = load(ROOT, SiteConfig())
    assert len(site.posts) == 5
    assert [d for d in site.diagnostics if d.severity > 1] == []
    assert site.clean_summary().startswith("2 of 5 posts cleaned")


def test_reading_time_japanese_and_latin():
    assert reading_minutes("あ" * 4000) == 8          # Material says 1 minute for this
    assert reading_minutes("word " * 400) == 2
    assert reading_minutes("あ" * 500 + " word" * 200) == 2
    assert reading_minutes("") == 1
    # the seeds' hard-coded reading_time: 8 is not used
    site = load(ROOT, SiteConfig())
    minutes = {p.slug: p.reading_time for p in site.posts}
    assert minutes["japan-domestic-ai-push"] != 8 and minutes["japan-domestic-ai-push"] > minutes["openai-foxconn-ai-hardware"]


def test_summary_cuts_at_a_sentence_end():
    text = "最初の文はここで終わります。二番目の文はもっと長く続いていき、制限を超えてしまうほどの長さがあります。"
    assert summarize(text, 30) == "最初の文はここで終わります。"
    assert summarize("短い文。", 30) == "短い文。"
    assert summarize("句点のないとても長い文章" * 5, 20).endswith("…")
