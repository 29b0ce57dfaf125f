"""The editor's report (`python -m tsuzuri report`): real runs on generated fragmented posts,
what each page shows, and the side-by-side alignment as a property."""

from __future__ import annotations

import random
import re
from html import escape
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from test_build import make_project, post, tsuzuri
import benchgen
from tsuzuri import fragments
from tsuzuri.report import align, inline_diff, rows

# A cut sentence completed after the marker, a repeated paragraph, a cut with no continuation.
FRAGMENTED = """# 分析の見出し

最初の段落です。これは長い説明の文で、途中で切

---END---

これは長い説明の文で、途中で切れた文の続きです。次の文。

## 見出し

最初の段落です。

新しい段落です。最後の文は途中で終わ

---END---

まったく別の話題の段落です。
"""


class Page(HTMLParser):
    """The report page as data: side-by-side rows, diagnostics rows, totals."""

    def __init__(self, text: str):
        super().__init__()
        self.rows: list[dict] = []
        self.diags: list[list[str]] = []
        self.links: list[str] = []
        self._table = self._row = None
        self._in_cell = False
        self._stack: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("id")
        elif tag == "tr" and self._table in ("side", "diagnostics"):
            self._row = {"class": a.get("class", ""), "id": a.get("id"), "cells": [], "del": [], "ins": []}
        elif tag == "td" and self._row is not None:
            self._row["cells"].append("")
            self._in_cell = True
        elif tag in ("del", "ins") and self._row is not None:
            self._row[tag].append("")
            self._stack.append(tag)
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "td":
            self._in_cell = False
        elif tag in ("del", "ins") and self._stack:
            self._stack.pop()
        elif tag == "tr" and self._row is not None:
            if self._row["cells"]:  # (not the header)
                    (self.rows if self._table == "side" else self.diags).append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._row is not None and self._in_cell:
            self._row["cells"][-1] += data
            if self._stack:
                self._row[self._stack[-1]][-1] += data


def _report(tmp_path: Path, posts: dict[str, str]) -> tuple[Path, str]:
    project = make_project(tmp_path, posts)
    result = tsuzuri(["report", "--out", str(tmp_path / "report")], project)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return tmp_path / "report", result.stdout


def _page(out: Path, name: str) -> Page:
    index = (out / "index.html").read_text(encoding="utf-8")
    href = re.search(rf'href="(p/[^"]*{re.escape(Path(name).stem)}[^"]*)"', index).group(1)
    return Page((out / href).read_text(encoding="utf-8"))


def test_report_shows_removed_and_stitched_text_and_diagnostics(tmp_path):
    text = post("分析の見出し", "2025-09-18 10:00:00 +0900", FRAGMENTED, image="/assets/images/no-such.png")
    out, stdout = _report(tmp_path, {"2025-09-18-cut.md": text, "2025-09-17-plain.md":
                                     post("普通の記事", "2025-09-17 10:00:00 +0900")})
    assert "2 posts, 1 changed by the cleaner (1 blocks dropped, 1 sentences stitched)" in stdout
    page = _page(out, "2025-09-18-cut.md")
    lines = text.split("\n")
    at = {r["id"]: r for r in page.rows if r["id"]}

    def line_of(s: str) -> str:
        return f"L{next(i for i, x in enumerate(lines, 1) if x == s)}"

    # The cut sentence beside its completed form: the stitched words are marked as added.
    cut = at[line_of("最初の段落です。これは長い説明の文で、途中で切")]
    assert cut["ins"] == ["れた文の続きです。次の文。"] and cut["del"] == []
    assert cut["cells"][3] == "最初の段落です。これは長い説明の文で、途中で切れた文の続きです。次の文。"
    # The continuation, moved into the cut sentence, and the marker are struck out of the source.
    cont = at[line_of("これは長い説明の文で、途中で切れた文の続きです。次の文。")]
    assert "stitched" in cont["class"] and cont["del"] == ["これは長い説明の文で、途中で切れた文の続きです。次の文。"]
    assert "completes the sentence cut off at line" in cont["cells"][1]
    assert at[line_of("---END---")]["del"] == ["---END---"]
    # The repeated paragraph is struck out, with why.
    repeat = at[line_of("最初の段落です。")]
    assert "removed" in repeat["class"] and repeat["del"] == ["最初の段落です。"] and repeat["cells"][3] == ""
    assert "dropped: repeat of line" in repeat["cells"][1]
    # Every diagnostic of the post, with its line: the missing image, the unresolved cut, notes.
    diags = [[c.strip() for c in r["cells"]] for r in page.diags]
    image_line = str(next(i for i, x in enumerate(lines, 1) if x.startswith("image:")))
    assert [image_line, "warning", "image"] == next(d[:3] for d in diags if "no-such.png" in d[3])
    assert any(d[1:3] == ["warning", "cleaner"] and "no continuation" in d[3] for d in diags)
    assert any(d[1:3] == ["note", "cleaner"] and d[3].startswith("dropped line") for d in diags)
    # Diagnostic lines link to the source row.
    assert f"#{line_of('最初の段落です。')}" in page.links


