"""The words of the search index: what a text holds, as the browser cuts a query the same way.

No dictionary: a dictionary segmenter (Pagefind's, SudachiPy) and the browser's
``Intl.Segmenter`` split compounds differently, so a query would miss the page that holds it.
Instead every run of Japanese word characters is indexed as its overlapping character pairs and
its characters (データ -> デー ータ デ ー タ); a query of several characters must hold every pair
of itself (docs/assets/search.js asks every other one, which implies the rest), one character is
that character. Pairs are near-exact for Japanese: a post holding デー, タセ, ンタ and ター
almost always says データセンター; the browser checks it in the post's text before it shows it.

Latin words and numbers are whole words, lowercased. A decimal point or thousands separator
between digits keeps a number one word (2.5 -> 2ꓸ5, Lisu letters that look alike: never 25).
Joined words make amounts, names with versions and compounds exact in the index itself:
- a Latin word or number right before a Japanese run pairs with its first character
  (AI人材 -> ai人, 2.5兆円 -> 2ꓸ5兆: 2.55兆円 does not hold 2.5兆円's words), and one right
  after a run with its last (音声AI -> 声ai: not every post with 音声 and AI somewhere);
- a Latin word then a number, apart or hyphenated, is also one word (Llama 4, GPT-4o -> llama4,
  gpt4o), as the text may write it (Llama4);
- a number with a percent sign is also the number with a letter for the sign (2.4% -> 2ꓸ4ꓺ),
  so 2.4% is not found in 2.4倍.

Keep in sync with docs/assets/search.js (``terms``, the same character classes and rules).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from operator import add

# The CJK characters the site searches: symbols and punctuation, kana, kanji, compatibility
# kanji. Of them, word characters (kana with ー, kanji with 々〆〇: str.isalnum) make runs; the
# others (、。「」・) separate words.
CJK_RANGES = [(0x3000, 0x303F), (0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)]


def _runs(ranges, keep) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in ranges:
        for c in range(lo, hi + 1):
            if keep(chr(c)):
                if out and out[-1][1] == c - 1:
                    out[-1] = (out[-1][0], c)
                else:
                    out.append((c, c))
    return out


RUN_RANGES = _runs(CJK_RANGES, str.isalnum)
_RUN = "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in RUN_RANGES)
# Full-width ASCII -> ASCII (then lowercased), the ideographic space -> space.
_WIDE = re.compile("[\uff01-\uff5e\u3000]+")
_NARROW = {c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {0x3000: " "}
_HALF_KANA = re.compile("[\uff61-\uff9f]+")
POINT, COMMA, PERCENT = "\ua4f8", "\ua4f9", "\ua4fa"   # ꓸ ꓹ ꓺ: letters, so inside a word
_NUMBER_SEP = re.compile(r"(?<=[0-9])([.,])(?=[0-9])")
_SEP = {".": POINT, ",": COMMA}

_RUN_RE = re.compile(f"[{_RUN}]+")
_WORD_CHAR = f"[^\\W_{_RUN}]"      # a letter or digit that is not Japanese (one class: fast to scan)
_WORD_RE = re.compile(f"{_WORD_CHAR}+")
_AFTER_WORD = f"(?<!{_WORD_CHAR})"   # at the start of a word (after a space, 、, or Japanese)
_LEAD_RE = re.compile(f"{_AFTER_WORD}({_WORD_CHAR}+)[ \\t]*([{_RUN}])")
_TRAIL_RE = re.compile(f"([{_RUN}])[ \\t]*({_WORD_CHAR}+)")
_JOIN_RE = re.compile(f"{_AFTER_WORD}([a-z][a-z0-9]*)(?:[ \\t]+-?|-)[ \\t]*([0-9]{_WORD_CHAR}*)")
_PERCENT_RE = re.compile("(?<![0-9a-z\ua4f8\ua4f9])([0-9][0-9\ua4f8\ua4f9]*)[ \\t]*%")


def fold(text: str) -> str:
    """Widths folded (half-width kana composed, full-width ASCII narrowed), lowercased, decimal
    points and separators between digits as letters. Keeps every other character in place."""
    if _HALF_KANA.search(text):   # rare: ｱｯﾌﾟﾙ -> アップル (voiced marks need composing)
        text = _HALF_KANA.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = _WIDE.sub(lambda m: m.group().translate(_NARROW), text).lower()
    if "." in text or "," in text:
        text = _NUMBER_SEP.sub(lambda m: _SEP[m.group(1)], text)
    return text


def counts(text: str) -> Counter:
    """Every index word of ``text`` with how often it stands there (a Japanese character alone
    counts 1: it only finds). The pairs are counted at C speed from the runs joined by a
    separator, then the separator's own pairs are taken out."""
    text = fold(text)
    runs = _RUN_RE.findall(text)
    joined = "\0".join(runs)
    c = Counter(map(add, joined, joined[1:]))
    if runs:
        for ch in {r[-1] for r in runs}:
            c.pop(ch + "\0", None)
        for ch in {r[0] for r in runs}:
            c.pop("\0" + ch, None)
        chars = set(joined)
        chars.discard("\0")
        dict.update(c, dict.fromkeys(chars, 1))
    c.update(_WORD_RE.findall(text))
    for rx in (_LEAD_RE, _TRAIL_RE, _JOIN_RE):
        if found := rx.findall(text):
            c.update(map(add, *zip(*found)))
    if "%" in text:
        c.update(n + PERCENT for n in _PERCENT_RE.findall(text))
    return c
