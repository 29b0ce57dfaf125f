"""Implicit fragment boundaries: where a ``---END---`` marker stood before it was deleted by hand.

A post whose markers were stripped still carries the model's continuation fragments. Two
signals find where one fragment ended and the next began:

- a cut: a paragraph (or list, quote) whose last sentence has no ending, and either the next
  few blocks restate earlier content (the restart), or the cut sentence is written out in full
  elsewhere in the post (its completion);
- a re-emitted run: blocks in a row that mostly repeat earlier blocks, in their order, or one
  block restating several earlier blocks in their order (a run whose line breaks were lost).

``find`` returns the blocks after which a boundary stands; fragments.clean cleans the post as if
a marker stood there. A post with neither signal has none: its repetition (a closing line, a
call to action, a summary restating a key sentence) is the author's and stays.
"""

from __future__ import annotations

import bisect
import re

from tsuzuri.fragments import LONG, SHORT, Block, _Seen, _segments, is_complete

CUT_MIN = 12    # a shorter unterminated piece (a list label, a short item) is not called a cut
WINDOW = 3      # how many blocks after a cut may restate earlier content
RUN = 3         # this many blocks in a row repeating earlier ones in their order re-emit a run
MERGED = 3      # a block restating this many earlier blocks, in order, re-emits them merged
_CONTENT = ("para", "list", "quote", "heading", "table")
# a line that ends without punctuation by nature: a heading written without its space, a bold label
# (or a setext heading's underline)
_LABEL_RE = re.compile(r"^[ \t]*(?:#|(?:\*\*|__)[^*_\n]+(?:\*\*|__)[ \t]*[:：]?[ \t]*$|(?:-+|=+)[ \t]*$)")
_FOOTNOTE_RE = re.compile(r"(?:\[\^[^\]\s]+\])+\s*$")    # a sentence's footnote references after its ending
# a line ending in a URL, a tag or a Liquid tag: no sentence to end
_URL_END_RE = re.compile(r"(?:https?|ftp)://\S+$|<[^<>]*>$|\{%[^%]*%\}$|\{\{[^}]*\}\}$")


def find(blocks: list[Block]) -> list[int]:
    """Indexes of the blocks after which an implicit fragment boundary stands (ascending)."""
    content = [i for i, b in enumerate(blocks) if b.kind in _CONTENT]
    segs = {i: _segments(blocks[i]) for i in content}
    everything = sorted({k for i in content for *_, k in segs[i]})
    seen = _Seen()
    source: dict[int, int] = {}    # repeating block -> the earlier block it mostly repeats
    earlier: dict[int, bool] = {}  # block -> it restates a long sentence written before it
    opens: dict[int, bool] = {}    # block -> its first sentence was written before
    merged: set[int] = set()       # blocks restating several earlier blocks in their order
    for i in content:
        ks = [k for *_, k in segs[i]]
        # (a block of one unterminated piece, cut again at once, may begin an earlier sentence)
        cut_again = len(ks) == 1 and (blocks[i].kind == "heading" or blocks[i].kind == "para"
                                      and not is_complete(blocks[i].text))
        firsts = [seen.covered(k, cut=cut_again) for k in ks]
        long_firsts = [f for k, f in zip(ks, firsts) if f is not None and len(k) >= LONG]
        earlier[i] = bool(long_firsts)
        opens[i] = bool(firsts) and firsts[0] is not None
        repeated = sum(len(k) for k, f in zip(ks, firsts) if f is not None)
        whole = ks and None not in firsts and (blocks[i].kind == "heading" or repeated >= SHORT)
        if whole or long_firsts and 2 * repeated >= sum(map(len, ks)):  # mostly a repeat
            known = [f for f in firsts if f is not None]
            source[i] = max(set(known), key=lambda f: (known.count(f), -f))
            if len(set(long_firsts)) >= MERGED and long_firsts == sorted(long_firsts):
                merged.add(i)
        for k in ks:
            seen.add(k, i)
    found: set[int] = set()
    for pos, i in enumerate(content):
        tail = _cut_tail(blocks[i], segs[i], first=pos == 0)
        nxt = blocks[content[pos + 1]] if pos + 1 < len(content) else None
        if tail is None or blocks[i].kind == "para" and nxt is not None and nxt.kind in ("list", "table") \
                and nxt.start <= blocks[i].end + 1 and content[pos + 1] not in source:
            continue  # not cut, or a paragraph introducing the (new) list or table right under it
        after = content[pos + 1:pos + 1 + WINDOW]
        # the next one begins the cut piece again or repeats earlier text: the model restarted
        again = bool(after) and any(k != tail and k.startswith(tail) for *_, k in segs[after[0]][:1])
        restart = again or bool(after) and opens[after[0]]
        restated = restart or any(j in source or earlier[j] for j in after)
        completed = _completed_elsewhere(tail, everything)
        if blocks[i].kind == "heading":  # no ending to miss: only the heading again, in full, right after it
            cut = bool(after) and blocks[after[0]].kind == "heading" and any(
                k != tail and k.startswith(tail) for *_, k in segs[after[0]])
        elif blocks[i].kind != "para":  # people end items without punctuation: only the item again tells,
            cut = again or bool(after) and opens[after[0]] and blocks[after[0]].kind == blocks[i].kind and any(
                k != tail and k.startswith(tail) for *_, k in segs[after[0]])  # or the list again in full
        elif len(tail) < CUT_MIN:       # a short piece (例えば、): only a restart right after it tells
            cut = restart
        else:
            cut = restated or completed
        if cut:
            found.add(i)
    stretch = chain = 0  # where the current run of repeats starts; how many of it are in order
    for pos, i in enumerate(content):
        if i not in source:
            stretch = chain = 0
            continue
        if not chain:
            stretch = pos
        chain = chain + 1 if chain and source[content[pos - 1]] < source[i] else 1
        at = stretch if chain >= RUN else pos if i in merged else 0  # a run in its order; one block restating several
        # the boundary stands before the heading the repeats follow (a heading before a marker is read as cut short)
        while at > 1 and blocks[content[at - 1]].kind == "heading":
            at -= 1
        if at > 0 and blocks[content[at - 1]].kind != "heading":
            found.add(content[at - 1])
    return sorted(found)


def _cut_tail(block: Block, segs, first: bool) -> str | None:
    """The key of the block's last sentence when it may be cut off (no ending), else None.

    A paragraph's complete sentence followed by an unterminated one is a cut however short;
    another short unterminated piece (alone, ending a list) may be a label, and the body's
    first line is the title."""
    if block.kind not in ("para", "list", "quote", "heading") or not segs:
        return None
    a, b, k = segs[-1]
    if block.kind == "heading":
        return None if first else k
    last = block.text[a:b]
    if "[^" in last:  # (the regex would try every position of every block's last sentence)
        last = _FOOTNOTE_RE.sub("", last)
    if not last.strip() or is_complete(last) or _LABEL_RE.match(block.lines[-1]) or _URL_END_RE.search(last):
        return None
    if first and len(segs) == 1:
        return None  # the title line
    if len(k) < CUT_MIN and (block.kind != "para" or len(segs) == 1
                             or not is_complete(block.text[segs[-2][0]:segs[-2][1]])):
        return None  # (a list's last item without an ending is often a short label)
    return k


def _completed_elsewhere(tail: str, ordered: list[str]) -> bool:
    """Whether a longer sentence of the post begins with tail (ordered: the post's sentence keys)."""
    n = bisect.bisect_right(ordered, tail)
    return n < len(ordered) and ordered[n].startswith(tail)
