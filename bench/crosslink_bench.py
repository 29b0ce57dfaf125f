"""Cross-linking speed: mention finding + related posts over N posts of ~20 KB, R entities.

    python bench/crosslink_bench.py [--posts 2000] [--entities 500] [--kb 20] [--runs 3]

Posts are rendered-HTML paragraphs of Japanese filler with entity aliases (kanji, katakana and
Latin spellings); each post is about 8-24 draws from a Zipf-like distribution over the registry, and tags from a pool where two tags are on
every post, as in the real blog. Deterministic (seeded). Prints medians.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tsuzuri import related  # noqa: E402
from tsuzuri.entities import Entity, Registry, find  # noqa: E402
from tsuzuri.posts import Post  # noqa: E402

KATA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
KANJI = "日本電気製鉄通信産業精密工業化学重工銀行証券商事自動車半導体機械"
FILLER = ["市場は大きく動いた。", "同社は新たな投資計画を発表した。", "専門家は慎重な見方を示している。",
          "今後の動向が注目される。", "背景には供給網の再編がある。", "政府も支援策を検討している。"]


def make_registry(n: int, rnd: random.Random) -> Registry:
    reg = Registry()
    for i in range(n):
        kata = "".join(rnd.choice(KATA) for _ in range(rnd.randint(3, 6))) + str(i)
        kanji = "".join(rnd.choice(KANJI) for _ in range(rnd.randint(2, 4))) + KANJI[i % len(KANJI)] + str(i)
        latin = "Corp" + "".join(rnd.choice("abcdefghij") for _ in range(5)) + str(i)
        reg.entities[f"e{i}"] = Entity(f"e{i}", kanji, "company", [kanji, kata, latin])
    return reg


def make_posts(n: int, kb: int, reg: Registry, rnd: random.Random) -> list[Post]:
    entities = list(reg.entities.values())
    weights = [1 / (i + 1) for i in range(len(entities))]
    tags = [f"タグ{i}" for i in range(60)]
    posts = []
    for i in range(n):
        focus = rnd.choices(entities, weights, k=rnd.randint(8, 24))  # what the post is about
        paras, size = [], 0
        while size < kb * 1024:
            sentences = [rnd.choice(FILLER) for _ in range(4)]
            for _ in range(2):
                e = rnd.choice(focus)
                sentences.insert(rnd.randrange(len(sentences)), f"{rnd.choice(e.aliases)}は")
            para = "<p>" + "".join(sentences) + "</p>\n"
            paras.append(para)
            size += len(para.encode())
        post = Post(path=Path(f"{i}.md"), source=f"posts/{i}.md", rel=f"{i}.md", title=f"記事{i}",
                    date=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(hours=7 * i),
                    slug=str(i), categories=["投資分析"], tags=["最新ニュース", "技術動向", *rnd.sample(tags, 3)],
                    author="", excerpt="", published=True, permalink=None, data={}, body="", body_line=1,
                    url=f"p/{i}/", dest_uri=f"p/{i}/index.html")
        post.html = "".join(paras)
        posts.append(post)
    return posts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=2000)
    ap.add_argument("--entities", type=int, default=500)
    ap.add_argument("--kb", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    rnd = random.Random(7)
    reg = make_registry(args.entities, rnd)
    posts = make_posts(args.posts, args.kb, reg, rnd)
    mb = sum(len(p.html.encode()) for p in posts) / 1e6
    find_times, related_times, cpu = [], [], []
    for _ in range(args.runs):
        reg._automaton = None  # include building the automaton
        c0, t0 = time.process_time(), time.perf_counter()
        for p in posts:
            found = find(p.html, reg, p.dest_uri)
            p.mentions = found.counts
        t1 = time.perf_counter()
        related.compute(posts)
        t2, c2 = time.perf_counter(), time.process_time()
        cpu.append(c2 - c0)
        find_times.append(t1 - t0)
        related_times.append(t2 - t1)
    mentions = sum(sum(p.mentions.values()) for p in posts)
    f, r = statistics.median(find_times), statistics.median(related_times)
    print(f"{args.posts} posts, {mb:.1f} MB of HTML, {args.entities} entities, {mentions} mentions")
    print(f"mention finding: {f:.2f} s   related posts: {r:.2f} s   together: {f + r:.2f} s "
          f"(median of {args.runs}; CPU {statistics.median(cpu):.2f} s)")


if __name__ == "__main__":
    main()
