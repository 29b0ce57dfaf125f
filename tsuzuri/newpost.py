"""``python -m tsuzuri new "タイトル"``: start a post with correct front matter.

Slug: the title's ASCII words ("OpenAIとFoxconnが手を組む" -> "openai-foxconn"). Japanese has no
spelling-free transliteration and romaji slugs are long and unreadable in URLs, so a title
with fewer than two ASCII words gets a stable hash instead: its words (if any) plus eight
hex digits of the title's SHA-1 ("ai-1f3a9c2e", "post-1f3a9c2e"). ``--slug`` sets it by hand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .config import SiteConfig

MAX_SLUG = 60


class NewPostError(ValueError):
    """The post cannot be created; the message says why and what to do."""


@dataclass
class NewPost:
    path: Path
    slug: str
    hashed: bool          # the slug came from a hash, not from words of the title


def slug_for(title: str) -> tuple[str, bool]:
    """(slug, whether it is hash-based) for a title."""
    words = re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKC", title).lower())
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > MAX_SLUG:
            break
        slug = f"{slug}-{word}" if slug else word
    if len(words) >= 2:
        return slug, False
    digest = hashlib.sha1(title.strip().encode("utf-8")).hexdigest()[:8]
    return f"{slug or 'post'}-{digest}", True


def check_slug(slug: str) -> str:
    slug = slug.strip().lower()
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
        raise NewPostError(f"slug {slug!r} must be lowercase ASCII words joined by '-', like 'japan-ai-push'")
    return slug


def split_list(value: str | None) -> list[str]:
    """"AI, 半導体、投資" -> ["AI", "半導体", "投資"] (commas of either width, duplicates dropped)."""
    items = [i.strip() for i in re.split(r"[,、，]", value or "")]
    return list(dict.fromkeys(i for i in items if i))


def front_matter(title: str, date: dt.datetime, categories: list[str], tags: list[str], author: str) -> str:
    """YAML front matter; strings are written as JSON, which is valid YAML and escapes everything."""
    def q(value) -> str:
        return json.dumps(value, ensure_ascii=False)
    lines = ["---", "layout: post", f"title: {q(title)}", f"date: {date:%Y-%m-%d %H:%M:%S %z}",
             f"categories: {q(categories)}", f"tags: {q(tags)}"]
    if author:
        lines.append(f"author: {q(author)}")
    lines += ["# excerpt: \"一覧と検索結果に出す要約（省略すると本文の冒頭）\"", "---", "", ""]
    return "\n".join(lines)


def create(root: Path, config: SiteConfig, title: str, *, tags: str | None = None, category: str | None = None,
           slug: str | None = None, author: str | None = None, now: dt.datetime | None = None) -> NewPost:
    """Write ``<posts>/YYYY-MM-DD-<slug>.md``; never overwrites (NewPostError instead)."""
    title = " ".join(title.split())
    if not title:
        raise NewPostError("the title is empty; write it in quotes: python -m tsuzuri new \"タイトル\"")
    when = (now or dt.datetime.now(config.tz)).astimezone(config.tz).replace(microsecond=0)
    if slug:
        slug, hashed = check_slug(slug), False
    else:
        slug, hashed = slug_for(title)
    posts_dir = root / config.posts_dir
    name = f"{when:%Y-%m-%d}-{slug}"
    taken = sorted(p for p in posts_dir.rglob(f"{name}.*") if p.suffix.lower() in config.extensions) \
        if posts_dir.is_dir() else []
    if taken:
        raise NewPostError(f"{taken[0].relative_to(root).as_posix()} already exists; "
                           "edit it, or pass --slug other-words for a new post")
    if author is None:
        author = str(config.extra.get("author") or "")
    text = front_matter(title, when, split_list(category), split_list(tags), author)
    path = posts_dir / f"{name}.md"
    posts_dir.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as f:  # "x": fail rather than overwrite
            f.write(text)
    except FileExistsError:
        raise NewPostError(f"{path.relative_to(root).as_posix()} already exists; "
                           "edit it, or pass --slug other-words for a new post") from None
    return NewPost(path, slug, hashed)
