"""`python -m tsuzuri import-jekyll`: a Jekyll site becomes a tsuzuri project that builds; and
bench/realblog.py, the acceptance run over a whole Jekyll blog."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from test_build import ROOT, mkdocs, parse, tsuzuri
from tsuzuri.jekyll_import import _read_yaml, set_key

sys.path.insert(0, str(ROOT / "bench"))
import realblog  # noqa: E402

CONFIG = """\
title: "テスト・ブログ"
description: テスト用のJekyllサイト
url: "https://example.org"
baseurl: "/blog"
permalink: /:year/:month/:day/:title/
timezone: Asia/Tokyo
paginate: 5
author:
  name: 編集部
twitter:
  username: example_jp
lang: ja-JP
plugins:
  - jekyll-feed
  - jekyll-redirect-from
collections:
  notes:
    output: true
defaults:
  - scope: {path: ""}
    values: {layout: post}
exclude: [Gemfile]
sass:
  style: compressed
kramdown:
  input: GFM
"""


def write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)


def jekyll_site(root: Path) -> Path:
    """A small Jekyll site: config, two posts (one in a subfolder), a draft, an asset, an include."""
    write(root / "_config.yml", CONFIG)
    write(root / "_posts" / "2024-01-02-first-post.md",
          '---\ntitle: "最初の記事"\ndate: 2024-01-02 10:00:00 +0900\n---\n\n本文です。\n\n![図](/blog/assets/images/fig.png)\n')
    write(root / "_posts" / "news" / "2024-01-03-Second_Post.md",
          '---\ntitle: "二つ目の記事"\ndate: 2024-01-02 23:30:00 +0000\n---\n\n二つ目の本文です。\n')
    write(root / "_drafts" / "unfinished.md", "---\ntitle: 下書き\n---\n\nまだ。\n")
    write(root / "assets" / "images" / "fig.png", b"\x89PNG\r\n\x1a\nfake")
    write(root / "assets" / "tsuzuri.css", "body { color: red }\n")   # clashes with tsuzuri's own
    write(root / "_includes" / "ad.html", "<div>ad</div>\n")
    return root


def run_import(site: Path, project: Path, *args: str):
    return tsuzuri(["import-jekyll", str(site), "--into", str(project), *args], project.parent)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and ".cache" not in p.parts and "site" not in p.parts}


@pytest.fixture
def imported(tmp_path: Path):
    site = jekyll_site(tmp_path / "jekyll")
    project = tmp_path / "blog"
    result = run_import(site, project)
    assert result.returncode == 0, result.stdout + result.stderr
    return site, project, result.stdout


def test_config_keys_land_in_mkdocs_yml(imported):
    _, project, _ = imported
    config = _read_yaml((project / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["site_name"] == "テスト・ブログ"
    assert config["site_description"] == "テスト用のJekyllサイト"
    assert config["site_url"] == "https://example.org/blog/"
    assert config["theme"]["language"] == "ja"
    tz = config["extra"]["tsuzuri"]
    assert (tz["permalink"], tz["timezone"], tz["paginate"], tz["author"], tz["twitter"]) == (
        "/:year/:month/:day/:title/", "Asia/Tokyo", 5, "編集部", "@example_jp")
    # the rest of the skeleton's mkdocs.yml is as written, comments included
    text = (project / "mkdocs.yml").read_text(encoding="utf-8")
    assert "# the published address (feeds and canonical URLs use it)" in text
    assert "hooks/tsuzuri_incremental.py   # skips pages whose inputs did not change" in text


def test_files_are_copied_and_tsuzuri_assets_kept(imported):
    site, project, _ = imported
    assert (project / "posts" / "2024-01-02-first-post.md").read_bytes() == (site / "_posts" / "2024-01-02-first-post.md").read_bytes()
    assert (project / "posts" / "news" / "2024-01-03-Second_Post.md").is_file()
    assert (project / "posts" / "_drafts" / "unfinished.md").is_file()
    assert (project / "docs" / "assets" / "images" / "fig.png").is_file()
    assert (project / "includes" / "ad.html").is_file()
    assert (project / "docs" / "assets" / "tsuzuri.css").read_bytes() == (ROOT / "docs" / "assets" / "tsuzuri.css").read_bytes()
    assert (project / "hooks" / "tsuzuri_hooks.py").is_file() and (project / "tsuzuri" / "site.py").is_file()
    assert not any((project / "posts").glob("2025-*"))   # this repo's seed posts are not the blog's


def test_report_names_every_mapping_and_every_key_it_could_not_map(imported):
    _, _, out = imported
    lines = out.splitlines()
    for expected in ("mapped: title → site_name: テスト・ブログ",
                     "mapped: url + baseurl → site_url: https://example.org/blog/",
                     "mapped: twitter.username → extra.tsuzuri.twitter: @example_jp",
                     "mapped: lang → theme.language: ja",
                     "mapped: plugins: jekyll-feed → built in: /feed.xml, plus one per category and tag",
                     "mapped: _posts/ → posts/: 2 files (2 written, 0 already there)",
                     "mapped: _drafts/ → posts/_drafts/ (never built): 1 files (1 written, 0 already there)",
                     "mapped: _includes/ → includes/: 1 files (1 written, 0 already there)"):
        assert expected in lines, out
    for key in ("plugins: jekyll-redirect-from", "collections", "defaults", "exclude", "sass", "kramdown",
                "assets/tsuzuri.css"):
        assert any(line.startswith(f"not mapped: {key} — ") for line in lines), (key, out)
    assert any("{% include %}" in line for line in lines)


def test_the_result_builds_strict_and_serves_jekylls_urls(imported):
    _, project, _ = imported
    result = mkdocs(["build", "--strict"], project)
    assert result.returncode == 0, result.stderr[-3000:]
    site = project / "site"
    # the 23:30 UTC post is on Jan 3 in Tokyo; :title keeps the slug's case (Jekyll's pretty mode)
    assert parse(site / "2024/01/02/first-post/index.html").title == "最初の記事"
    assert parse(site / "2024/01/03/Second_Post/index.html").title == "二つ目の記事"
    assert (site / "assets/images/fig.png").is_file()
    assert not (site / "2099").exists() and "下書き" not in (site / "sitemap.xml").read_text(encoding="utf-8")


def test_a_second_run_changes_nothing(imported):
    site, project, _ = imported
    before = tree(project)
    again = run_import(site, project)
    assert again.returncode == 0, again.stderr
    assert tree(project) == before
    assert "mapped: _posts/ → posts/: 2 files (0 written, 2 already there)" in again.stdout


def test_an_existing_post_is_never_overwritten_without_force(imported):
    site, project, _ = imported
    post = site / "_posts" / "2024-01-02-first-post.md"
    write(post, post.read_text(encoding="utf-8") + "\n追記。\n")
    write(site / "_posts" / "2024-02-01-new.md", "---\ntitle: 新しい記事\n---\n\n本文。\n")
    before = tree(project)
    refused = run_import(site, project)
    assert refused.returncode == 1
    assert "posts/2024-01-02-first-post.md exists with other content" in refused.stderr
    assert "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert tree(project) == before                           # nothing written, not even the new post
    forced = run_import(site, project, "--force")
    assert forced.returncode == 0, forced.stderr
    assert (project / "posts" / "2024-01-02-first-post.md").read_bytes() == post.read_bytes()
    assert (project / "docs" / "assets" / "tsuzuri.css").read_bytes() == (ROOT / "docs" / "assets" / "tsuzuri.css").read_bytes()


def test_into_an_existing_checkout_edits_only_the_known_lines(tmp_path):
    site = jekyll_site(tmp_path / "jekyll")
    project = tmp_path / "checkout"
    for name in ("templates", "docs", "hooks", "tsuzuri"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    original = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    write(project / "mkdocs.yml", original)
    write(project / "posts" / "2023-05-05-mine.md", "---\ntitle: 既存の記事\n---\n\n本文。\n")
    result = run_import(site, project)
    assert result.returncode == 0, result.stderr
    changed = [(a, b) for a, b in zip(original.splitlines(), (project / "mkdocs.yml").read_text(encoding="utf-8").splitlines())
               if a != b]
    assert [a.split(":")[0].strip() for a, _ in changed] == [
        "site_name", "site_description", "site_url", "paginate", "author", "# twitter"]   # language: ja already
    assert (project / "posts" / "2023-05-05-mine.md").is_file()


def test_bad_input_is_a_diagnostic_not_a_traceback(tmp_path):
    write(tmp_path / "j" / "_config.yml", "title: [unclosed\n")
    write(tmp_path / "j" / "_posts" / "2024-01-01-a.md", "---\ntitle: a\n---\nx\n")
    result = run_import(tmp_path / "j", tmp_path / "out")
    assert result.returncode == 2 and "_config.yml:2: not valid YAML" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()
    result = run_import(tmp_path / "nowhere", tmp_path / "out")
    assert result.returncode == 2 and "no such folder" in result.stderr


_KEYS = st.sampled_from([("site_name",), ("site_url",), ("theme", "language"), ("theme", "logo"),
                         ("extra", "tsuzuri", "author"), ("extra", "tsuzuri", "twitter"),
                         ("extra", "tsuzuri", "paginate"), ("extra", "tsuzuri", "new_key")])
_VALUES = st.one_of(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
                    st.integers(0, 10**6))


@settings(max_examples=200, deadline=None)
@given(edits=st.lists(st.tuples(_KEYS, _VALUES), min_size=1, max_size=5))
def test_set_key_sets_the_value_and_keeps_every_other_setting(edits):
    original = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    text = original
    expected = _read_yaml(original)
    for path, value in edits:
        text = set_key(text, path, value)
        node = expected
        for k in path[:-1]:
            node = node.setdefault(k, {})
        node[path[-1]] = value
    assert _read_yaml(text) == expected
    kept = [line for line in original.splitlines() if line.strip().startswith("#") or "# " in line]
    touched = {p[-1] for p, _ in edits}
    for line in kept:   # comments survive, except on the lines of the keys set
        if not any(line.strip().lstrip("# ").startswith(k + ":") for k in touched):
            assert line in text.splitlines()


# ---------------------------------------------------------------- real Jekyll posts

def test_jekylls_own_posts_import_and_build(tmp_path):
    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "jekyll"
    if not (corpus / "docs" / "_posts").is_dir():
        pytest.skip(f"corpus not found at {corpus}")
    project = tmp_path / "blog"
    result = run_import(corpus / "docs", project)
    assert result.returncode == 0, result.stderr
    assert "not mapped: _config.yml — none in the site; Jekyll's defaults are assumed" in result.stdout
    assert "mapped: permalink (absent: Jekyll's default) → extra.tsuzuri.permalink: date" in result.stdout
    sources = sorted(p.name for p in (corpus / "docs" / "_posts").iterdir())
    assert sorted(p.name for p in (project / "posts").iterdir()) == sources
    build = mkdocs(["build"], project)
    assert build.returncode == 0, build.stderr[-3000:]
    assert len(list((project / "site").rglob("*.html"))) > len(sources)


# ---------------------------------------------------------------- bench/realblog.py

def test_jekyll_slugify_matches_jekylls_own_examples():
    s = realblog.jekyll_slugify
    assert s("The _config.yml file?") == "the-config-yml-file"
    assert s("The _config.yml file?", "pretty") == "the-_config.yml-file"
    assert s("The _config.yml file?", "pretty", cased=True) == "The-_config.yml-file"
    assert s("5時〜6時 三・一四") == "5時-6時-三-一四"
    assert s("மல்லிப்பூ வகைகள்", "pretty") == "மல்லிப்பூ-வகைகள்"
    assert s("  Working with drafts   ") == "working-with-drafts"
    assert s("💎") == ""


def test_titles_compare_as_tsuzuri_repairs_them():
    assert realblog._same_title("記事のタイトル", "# 記事のタイトル")
    assert realblog._same_title("記事のタイトル", "記事のタイトル\ufffd")
    assert not realblog._same_title("別の記事", "記事のタイトル")
    assert not realblog._same_title("", "記事のタイトル")


def test_realblog_bench_on_a_tiny_site(tmp_path, capsys):
    site = jekyll_site(tmp_path / "jekyll")
    write(site / "_posts" / "2024-01-04-dup.md", '---\ntitle: "古い方"\ndate: 2024-01-04 09:00:00 +0900\nslug: same\n---\n\n本文。\n')
    write(site / "_posts" / "2024-01-04-dup2.md", '---\ntitle: "新しい方"\ndate: 2024-01-04 10:00:00 +0900\nslug: same\n---\n\n本文。\n')
    write(site / "_posts" / "2024-01-05-include.md", "---\ntitle: 挿入\n---\n\n前。\n\n{% include ad.html %}\n\n後。\n")
    assert realblog.main([str(site), "--json", "--keep", str(tmp_path / "work")]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["posts in the source"] == 5
    # the two posts on one URL: Jekyll serves the later; tsuzuri publishes it or refuses both
    assert figures["posts published (pages)"] + figures["posts with check errors (published all the same unless missing above)"] == 5
    assert figures["URL collisions"] >= 1
    assert figures["pages showing {% include"] == 0   # rendered from includes/
    assert figures["pages showing ---END---"] == figures["pages showing conflict markers"] == 0
    assert figures["search index built (meta, word files, post texts)"] is True
    assert figures["Jekyll URLs (distinct)"] == 4 and figures["Jekyll URLs that exist in site/"] >= 3
    # Jekyll serves the later post at /2024/01/04/same/: a page showing the earlier one does not count
    shared = tmp_path / "work" / "project" / "site" / "2024/01/04/same/index.html"
    wrong = shared.is_file() and parse(shared).title == "古い方"
    assert figures["Jekyll URLs serving that post (title matches)"] == figures["Jekyll URLs that exist in site/"] - wrong
    assert figures["sitemap entries"] > 3
    assert realblog.table(figures).startswith("| figure | value |")


@pytest.mark.skipif(not os.environ.get("TSUZURI_REALBLOG"), reason="set TSUZURI_REALBLOG=/path/to/jekyll/site (slow)")
def test_realblog_acceptance(capsys):
    source = Path(os.environ["TSUZURI_REALBLOG"])
    if not (source / "_posts").is_dir():
        pytest.skip(f"no _posts/ in {source}")
    assert realblog.main([str(source), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["search index built (meta, word files, post texts)"] is True
    assert figures["pages showing ---END---"] == 0 and figures["pages showing conflict markers"] == 0