def test_report_on_generated_fragmented_posts(tmp_path):
    """Posts cut mid-sentence as language-model drafts are: totals are the cleaner's, every
    dropped block is shown struck out on its line, every stitch next to its cut sentence."""
    posts, reports = {}, {}
    for i in range(6):
        rng = random.Random(f"report-{i}")
        body = benchgen.fragmented(rng, benchgen.article(rng, 2500, i))
        name = f"2025-10-{i + 1:02d}-gen-{i}.md"
        posts[name] = post(f"生成記事{i}", f"2025-10-{i + 1:02d} 10:00:00 +0900", body)
        head_lines = posts[name].index(body)
        reports[name] = fragments.clean(body, posts[name][:head_lines].count("\n") + 1)[1]
    out, stdout = _report(tmp_path, posts)
    dropped = sum(r.blocks_dropped for r in reports.values())
    stitched = sum(r.sentences_stitched for r in reports.values())
    assert stitched > 0 and dropped > 0
    assert f"({dropped} blocks dropped, {stitched} sentences stitched)" in stdout
    index = (out / "index.html").read_text(encoding="utf-8")
    assert re.search(rf'data-total="dropped">{dropped}<', index)
    assert re.search(rf'data-total="stitched">{stitched}<', index)
    for name, report in reports.items():
        page = _page(out, name)
        at = {r["id"]: r for r in page.rows if r["id"]}
        for c in report.changes:
            row = at[f"L{c.line}"]
            if c.action == "dropped":
                assert "removed" in row["class"] and row["del"], (name, c)
            if c.action == "stitched":  # the continuation is struck out or is itself the kept line
                assert ("stitched" in row["class"] and row["del"]) or row["cells"][3], (name, c)
            if c.action == "stitched":  # the cut it completes is labelled
                cut = int(re.search(r"cut off at line (\d+)", c.detail).group(1))
                assert f"completed at line {c.line}" in at[f"L{cut}"]["cells"][1] or at[f"L{cut}"]["ins"], (name, c)


def test_report_lists_files_that_are_not_published(tmp_path):
    """Nothing is left out: a post that cannot be built still has its row and page."""
    out, _ = _report(tmp_path, {"2025-09-18-ok.md": post("正常", "2025-09-18 10:00:00 +0900"),
                                "2025-09-19-bad.md": "---\ntitle: [壊れた\n---\n本文\n"})
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "posts/2025-09-19-bad.md" in index
    page = _page(out, "2025-09-19-bad.md")
    assert any("error" in [c.strip() for c in r["cells"]] for r in page.diags)


def test_report_shows_a_japanese_url_as_readers_read_it(tmp_path):
    """The post's URL under its title is decoded (the real blog's URLs are Japanese slugs,
    which percent-encoded ran to hundreds of characters off the page)."""
    out, _ = _report(tmp_path, {"2025-09-18-日本語の記事.md": post("日本語", "2025-09-18 10:00:00 +0900")})
    index = (out / "index.html").read_text(encoding="utf-8")
    href = re.search(r'href="(p/[^"]+)"', index).group(1)
    page = (out / href).read_text(encoding="utf-8")
    where = re.search(r'<p class="muted where">(.*?)</p>', page, re.S).group(1)
    assert "/2025/09/18/日本語の記事/" in where and "%E6" not in where


