"""tsuzuri.titles.resolve: broken titles repaired, the body kept from repeating the title."""

from __future__ import annotations

from pathlib import Path

import pytest

from tsuzuri import titles
from tsuzuri.config import SiteConfig
from tsuzuri.diagnostics import NOTE, WARNING
from tsuzuri.site import load

CONFIG = SiteConfig(posts_dir="posts")

SEED004_TITLE = "# OpenAIとFoxconnが手を組む真意\ufffd"
SEED004_HEADING = "## OpenAIとFoxconnが手を組む真意：AIハードウェアの地政学が変革するのか？"
SEED004_FULL = "OpenAIとFoxconnが手を組む真意：AIハードウェアの地政学が変革するのか？"
SEED004_PARA = "あなたも感じているかもしれませんが、最近のAI業界の動きは本当に目まぐるしいですよね。"


def write(root: Path, name: str, text: str) -> Path:
    path = root / "posts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- repairs of the title itself

@pytest.mark.parametrize("raw, fixed", [
    ("# Title", "Title"),
    ("## 見出しのタイトル", "見出しのタイトル"),
    ("**Title**", "Title"),
    ("__Title__", "Title"),
    ("# **太字の見出し**", "太字の見出し"),
    ("タイトル\ufffd", "タイトル"),
    ("途中で切れた\ufffd\ufffd", "途中で切れた"),
    ("  余白  ", "余白"),
])
def test_broken_titles_are_repaired(raw, fixed):
    title, body, notes = titles.resolve(raw, "本文です。\n")
    assert title == fixed
    assert body == "本文です。\n"
    if raw.strip() != fixed:
        assert any("repaired" in n for n in notes)


def test_a_good_title_is_untouched():
    title, body, notes = titles.resolve("C# と F# の比較", "本文です。\n")
    assert (title, body, notes) == ("C# と F# の比較", "本文です。\n", [])


def test_title_is_completed_from_a_longer_first_heading_seed_004():
    body = f"{SEED004_HEADING}\n\n{SEED004_PARA}\n"
    title, new_body, notes = titles.resolve(SEED004_TITLE, body)
    assert title == SEED004_FULL
    assert new_body == f"{SEED004_PARA}\n"
    assert any("completed" in n for n in notes)
    assert any("removed" in n for n in notes)


def test_title_is_completed_from_a_longer_first_line_seed_001():
    t = "日本、国産AIに本腰を入れる？ その真意と、私たちが注視すべきポイントと？"
    line = "日本、国産AIに本腰を入れる？ その真意と、私たちが注視すべきポイントとは"
    title, body, _ = titles.resolve(t, f"\n{line}\n\nおや、ついに日本政府も本気を出してきたか。\n")
    assert title == line
    assert body == "\nおや、ついに日本政府も本気を出してきたか。\n"


@pytest.mark.parametrize("first", ["Same Title", "## Same Title", "**Same Title**", "  Same  Title  ", "# Same Title\ufffd"])
def test_exact_repeat_of_the_title_is_removed(first):
    title, body, notes = titles.resolve("Same Title", f"{first}\n\nThe body.\n")
    assert title == "Same Title"
    assert body == "The body.\n"
    assert notes == ["removed the body's first line, which repeats the title"]


def test_repeat_is_removed_after_leading_blank_lines_and_with_crlf():
    title, body, _ = titles.resolve("タイトル", "\r\n\r\nタイトル\r\n\r\n本文\r\n")
    assert title == "タイトル"
    assert body == "\r\n\r\n本文\r\n"


@pytest.mark.parametrize("first", [
    # two sentences: the title words only start a paragraph
    "Vimの使い方について、これから長い説明を書きます。まず最初にインストールの方法から始めて、次に設定ファイルの書き方を説明します。",
    # much longer than any title could be
    "Vimの使い方" + "、そして設定の工夫と日々の運用の知恵" * 12,
])
def test_a_paragraph_that_starts_with_the_title_words_is_not_removed(first):
    body = f"{first}\n\n次の段落。\n"
    title, new_body, notes = titles.resolve("Vimの使い方", body)
    assert title == "Vimの使い方"
    assert new_body == body
    assert notes == []


