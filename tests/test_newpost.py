"""`python -m tsuzuri new` and `check`, run as editors run them (subprocess, in a project folder)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from test_build import make_project, mkdocs, tsuzuri
from tsuzuri.config import SiteConfig
from tsuzuri.newpost import slug_for
from tsuzuri.posts import read_post

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def project(tmp_path) -> Path:
    return make_project(tmp_path, {}, author="ALLFORCES編集部")


def test_new_writes_a_post_that_reads_back(project):
    before = dt.datetime.now(TOKYO).replace(microsecond=0)
    result = tsuzuri(["new", "OpenAIとFoxconnが手を組む真意", "--tags", "AI, 半導体、投資", "--category", "投資分析"], project)
    after = dt.datetime.now(TOKYO)
    assert result.returncode == 0, result.stderr
    [path] = (project / "posts").iterdir()
    day = path.name[:10]
    assert day in (f"{before:%Y-%m-%d}", f"{after:%Y-%m-%d}")       # the date in Tokyo, not UTC
    assert path.name == f"{day}-openai-foxconn.md"
    assert f"created posts/{path.name}" in result.stdout
    text = path.read_text(encoding="utf-8")
    assert "\ndate: " in text and text.split("\ndate: ")[1].split("\n")[0].endswith("+0900")
    post, diags = read_post(path, SiteConfig(), project / "posts", project)
    assert [d.format() for d in diags] == []
    assert post.title == "OpenAIとFoxconnが手を組む真意"
    assert before <= post.date <= after and post.date.utcoffset() == dt.timedelta(hours=9)
    assert post.categories == ["投資分析"] and post.tags == ["AI", "半導体", "投資"]
    assert post.author == "ALLFORCES編集部" and post.published
    # the gate and the build accept the new post as it is
    assert tsuzuri(["check", "--strict", "posts"], project).returncode == 0
    assert mkdocs(["build", "--strict"], project).returncode == 0
    assert (project / "site" / post.date.strftime("%Y/%m/%d") / "openai-foxconn" / "index.html").exists()


def test_new_refuses_to_overwrite(project):
    assert tsuzuri(["new", "Rapidus and TSMC"], project).returncode == 0
    [path] = (project / "posts").iterdir()
    path.write_text(path.read_text(encoding="utf-8") + "編集者が書いた本文。\n", encoding="utf-8")
    edited = path.read_bytes()
    again = tsuzuri(["new", "Rapidus and TSMC"], project)
    assert again.returncode == 1
    assert f"posts/{path.name} already exists" in again.stderr and "--slug" in again.stderr
    assert path.read_bytes() == edited and len(list((project / "posts").iterdir())) == 1
    # another spelling of the same file (.markdown) is refused too: it would take the same URL
    other = path.with_name(path.stem + "-2.markdown")
    other.write_text("---\ntitle: x\n---\n", encoding="utf-8")
    assert tsuzuri(["new", "Rapidus and TSMC 2"], project).returncode == 1


def test_new_slugs_for_japanese_titles(project):
    result = tsuzuri(["new", "日本、国産AIに本腰を入れる？"], project)
    assert result.returncode == 0
    slug, hashed = slug_for("日本、国産AIに本腰を入れる？")
    assert hashed and slug.startswith("ai-") and len(slug) == len("ai-") + 8
    assert (project / "posts").glob(f"*-{slug}.md") and "--slug" in result.stdout
    assert slug_for("日本、国産AIに本腰を入れる？") == (slug, True)          # stable
    assert slug_for("国産の基盤モデル")[0].startswith("post-")
    assert slug_for("ＯｐｅｎＡＩ　と　Ｆｏｘｃｏｎｎ") == ("openai-foxconn", False)  # full-width letters
    assert tsuzuri(["new", "国産AI", "--slug", "japan-ai-push"], project).returncode == 0
    assert list((project / "posts").glob("*-japan-ai-push.md"))


@pytest.mark.parametrize("args,message", [
    (["new", "   "], "the title is empty"),
    (["new", "タイトル", "--slug", "日本語"], "slug '日本語' must be lowercase ASCII words"),
    (["new", "タイトル", "--slug", "../escape"], "must be lowercase ASCII words"),
])
def test_new_rejects_bad_input_with_a_message(project, args, message):
    result = tsuzuri(args, project)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert not (project / "posts").exists() or not list((project / "posts").iterdir())


def test_check_reports_template_excerpts_and_bad_dates(project):
    posts = project / "posts"
    posts.mkdir()
    (posts / "2025-01-01-a.md").write_text(
        "---\ntitle: A\nexcerpt: \"半導体の動向について詳細に分析します。\"\nlast_modified_at: 2025-13-01\n---\n\n"
        "最初の文です。二番目の文です。\n", encoding="utf-8")
    result = tsuzuri(["check", "posts"], project)
    lines = result.stdout.splitlines()
    assert result.returncode == 0                                  # notes and warnings pass the non-strict gate
    assert any(line.startswith("posts/2025-01-01-a.md: note: excerpt '半導体の動向について詳細に分析します。' "
                               "is a template phrase") for line in lines)
    assert any(line.startswith("posts/2025-01-01-a.md: warning: last_modified_at") for line in lines)
    assert lines[-1] == "check: 1 posts built; 0 errors, 1 warnings, 1 notes"
    assert tsuzuri(["check", "--strict", "posts"], project).returncode == 1
