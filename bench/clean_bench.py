"""Benchmark: `python -m tsuzuri clean --out` over N synthetic fragmented posts.

Generates deterministic Japanese posts (front matter like the seeds, ~40 KB each with ~5
``---END---`` fragments that cut mid-sentence and restart earlier), then times one
`clean --out` process (one core) over all of them, several runs, and prints the median.

    python bench/clean_bench.py [--posts 2000] [--kb 40] [--runs 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS = ["半導体", "データセンター", "国産AI", "投資家", "ラピダス", "鴻海", "経済産業省", "基盤モデル",
         "電力供給", "人材育成", "サプライチェーン", "OpenAI", "NVIDIA", "ソフトバンク"]
PHRASES = ["の重要性が一段と高まっています", "への投資が加速している点は見逃せません",
           "を巡る議論が各国で続いているのが現状です", "の課題が改めて浮き彫りになったと言えるでしょう",
           "が市場の注目を集めているのは当然の流れです", "について慎重な見極めが求められます"]


def article(rng: random.Random, target: int) -> str:
    blocks, size, n = [], 0, 0
    while size < target:
        if n % 5 == 0:
            blocks.append(f"### {rng.choice(WORDS)}と{rng.choice(WORDS)}の行方（第{n}節）")
        sents = [f"{rng.choice(WORDS)}{rng.choice(PHRASES)}（観点{n}-{i}）。" for i in range(rng.randint(2, 5))]
        blocks.append("".join(sents))
        size += sum(len(b.encode()) for b in blocks[-2:])
        n += 1
    return "\n\n".join(blocks)


def fragmented(rng: random.Random, text: str, markers: int) -> str:
    pieces, pos = [], 0
    for k in range(markers):
        lo = pos + (len(text) - pos) // (markers - k + 1) // 2
        cut = rng.randint(lo, pos + (len(text) - pos) // (markers - k + 1))
        while text[cut] in "。\n#" or text[cut - 1] in "。\n":
            cut += 1
        pieces.append(text[pos:cut])
        back = text.rfind("\n\n", 0, text.rfind("\n\n", 0, cut))  # restart a paragraph or two back
        pos = max(0, back + 2 if back >= 0 else 0)
    pieces.append(text[pos:])
    return "\n\n---END---\n\n".join(pieces) + "\n"


def generate(folder: Path, posts: int, kb: int, seed: int = 1) -> int:
    rng, total = random.Random(seed), 0
    for i in range(posts):
        body = fragmented(rng, article(rng, int(kb * 1024 * 1.5)), 5)  # ~kb KB with the repeats
        day = 1 + i % 28
        text = (f'---\nlayout: post\ntitle: "ベンチマーク記事 {i}"\ndate: 2025-{1 + i % 12:02d}-{day:02d} 04:37:41 +0000\n'
                f'categories: ["投資分析"]\ntags: ["AI", "最新ニュース"]\nauthor: "ALLFORCES編集部"\n---\n\n{body}')
        (folder / f"2025-{1 + i % 12:02d}-{day:02d}-bench-{i}.md").write_text(text, encoding="utf-8")
        total += len(text.encode())
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=2000)
    ap.add_argument("--kb", type=int, default=40)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "posts", Path(tmp) / "out"
        src.mkdir()
        size = generate(src, args.posts, args.kb)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "tsuzuri", "clean", "--out", str(out), str(src)],
                           cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
        cleaned = sum(f.stat().st_size for f in out.iterdir())
        med = statistics.median(times)
        print(f"clean --out: {args.posts} posts, {size / 1e6:.1f} MB in, {cleaned / 1e6:.1f} MB out; "
              f"median {med:.2f} s over {args.runs} runs ({size / 1e6 / med:.1f} MB/s, one core); "
              f"runs: {', '.join(f'{t:.2f}' for t in times)}")


if __name__ == "__main__":
    main()