@pytest.mark.parametrize("first", ["- Same Title", "> Same Title", "| Same Title |", "```Same Title"])
def test_list_quote_table_and_code_lines_are_not_title_lines(first):
    body = f"{first}\n\nbody\n"
    assert titles.resolve("Same Title", body) == ("Same Title", body, [])


@pytest.mark.parametrize("title, first", [
    ("Release notes", "Release notes for version 2.0 follow below. We fixed many bugs and added a few features."),
    ("最近追加された機能", "最近追加された機能について説明します。"),
    ("Hash", "Hashes are nice"),
], ids=["english-prose", "vim-jp-sentence", "word-prefix"])
def test_a_sentence_that_starts_with_the_title_is_not_taken_as_the_title(title, first):
    body = f"{first}\n\nMore.\n"
    assert titles.resolve(title, body) == (title, body, [])


# ---------------------------------------------------------------- no title

def test_no_title_takes_the_first_heading():
    title, body, notes = titles.resolve("", "\n## 見出しがタイトル\n\n本文。\n")
    assert title == "見出しがタイトル"
    assert body == "\n本文。\n"
    assert any("first heading" in n for n in notes)


def test_no_title_and_no_heading_leaves_it_to_the_caller():
    assert titles.resolve("", "ただの段落。\n") == ("", "ただの段落。\n", [])
    assert titles.resolve("", "") == ("", "", [])


def test_title_with_empty_body():
    assert titles.resolve("**T**", "") == ("T", "", ["title '**T**' repaired to 'T'"])


# ---------------------------------------------------------------- through the site

def test_seed_004_through_the_site(tmp_path):
    write(tmp_path, "2025-11-23-openai-foxconn-ai-hardware.md",
          f'---\nlayout: post\ntitle: "{SEED004_TITLE}"\ndate: 2025-11-23 12:54:57 +0000\n---\n\n'
          f"{SEED004_HEADING}\n\n{SEED004_PARA}\n")
    site = load(tmp_path, CONFIG)
    [post] = site.posts
    assert post.title == SEED004_FULL
    assert "<h2" not in post.html
    assert SEED004_PARA in post.html
    assert post.url == "2025/11/23/openai-foxconn-ai-hardware/"
    notes = [d for d in site.diagnostics if d.severity == NOTE]
    # the repair names the title's line; the rest name the body's first line, which was used
    assert notes and all(d.line == (3 if "repaired to" in d.message else post.body_line) for d in notes)
    assert any("repaired to" in d.message for d in notes)
    assert not site.diagnostics.has_warnings and not site.diagnostics.has_errors


def test_no_title_no_heading_uses_the_slug_with_a_warning(tmp_path):
    write(tmp_path, "2025-01-02-untitled-post.md", "---\ndate: 2025-01-02\n---\n\nただの段落。\n")
    site = load(tmp_path, CONFIG)
    [post] = site.posts
    assert post.title == "untitled-post"
    assert "ただの段落。" in post.html
    warnings = [d for d in site.diagnostics if d.severity == WARNING]
    assert [(d.file, d.line) for d in warnings] == [("posts/2025-01-02-untitled-post.md", 1)]
    assert "no title" in warnings[0].message


def test_no_title_but_a_heading_through_the_site(tmp_path):
    write(tmp_path, "2025-01-02-x.md", "---\ndate: 2025-01-02\n---\n\n# 見出し\n\n本文。\n")
    site = load(tmp_path, CONFIG)
    [post] = site.posts
    assert post.title == "見出し"
    assert "<h1" not in post.html
    assert not site.diagnostics.has_warnings
