"""Benchmark: what publishing adds to a build of N posts — excerpts, feeds, sitemap, <head> data.

Generates deterministic posts shaped like the real blog (template excerpts on ~97% of them,
~6 tags each from a vocabulary of a few hundred, 5 categories, ~30 KB bodies), loads them
with the engine once (not timed: that is the rest of the build), then times, one core:
  - excerpts.review (template detection over all excerpts),
  - outputs.files (every feed, sitemap.xml(.gz), robots.txt),
  - outputs.head for every page,
and prints the bytes published, with what full-content tag feeds would have cost.

    python bench/publish_bench.py [--posts 2000] [--kb 30] [--runs 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from clean_bench import article  # noqa: E402

from tsuzuri import excerpts, feeds, outputs, pages  # noqa: E402
from tsuzuri.config import SiteConfig  # noqa: E402
from tsuzuri.publish import Identity  # noqa: E402
from tsuzuri.site import load  # noqa: E402

CATEGORIES = ["投資分析", "ニュース", "技術動向", "企業分析", "政策"]
TAG_WORDS = ["AI", "半導体", "データセンター", "OpenAI", "NVIDIA", "鴻海", "ラピダス", "電力", "投資", "国産AI",
             "GPU", "TSMC", "ソフトバンク", "基盤モデル", "ロボット", "クラウド", "量子", "EV", "電池", "5G"]


def generate(folder: Path, n: int, kb: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    vocab = TAG_WORDS + [f"{a}{b}" for a in TAG_WORDS for b in ("市場", "規制", "提携")][:280]
    for i in range(n):
        tags = rng.sample(vocab[:40], 3) + rng.sample(vocab, 3)
        topic = f"{rng.choice(TAG_WORDS)}と{rng.choice(TAG_WORDS)}の{rng.choice(['提携', '投資', '動向'])}{i}"
        excerpt = f"{topic}について詳細に分析します。" if rng.random() < 0.97 else f"{topic}の要点。市場への影響を読む。"
        day = f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}"
        (folder / f"{day}-bench-{i}.md").write_text(
            f'---\ntitle: "ベンチマーク記事 {i}"\ndate: {day} {i % 24:02d}:00:00 +0900\n'
            f'categories: ["{rng.choice(CATEGORIES)}"]\ntags: {tags!r}\nauthor: "ALLFORCES編集部"\n'
            f'excerpt: "{excerpt}"\n---\n\n{article(rng, kb * 1024)}\n'.replace("'", '"'), encoding="utf-8")


def timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=2000)
    ap.add_argument("--kb", type=int, default=30)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "posts").mkdir()
        generate(root / "posts", args.posts, args.kb)
        config = SiteConfig(url="https://blog.example.jp/", title="ALLFORCES", extra={"image": "assets/og.jpg"})
        start = time.perf_counter()
        site = load(root, config)
        loaded = time.perf_counter() - start
    specs = pages.build(site)
    identity = Identity.from_config(config, "投資とテクノロジーの最新動向を分析するブログ")
    plan = outputs.plan(site, specs, identity)
    def review():
        for p in site.posts:  # as prepare() leaves them for review: the excerpt as the summary
            p.summary = p.excerpt
        excerpts.review(site.posts, config.excerpt_chars)
    t_review, _ = timed(review, args.runs)
    replaced = sum(1 for p in site.posts if p.summary != p.excerpt)
    t_files, files = timed(lambda: outputs.files(plan, ["about/"]), args.runs)
    t_head, _ = timed(lambda: [outputs.head(plan, url=s.url, title=s.title, post=s.post) for s in specs], args.runs)
    tag_feeds = [f for f in plan.feeds if not f.full]
    tag_bytes = sum(len(files[f.path]) for f in tag_feeds)
    one = tag_feeds[0]
    full_one = len(feeds.atom(one.posts, identity=identity, title=one.title, feed_url="u", page_url="u",
                              content=lambda p: feeds.entry_html(p, identity)))
    per_tag_full = full_one / max(1, len(files[one.path]))
    print(f"{len(site.posts)} posts of ~{args.kb} KB loaded in {loaded:.1f} s (not part of what is timed)")
    print(f"excerpts.review: {t_review * 1000:.0f} ms; {replaced} of {len(site.posts)} template excerpts replaced")
    print(f"outputs.files: {t_files:.2f} s for {len(plan.feeds)} feeds ({len(tag_feeds)} tag feeds) + sitemap; "
          f"{sum(map(len, files.values())) / 1e6:.1f} MB published "
          f"(site feed {len(files['feed.xml']) / 1e3:.0f} KB, tag feeds {tag_bytes / 1e6:.1f} MB, "
          f"sitemap {len(files['sitemap.xml']) / 1e3:.0f} KB with {files['sitemap.xml'].count(b'<url>')} URLs)")
    print(f"full-content tag feeds would be ~{tag_bytes * per_tag_full / 1e6:.0f} MB "
          f"({per_tag_full:.0f}x the summary feeds)")
    print(f"outputs.head for {len(specs)} pages: {t_head:.2f} s; medians of {args.runs} runs")


if __name__ == "__main__":
    main()
