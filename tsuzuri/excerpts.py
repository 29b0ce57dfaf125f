"""Excerpts: the summary lists, meta descriptions and feeds show for a post.

The blog's generated posts carry template excerpts ("<topic>について詳細に分析します。" on
1,933 of 1,997 posts) that say nothing about the article. Such an excerpt, or a missing one,
is replaced by the opening of the cleaned body, cut at a sentence end.

Two checks, because one post can be looked at alone (``check posts/x.md``):
- per post: the excerpt ends in a known template phrase (TEMPLATE_SUFFIXES);
- per site: the excerpt is a short topic followed by a phrase that many posts' excerpts end
  with (shared_templates) — catches the next template phrase nobody has listed yet.
"""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from typing import Iterable

from .render import summarize

TEMPLATE_SUFFIXES = ("について詳細に分析します。",)

MIN_SUFFIX = 8          # characters: shorter shared endings ("しました。") are ordinary Japanese
MIN_SHARED = 3          # posts that must share an ending for it to count as a template ...
MIN_SHARE = 0.05        # ... and this fraction of the posts that have an excerpt
MAX_TOPIC = 40          # a template's varying part is a short topic, not a sentence
_SENTENCE_END = re.compile(r"[。！？!?]")
CHUNK = 2048            # characters of HTML parsed at a time by lead()


def is_template(excerpt: str, shared: Iterable[str] = ()) -> bool:
    """Whether the excerpt is a topic plus a template phrase (listed or shared by many posts)."""
    text = _norm(excerpt)
    for suffix in (*TEMPLATE_SUFFIXES, *shared):
        if text.endswith(suffix):
            topic = text[: len(text) - len(suffix)]
            if len(topic) <= MAX_TOPIC and not _SENTENCE_END.search(topic):
                return True
    return False


def shared_templates(excerpts: list[str]) -> list[str]:
    """Endings (at least MIN_SUFFIX characters) that enough excerpts share to be a template."""
    texts = [_norm(e) for e in excerpts if e and e.strip()]
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update({text[i:] for i in range(0, len(text) - MIN_SUFFIX + 1)})
    need = max(MIN_SHARED, MIN_SHARE * len(texts))
    common = {s for s, n in counts.items() if n >= need}
    # Grow each ending while every post that has it shares the longer one too ("細に分析します。"
    # -> "について詳細に分析します。"), then drop endings that a shorter kept one already covers.
    grown = {s for s in common if not any(t in common and counts[t] == counts[s]
                                          for t in _one_longer(s, texts))}
    return sorted(s for s in grown if not any(o != s and s.endswith(o) for o in grown))


def _one_longer(suffix: str, texts: list[str]) -> set[str]:
    return {t[-len(suffix) - 1:] for t in texts if len(t) > len(suffix) and t.endswith(suffix)}


def summary(excerpt: str, html: str, limit: int, shared: Iterable[str] = ()) -> str:
    """The editor's excerpt, or, when it is missing or a template, the body's opening."""
    if excerpt.strip() and not is_template(excerpt, shared):
        return excerpt.strip()
    return summarize(lead(html, limit), limit)


def lead(html: str, limit: int) -> str:
    """Text of the body's first paragraphs (not headings, code or tables), about ``limit`` long."""
    parser = _Paragraphs(limit * 2)
    for start in range(0, len(html), CHUNK):  # stop early: a post's HTML is ~30 KB, the lead ~1 KB
        parser.feed(html[start:start + CHUNK])
        if parser.full:
            break
    parser.close()
    return " ".join(parser.paragraphs)


class _Paragraphs(HTMLParser):
    def __init__(self, enough: int):
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._enough, self._depth, self._buf = enough, 0, []

    @property
    def full(self) -> bool:
        return sum(map(len, self.paragraphs)) >= self._enough

    def handle_starttag(self, tag, attrs):
        if tag in ("p", "li"):
            self._depth += 1

    def handle_endtag(self, tag):
        if tag in ("p", "li") and self._depth:
            self._depth -= 1
            if not self._depth:
                text = re.sub(r"\s+", " ", "".join(self._buf)).strip()
                self._buf = []
                if text and sum(map(len, self.paragraphs)) < self._enough:
                    self.paragraphs.append(text)

    def handle_data(self, data):
        if self._depth:
            self._buf.append(data)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def review(posts: list, limit: int, shared: list[str] | None = None) -> list[str]:
    """Site-wide pass: replace template excerpts (listed or shared) and note each replacement.
    Returns the shared endings (``shared``: the ones of the whole site, when reviewing a few posts)."""
    if shared is None:
        shared = shared_templates([p.excerpt for p in posts])
    for post in posts:
        if post.excerpt and is_template(post.excerpt, shared):
            if post.summary == post.excerpt.strip():  # not yet replaced by summary()
                post.summary = summary("", post.html, limit)
            post.diagnostics.note(post.source, None,
                                  f"excerpt {post.excerpt!r} is a template phrase; lists, feeds and "
                                  "search engines show the opening of the body instead",
                                  "write an excerpt that says what the article finds")
    return shared
