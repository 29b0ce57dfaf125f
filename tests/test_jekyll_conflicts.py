"""Jekyll drop-in: a post with git conflict markers is published (as the live site does), with an
error, both sides once and never a marker on the page."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsuzuri.config import SiteConfig
from tsuzuri.diagnostics import ERROR
from tsuzuri.fragments import key, sentence_spans
from tsuzuri.posts import resolve_conflicts
from tsuzuri.site import load

CONFIG = SiteConfig(posts_dir="posts")
REAL = Path("/work/realblog/today/_posts")
MARKER = re.compile(r"^(<{7}|={7}|>{7}|\|{7})", re.MULTILINE)


def write(root: Path, name: str, text: str) -> None:
    (root / "posts").mkdir(exist_ok=True)
    (root / "posts" / name).write_text(text, encoding="utf-8")


def test_body_conflict_is_published_with_both_sides_and_an_error(tmp_path):
    write(tmp_path, "2025-05-03-x.md", "---\ntitle: 衝突\n---\n\n共通の段落です。\n\n<<<<<<< Updated upstream\n"
          "新しい段落です。\n\n共通の結びです。\n=======\n古い段落です。\n\n共通の結びです。\n>>>>>>> Stashed changes\n")
    site = load(tmp_path, CONFIG)
    [post] = site.posts
    for para in ("共通の段落です。", "新しい段落です。", "古い段落です。", "共通の結びです。"):
        assert post.text.count(para) == 1, para       # each piece once: the repeat is dropped
    assert not MARKER.search(post.html) and "Stashed" not in post.html
    [err] = [d for d in site.diagnostics if d.severity == ERROR]
    assert (err.file, err.line) == ("posts/2025-05-03-x.md", 7)
    assert "marker lines 7, 11, 15" in err.message and err.hint


def test_setext_underline_is_not_a_marker(tmp_path):
    write(tmp_path, "2025-05-04-x.md", "---\ntitle: 見出し\n---\n\n大見出し\n=======\n\n本文です。\n")
    site = load(tmp_path, CONFIG)
    assert [d for d in site.diagnostics if d.severity == ERROR] == []
    assert "<h1" in site.posts[0].html


def test_front_matter_conflict_takes_the_last_side(tmp_path):
    write(tmp_path, "2025-05-05-x.md", "---\n<<<<<<< HEAD\ntitle: 古い\ntags: [a]\n=======\ntitle: 新しい\n"
          ">>>>>>> theirs\ndate: 2025-05-05 10:00:00 +0900\n---\n\n本文です。\n")
    site = load(tmp_path, CONFIG)
    [post] = site.posts
    assert (post.title, post.tags, post.url) == ("新しい", [], "2025/05/05/x/")
    [err] = [d for d in site.diagnostics if d.severity == ERROR]
    assert err.line == 2 and "front matter" in err.message and "last side" in err.message


def test_diff3_base_is_a_side_too_and_lines_keep_their_numbers(tmp_path):
    text = ("---\ntitle: t\n---\n\n<<<<<<< ours\n甲です。\n||||||| base\n乙です。\n=======\n丙です。\n>>>>>>> theirs\n"
            "{{ broken\n")
    write(tmp_path, "2025-05-06-x.md", text)
    site = load(tmp_path, CONFIG)
    [post] = site.posts
    assert all(post.text.count(s) == 1 for s in ("甲です。", "乙です。", "丙です。"))
    liquid = [d for d in site.diagnostics if "Liquid" in d.message]
    assert liquid and liquid[0].line == 12        # the line as in the file


def test_unclosed_and_stray_markers(tmp_path):
    write(tmp_path, "2025-05-07-x.md", "---\ntitle: t\n---\n\n本文です。\n>>>>>>> stray\n\n続きです。\n")
    write(tmp_path, "2025-05-08-x.md", "---\ntitle: t\n---\n\n<<<<<<< HEAD\n片方だけです。\n")
    site = load(tmp_path, CONFIG)
    assert len(site.posts) == 2
    assert all(not MARKER.search(p.html) for p in site.posts)
    assert sorted((d.file, d.line) for d in site.diagnostics if d.severity == ERROR) == [
        ("posts/2025-05-07-x.md", 6), ("posts/2025-05-08-x.md", 5)]


_line = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=30).filter(
    lambda s: not MARKER.match(s) and "`" not in s and "~" not in s)


@settings(max_examples=200, deadline=None)
@given(st.lists(_line, max_size=5), st.lists(_line, max_size=5), st.lists(_line, max_size=5),
       st.lists(_line, max_size=5), st.sampled_from(["\n", "\r\n"]))
def test_resolve_keeps_every_line_and_no_marker(before, ours, theirs, after, nl):
    text = nl.join([*before, "<<<<<<< HEAD", *ours, "=======", *theirs, ">>>>>>> b", *after]) + nl
    out, [hunk] = resolve_conflicts(text)
    lines = out.splitlines()
    assert len(lines) == len(text.splitlines())                    # line numbers never move
    assert not any(MARKER.match(x) for x in lines)
    assert [x for x in lines if x and x != "---END---"] == [x for x in [*before, *ours, *theirs, *after] if x]
    assert (hunk.start, hunk.end) == (len(before) + 1, len(before) + len(ours) + len(theirs) + 3)


def test_the_real_blogs_conflicted_posts(tmp_path):
    """The 28 real posts with markers: all published, no marker on a page, no sentence lost."""
    if not REAL.is_dir():
        pytest.skip("the real blog is not on this machine")
    names = subprocess.run(["grep", "-l", "^<<<<<<<", *map(str, sorted(REAL.iterdir()))],
                           capture_output=True, text=True).stdout.split()
    (tmp_path / "posts").mkdir()
    for name in names:
        shutil.copy(name, tmp_path / "posts")
    site = load(tmp_path, CONFIG)
    assert len(site.posts) == len(names) >= 28
    for post in site.posts:
        assert not MARKER.search(post.html) and "---END---" not in post.html, post.source
        out = key(post.content)
        body = "\n".join(x for x in post.body.splitlines()
                         if not MARKER.match(x) and not re.match(r"^\s*(-{3,}|-{3,}\s*END\s*-{3,}|\{%.*%\})\s*$", x))
        sentences = [key(re.sub(r"^(?:[ \t]*(?:#{1,6}|>|[-*+]|\d{1,9}[.)])[ \t]+)+", "", body[a:b]))
                     for a, b in sentence_spans(body)]
        lost = [s for s in sentences if len(s) >= 8 and s not in out
                and not any(t != s and t.startswith(s[:-1]) and t in out for t in sentences)]  # a cut, completed
        assert lost == [], (post.source, lost[:3])