# ------------------------------------------------------------------ alignment, as properties

lines = st.lists(st.sampled_from(["", "a", "b", "c", "---END---", "長い段落。", "x" * 30]), max_size=40)


@settings(max_examples=300, deadline=None)
@given(lines, lines)
def test_align_covers_both_sides_in_order(a, b):
    pairs = align(a, b)
    assert [i for i, _ in pairs if i is not None] == list(range(len(a)))
    assert [j for _, j in pairs if j is not None] == list(range(len(b)))
    assert all(a[i] == b[j] for i, j in pairs if i is not None and j is not None)


@settings(max_examples=300, deadline=None)
@given(lines, st.data())
def test_align_keeps_every_line_of_a_subsequence(a, data):
    """The cleaner's output without stitches is the source minus lines: all of it matches."""
    keep = data.draw(st.lists(st.booleans(), min_size=len(a), max_size=len(a)))
    b = [x for x, k in zip(a, keep) if k]
    assert sum(1 for i, j in align(a, b) if i is not None and j is not None) == len(b)


@settings(max_examples=300, deadline=None)
@given(lines, lines, st.integers(0, 4))
def test_rows_fold_only_unchanged_lines(a, b, context):
    left, right = [], []
    for r in rows(a, b, context):
        if r.op == "fold":
            left += a[r.left:r.left + r.count]
            right += b[r.right:r.right + r.count]
            assert a[r.left:r.left + r.count] == b[r.right:r.right + r.count]
            continue
        if r.left is not None:
            left.append(a[r.left])
        if r.right is not None:
            right.append(b[r.right])
    assert left == a and right == b


@given(st.text(max_size=30), st.text(max_size=30))
def test_inline_diff_splits_without_loss(old, new):
    (p, d, s), (p2, i, s2) = inline_diff(old, new)
    assert p + d + s == old and p2 + i + s2 == new and p == p2 and s == s2



def test_a_trimmed_line_after_dropped_blocks_is_shown_beside_its_source():
    """Blank lines between dropped blocks must not pull the trimmed line away from its source."""
    a = ["前の段落。", "", "繰り返しの段落。", "", "残る文。繰り返しの文。", ""]
    b = ["前の段落。", "", "残る文。", ""]
    ops = [(r.op, r.left, r.right) for r in rows(a, b, context=9)]
    assert ("changed", 4, 2) in ops and ("removed", 2, None) in ops
    assert not any(op == "added" for op, *_ in ops)


def test_hostile_corpus_every_diagnostic_in_the_report(tmp_path):
    """The bad-post corpus: no traceback, and every finding `check` prints is in the report,
    on its file's page (nothing is left out)."""
    from test_bad_posts import write_project

    (tmp_path / "project").mkdir()
    project = write_project(tmp_path / "project")
    check = tsuzuri(["check", "posts/"], project)
    result = tsuzuri(["report", "--out", str(tmp_path / "report")], project)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    found = re.search(r"(\d+) errors, (\d+) warnings, (\d+) notes", check.stdout).groups()
    assert f"{found[0]} errors, {found[1]} warnings, {found[2]} notes" in result.stdout
    index = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    for line in check.stdout.splitlines()[:-1]:
        file = re.match(r"(.+?)(?::\d+)?: (?:error|warning|note): ", line).group(1)
        assert f'data-file="{escape(file)}"' in index, line


def test_kind_is_read_from_the_message_not_from_quoted_post_text():
    from tsuzuri.diagnostics import NOTE, WARNING, Diagnostic
    from tsuzuri.report import kind_of

    assert kind_of(Diagnostic("p.md", 3, NOTE, "title 'Image と link の話�' repaired to 'Image と link の話'")) == "title"
    assert kind_of(Diagnostic("p.md", 3, WARNING, "image '/a.png' does not exist; the post is shown without it")) == "image"
    assert kind_of(Diagnostic("p.md", 9, WARNING, "link '/2025/01/01/x/' does not resolve to a page")) == "link"
    assert kind_of(Diagnostic("p.md", 9, NOTE, "dropped line 9: repeat of line 3")) == "cleaner"
