"""``entities suggest``: proper nouns the posts use that the registry does not know yet.

Japanese text goes through SudachiPy (core dictionary, longest split mode): proper nouns
(consecutive person-name parts joined, 高市 + 早苗 = 高市早苗) and out-of-vocabulary katakana
words, which are mostly new company and product names (ラピダス). Latin text gives runs of
capitalised words (Preferred Networks). Everything the registry already matches is masked out
first, so only unknown names remain. Place names are left out: they are rarely entities here.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from .entities import Registry, fold, matches

_LATIN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Za-z0-9]*(?:[-&.][A-Za-z0-9]+)*"
                       r"(?: (?:[A-Z][A-Za-z0-9]*(?:[-&.][A-Za-z0-9]+)*|of|and|&))*(?<! of)(?<! and)")
_KATAKANA_RE = re.compile(r"^[\u30a0-\u30ffー・]{3,}$")
MASK = "〓"
# Capitalised words that are not names: generic acronyms and English function words.
STOP = {"AI", "API", "CEO", "CFO", "COO", "CTO", "CPU", "GPU", "NPU", "TPU", "HBM", "DRAM", "IT", "PC", "OS",
        "LLM", "IoT", "DX", "EV", "GDP", "IPO", "SNS", "URL", "HTML", "PDF", "SaaS", "The", "A", "An", "In",
        "On", "For", "And", "Of", "To", "It", "This", "We", "Q", "AGI", "VR", "AR", "ESG", "GX"}
KINDS = {"人名": "人名", "組織": "組織", "一般": "固有名詞"}


@dataclass
class Suggestion:
    term: str
    kind: str
    count: int
    posts: int
    example: str = ""   # the first post (source path) that uses it


def suggest(texts: list[tuple[str, str]], registry: Registry, min_count: int = 2) -> list[Suggestion]:
    """(source, plain text) pairs -> unknown proper nouns, most frequent first."""
    from sudachipy import Dictionary, SplitMode

    tokenizer = Dictionary(dict="core").tokenizer()
    counts: Counter = Counter()
    kinds: dict[str, str] = {}
    where: dict[str, dict] = defaultdict(dict)  # term -> its posts, in reading order
    known = {fold(a) for e in registry.entities.values() for a in e.aliases}
    for source, text in texts:
        for term, kind in _terms(_mask(text, registry), tokenizer, SplitMode.C):
            if fold(term) in known or term in STOP or len(term) < 2:
                continue
            counts[term] += 1
            kinds.setdefault(term, kind)
            where[term].setdefault(source, None)
    found = [Suggestion(t, kinds[t], n, len(where[t]), next(iter(where[t]))) for t, n in counts.items()
             if n >= min_count]
    return sorted(found, key=lambda s: (-s.count, -s.posts, s.term))


def _mask(text: str, registry: Registry) -> str:
    """The text with every registry match blotted out (matching runs on escaped HTML text)."""
    escaped = html.escape(text, quote=False)
    spans = [(s, e) for s, e, _ in matches(escaped, registry)]
    if not spans:
        return text
    out, last = [], 0
    for s, e in spans:
        out += [escaped[last:s], MASK]
        last = e
    out.append(escaped[last:])
    return html.unescape("".join(out))


def _terms(text: str, tokenizer, mode):
    for m in _LATIN_RE.finditer(text):
        yield m.group(0), "英字"
    for line in text.splitlines():  # Sudachi limits one input to ~49 KB
        if not line.strip():
            continue
        run, run_kind = [], None
        for token in tokenizer.tokenize(line[:15000], mode):
            pos = token.part_of_speech()
            surface = token.surface()
            kind = None
            if pos[0] == "名詞" and pos[1] == "固有名詞" and pos[2] in KINDS:
                kind = KINDS[pos[2]]
            elif token.is_oov() and _KATAKANA_RE.match(surface):
                kind = "未知語"
            if kind == "人名" and run_kind == "人名":
                run.append(surface)  # 姓 + 名
                continue
            if run:
                yield "".join(run), run_kind
            run, run_kind = ([surface], kind) if kind and not surface.isascii() else ([], None)
        if run:
            yield "".join(run), run_kind


def format_table(found: list[Suggestion]) -> str:
    lines = ["count  posts  kind      term"]
    lines += [f"{s.count:5d}  {s.posts:5d}  {s.kind:<8}  {s.term}" for s in found]
    return "\n".join(lines)


# What a reviewer keeps a term as: Sudachi's kind -> the registry's type (a guess to confirm).
_TYPES = {"人名": "person", "組織": "organization"}


def _id(term: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", term.lower()).strip("-")
    return slug if term.isascii() and slug else ""


def format_review(found: list[Suggestion], registry: str, posts: int, min_count: int) -> str:
    """A review list in the registry's own format: the editor deletes what is not an entity,
    fills in each kept entry's id and type, merges spellings of one entity into one entry's
    aliases, then moves the entries into the registry (an entry with id "" fails the build, so
    none is moved unreviewed)."""
    q = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731 - a JSON string is a YAML scalar
    lines = [f"# python -m tsuzuri entities suggest: {len(found)} names used in {posts} posts that {registry} "
             f"does not know (each seen {min_count}+ times), most used first.",
             "# Review: delete the entries that are not entities; for each kept one set id (lower-case ASCII) and",
             "# type (company, person, agency, organization, product, place, other), add its other spellings to",
             f"# aliases (or to an existing entity's aliases), then move it into {registry} and run check.", ""]
    for s in found:
        lines += [f"- id: {q(_id(s.term))}   # {s.count} mentions in {s.posts} posts ({s.kind}); first in {s.example}",
                  f"  name: {q(s.term)}",
                  f"  type: {q(_TYPES.get(s.kind, 'other'))}",
                  f"  aliases: [{q(s.term)}]"]
    return "\n".join(lines) + "\n"
