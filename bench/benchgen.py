"""Deterministic synthetic posts for the build benchmark (``bench/build_bench.py``).

Japanese articles of 3,000-12,000 characters with front matter like the seed posts (title,
``+0000`` date, categories, tags incl. 最新ニュース and 技術動向 on every post), entity
mentions under several aliases (鴻海/ホンハイ/Foxconn...), headings and lists; 30% of them
are ``---END---`` drafts that cut mid-sentence and restart a paragraph or two back, as the
real language-model drafts do. Same seed, same files, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

ENTITIES = ["鴻海", "ホンハイ", "Foxconn", "Hon Hai", "ソフトバンクグループ", "ソフトバンク", "SoftBank",
            "ラピダス", "Rapidus", "OpenAI", "オープンAI", "NVIDIA", "エヌビディア", "経済産業省", "経産省",
            "シャープ", "トヨタ", "Preferred Networks", "さくらインターネット", "孫正義", "サム・アルトマン",
            "TSMC", "マイクロソフト", "Google", "アマゾン", "KDDI", "ファナック", "三菱電機", "GENIAC"]
TOPICS = ["半導体", "データセンター", "国産AI", "基盤モデル", "電力供給", "人材育成", "サプライチェーン",
          "AIサーバー", "先端パッケージ", "生成AI", "ロボティクス", "クラウド基盤", "量子計算", "GPU調達",
          "2ナノ世代", "補助金制度", "経済安全保障", "エッジAI", "推論コスト", "液冷技術"]
VERBS = ["の重要性が一段と高まっています", "への投資が加速している点は見逃せません",
         "を巡る議論が各国で続いているのが現状です", "の課題が改めて浮き彫りになったと言えるでしょう",
         "が市場の注目を集めているのは当然の流れです", "について慎重な見極めが求められます",
         "の行方が今後の業績を左右しそうです", "に関する発表が相次いでいます",
         "をどう評価するかで投資判断は大きく変わります", "の動きは中長期で見る必要があります"]
OPENERS = ["正直なところ、", "実際、", "一方で、", "さらに言えば、", "ここで注目したいのは、", "結局のところ、",
           "個人的には、", "市場関係者の間では、", "とはいえ、", "言い換えれば、"]
CLOSERS = ["みなさんはどう考えますか？", "ここは冷静に見ておきたいところです。", "目が離せません。",
           "引き続き追いかけていきます。"]
TAGS = ["AI", "投資", "半導体", "OpenAI", "チップ", "データセンター", "基盤モデル", "鴻海", "ラピダス",
        "政策", "電力", "ロボット", "クラウド", "GPU"]
AUTHORS = ["ALLFORCES編集部", "ALLFORCES編集部", "ALLFORCES編集部", "TaTsu", "浅島亮子"]
START = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.timezone.utc)


def sentence(rng: random.Random, serial: str) -> str:
    """One sentence; ``serial`` makes it unique, so repeats only come from the fragments."""
    who, what = rng.choice(ENTITIES), rng.choice(TOPICS)
    figure = f"{rng.randint(1, 99)}.{rng.randint(0, 9)}%"
    lead = rng.choice(OPENERS) if rng.random() < 0.35 else ""
    return f"{lead}{who}の{what}{rng.choice(VERBS)}（{serial}、前年比{figure}）。"


def article(rng: random.Random, chars: int, post: int) -> str:
    """Markdown of about ``chars`` characters: headings, paragraphs, now and then a list."""
    blocks: list[str] = []
    size, n = 0, 0
    while size < chars:
        if n % 4 == 0:
            blocks.append(f"## {rng.choice(ENTITIES)}と{rng.choice(TOPICS)}の行方（{post}-{n // 4 + 1}）")
        if n % 7 == 5:
            blocks.append("\n".join(f"- **{rng.choice(TOPICS)}**: {sentence(rng, f'{post}-{n}-{i}')}"
                                    for i in range(rng.randint(2, 4))))
        else:
            sents = [sentence(rng, f"{post}-{n}-{i}") for i in range(rng.randint(3, 6))]
            if rng.random() < 0.2:
                sents.append(rng.choice(CLOSERS))
            blocks.append("".join(sents))
        size += len(blocks[-1])
        n += 1
    return "\n\n".join(blocks)


def fragmented(rng: random.Random, text: str) -> str:
    """Cut ``text`` mid-sentence into 2-4 pieces; each next piece restarts a paragraph or two back."""
    paras = text.split("\n\n")
    cuts = sorted(rng.sample(range(2, len(paras) - 1), min(rng.randint(1, 3), max(0, len(paras) - 3))))
    pieces, start = [], 0
    for cut in cuts:
        head = paras[cut]
        if head.startswith(("## ", "- ")):
            cut += 1
            head = paras[cut] if cut < len(paras) else ""
        if cut <= start or not head or head.startswith(("## ", "- ")):
            continue
        stop = head.find("。", len(head) // 3)
        if stop < 0:
            continue
        partial = head[: max(stop - 6, 4)]  # mid-sentence, as a draft cut off by a length limit
        pieces.append("\n\n".join(paras[start:cut] + [partial]))
        start = max(start + 1, cut - rng.randint(0, 2))  # restart at the cut paragraph or one or two back
    pieces.append("\n\n".join(paras[start:]))
    return "\n\n---END---\n\n".join(pieces)


def post_date(i: int, seed: int = 7) -> dt.datetime:
    """Three posts a day going back from START; negative ``i``: newer posts, for adding."""
    return START - dt.timedelta(hours=8 * i, minutes=random.Random(f"{seed}-{i}").randint(0, 400))


def post_url(i: int, seed: int = 7, tz: str = "Asia/Tokyo") -> str:
    """Site-relative URL of post ``i`` under the default permalink (dates in the site timezone)."""
    from zoneinfo import ZoneInfo
    name = post_name(i, seed)
    return f"{post_date(i, seed).astimezone(ZoneInfo(tz)):%Y/%m/%d}/{name[11:-3]}/"


def post_name(i: int, seed: int = 7) -> str:
    slug = f"bench-{i:05d}" if i >= 0 else f"new-{-i:03d}"
    return f"{post_date(i, seed):%Y-%m-%d}-{slug}.md"


def post_text(i: int, seed: int = 7, edit: int = 0) -> tuple[str, str]:
    """(file name, file text) of synthetic post ``i``; ``edit`` > 0 gives an edited version."""
    rng = random.Random(f"{seed}-{i}")
    date = START - dt.timedelta(hours=8 * i, minutes=rng.randint(0, 400))
    chars = rng.randint(3000, 12000)
    body = article(rng, chars, i)
    if rng.random() < 0.3:
        body = fragmented(rng, body)
    a, b = rng.sample(ENTITIES, 2)
    title = f"{a}と{b}、{rng.choice(TOPICS)}で新局面へ——第{i}回分析"
    if edit:
        title = f"{title}（改訂{edit}）"
        extra = sentence(random.Random(f"{seed}-{i}-edit-{edit}"), f"edit-{i}-{edit}")  # front matter stays
        body += f"\n\n追記（改訂{edit}）：{extra}"
    tags = ["AI", "最新ニュース", "技術動向"] + rng.sample(TAGS[1:], rng.randint(1, 3))
    category = "ニュース" if rng.random() < 0.25 else "投資分析"
    front = (f'---\nlayout: post\ntitle: "{title}"\ndate: {date:%Y-%m-%d %H:%M:%S} +0000\n'
             f'categories: ["{category}"]\ntags: [{", ".join(f"{t!r}".replace(chr(39), chr(34)) for t in tags)}]\n'
             f'author: "{rng.choice(AUTHORS)}"\nexcerpt: "{a}と{b}の動きについて詳細に分析します。"\n'
             f'reading_time: {max(1, chars // 500)}\n---\n\n')
    return post_name(i, seed), front + body + "\n"


def generate(posts_dir: Path, n: int, seed: int = 7, first: int = 0) -> int:
    """Write posts ``first`` .. ``first + n - 1``; return the bytes written."""
    posts_dir.mkdir(parents=True, exist_ok=True)
    total = 0
    for i in range(first, first + n):
        name, text = post_text(i, seed)
        data = text.encode("utf-8")
        (posts_dir / name).write_bytes(data)
        total += len(data)
    return total
