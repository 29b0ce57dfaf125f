"""Tags and categories as terms: spellings that differ only by width, case or spacing are one.

``AI``, ``ＡＩ`` and ``ai`` are one tag, shown in its most common spelling, with one page.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from .posts import Post
from .urls import bounded, slugify

# A term's folder beside the taxonomy's own files (tags/index.html): a slug that looks like a
# file name ("index.html", "feed.xml") would collide with one, or read as a file to a server.
_FILE_LIKE = re.compile(r"\.(html?|xml|gz|txt|json)$", re.IGNORECASE)


def term_slug(name: str) -> str:
    """A safe folder name for a term: never a dot-segment (slugify strips those) or a file-like
    name, and at most 255 bytes percent-encoded (longer: a prefix plus a hash)."""
    slug = slugify(name)
    if _FILE_LIKE.search(slug):
        slug = slug[: slug.rindex(".")] + "-" + slug[slug.rindex(".") + 1:]
    return bounded(slug)


def term_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


@dataclass
class Term:
    key: str
    name: str                  # the most common spelling
    url: str                   # "tags/ai/"
    posts: list[Post] = field(default_factory=list)  # newest first, as given


def build(posts: list[Post], kind: str, attr: str) -> dict[str, Term]:
    """Terms of ``post.<attr>`` (tags or categories) keyed by term_key; rewrites each post's
    list to the canonical spellings, without duplicates. ``kind`` is the URL prefix."""
    spellings: dict[str, Counter] = {}
    for post in posts:
        for name in getattr(post, attr):
            spellings.setdefault(term_key(name), Counter())[name] += 1
    terms: dict[str, Term] = {}
    used: set[str] = set()
    for key in sorted(spellings):
        name = min(spellings[key].items(), key=lambda kv: (-kv[1], kv[0]))[0]
        slug = base = term_slug(name)
        n = 1
        while slug in used:  # "C#" and "C" slugify alike: keep both pages
            n += 1
            slug = bounded(f"{base}-{n}")
        used.add(slug)
        terms[key] = Term(key, name, f"{kind}/{slug}/")
    for post in posts:
        canonical = []
        for name in getattr(post, attr):
            term = terms[term_key(name)]
            if term.name not in canonical:
                canonical.append(term.name)
                term.posts.append(post)
        setattr(post, attr, canonical)
    return terms


def by_name(terms: dict[str, Term]) -> dict[str, Term]:
    return {t.name: t for t in terms.values()}
