"""The engine over real Jekyll posts (../shared/corpora): nothing lost, nothing crashes, Jekyll's rules hold."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tsuzuri.config import SiteConfig
from tsuzuri.diagnostics import ERROR, WARNING
from tsuzuri.site import load

TOKYO = ZoneInfo("Asia/Tokyo")
POST_EXTENSIONS = SiteConfig().extensions


@pytest.fixture(scope="module")
def corpora() -> Path:
    path = Path(__file__).resolve().parents[2] / "shared" / "corpora"
    if not path.is_dir():
        pytest.skip(f"corpora not found at {path}")
    return path


def _post_files(posts_dir: Path) -> list[Path]:
    return sorted(p for p in posts_dir.rglob("*")
                  if p.is_file() and p.suffix.lower() in POST_EXTENSIONS
                  and not any(part.startswith(".") for part in p.relative_to(posts_dir).parts))


def _errors(site):
    return [d for d in site.diagnostics if d.severity == ERROR]


def _sources(posts) -> list[str]:
    return sorted(p.source for p in posts)


# ---------------------------------------------------------------- vim-jp: 349 Japanese posts, no date keys

@pytest.fixture(scope="module")
def vimjp(corpora):
    root = corpora / "vim-jp"
    if not (root / "_posts").is_dir():
        pytest.skip("vim-jp corpus missing")
    return root, load(root, SiteConfig(posts_dir="_posts"))


def test_vimjp_builds_every_post_without_errors_or_warnings(vimjp):
    root, site = vimjp
    files = [p for p in _post_files(root / "_posts") if p.suffix in (".md", ".markdown")]
    assert len(files) == 349
    assert len(site.posts) == len(files)
    assert site.unpublished == []
    assert _errors(site) == []
    # the only warnings: a third-party poll <script> and two page-wide <style> blocks were removed,
    # and four links lead to pages the corpus does not hold (the Jekyll site's /docs/, a post it lacks)
    assert sorted((d.file, d.line, d.message.split(" leads to")[0]) for d in site.diagnostics
                  if d.severity == WARNING) == [
        ("_posts/blog/2011-09-16-windows_install.md", 11, "link '/docs/build_windows_msvc.html'"),
        ("_posts/blog/2011-09-16-windows_install.md", 13, "link '/docs/build_windows_mingw.html'"),
        ("_posts/blog/2011-09-16-windows_install.md", 15, "link '/docs/install_windows.html'"),
        ("_posts/blog/2011-09-20-favorite_vimscript.md", 12, "removed unsafe HTML: <script> element"),
        ("_posts/blog/2012-01-10-vim_advent_calendar.md", 183, "link '/vim-users-jp/2012/01/01/a-happy-new-year.html'"),
        ("_posts/blog/2017-10-12-vimconf2017-speakers-en.md", 9, "removed unsafe HTML: <style> element"),
        ("_posts/blog/2017-10-12-vimconf2017-speakers.md", 9, "removed unsafe HTML: <style> element"),
    ]
    assert _sources(site.posts) == sorted(p.relative_to(root).as_posix() for p in files)


def test_vimjp_has_no_date_keys_and_dates_come_from_filenames(vimjp):
    _, site = vimjp
    for post in site.posts:
        assert "date" not in post.data
        y, m, d = (int(x) for x in re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})-", post.path.name).groups())
        assert post.date == dt.datetime(y, m, d, tzinfo=TOKYO), post.source
        assert post.date.utcoffset() == dt.timedelta(hours=9)
        assert post.url.startswith(f"{y:04d}/{m:02d}/{d:02d}/"), post.source


def test_vimjp_posts_in_subfolders_are_all_read(vimjp):
    _, site = vimjp
    folders = {post.rel.split("/")[0] for post in site.posts}
    assert folders == {"blog", "release", "vimmagazine"}
    # ordinary subfolders (not `x/_posts`) are not categories; `category:` is
    assert all(post.categories == [post.data["category"]] for post in site.posts if "category" in post.data)


def test_vimjp_urls_are_unique_and_posts_have_titles_and_html(vimjp):
    _, site = vimjp
    assert len({p.dest_uri for p in site.posts}) == len(site.posts)
    assert all(p.title.strip() for p in site.posts)
    assert all(p.html.strip() for p in site.posts)
    assert [p.sort_key for p in site.posts] == sorted((p.sort_key for p in site.posts), reverse=True)


def test_vimjp_crlf_posts_keep_their_titles(vimjp):
    _, site = vimjp
    crlf = [p for p in site.posts if b"\r\n" in p.path.read_bytes()]
    assert len(crlf) >= 1
    for post in crlf:
        assert "\r" not in post.title
        assert post.title == str(post.data["title"]).strip()


def test_vimjp_front_matter_titles_are_kept(vimjp):
    _, site = vimjp
    changed = [(p.source, p.data["title"], p.title) for p in site.posts if p.title != str(p.data["title"]).strip()]
    assert changed == []


# ---------------------------------------------------------------- Jekyll's docs posts and test fixtures

@pytest.fixture(scope="module")
def jekyll_docs(corpora):
    root = corpora / "jekyll" / "docs"
    if not (root / "_posts").is_dir():
        pytest.skip("jekyll docs corpus missing")
    return root, load(root, SiteConfig(posts_dir="_posts"))


@pytest.fixture(scope="module")
def jekyll_tests(corpora):
    root = corpora / "jekyll" / "test"
    if not (root / "source").is_dir():
        pytest.skip("jekyll test corpus missing")
    return root, load(root, SiteConfig(posts_dir="source"))


@pytest.fixture(scope="module")
def jekyll_tests_date_style(corpora):
    root = corpora / "jekyll" / "test"
    if not (root / "source").is_dir():
        pytest.skip("jekyll test corpus missing")
    return root, load(root, SiteConfig(posts_dir="source", permalink="date"))


def _assert_nothing_silently_lost(root: Path, posts_dir: str, site) -> None:
    accounted = set(_sources(site.posts)) | set(_sources(site.unpublished)) | {d.file for d in _errors(site)}
    files = _post_files(root / posts_dir)
    assert files
    lost = [p.relative_to(root).as_posix() for p in files if p.relative_to(root).as_posix() not in accounted]
    assert lost == []
    # a published post is never also reported as refused
    assert not set(_sources(site.posts)) & {d.file for d in _errors(site) if "not published" in d.message}


def test_jekyll_docs_nothing_silently_lost(jekyll_docs):
    root, site = jekyll_docs
    _assert_nothing_silently_lost(root, "_posts", site)
    assert len(site.posts) == len(_post_files(root / "_posts")) == 102


def test_jekyll_docs_dates_in_many_timezones(jekyll_docs):
    _, site = jekyll_docs
    by_name = {p.path.name: p for p in site.posts}
    stray = by_name["2023-01-29-jekyll-3-9-3-released.markdown"]
    assert stray.date == dt.datetime(2023, 1, 30, 11, 30, 22, tzinfo=TOKYO)
    assert stray.url.startswith("2023/01/30/")
    warnings = [d for d in site.diagnostics if d.file == stray.source and "stray" in d.message]
    assert [d.line for d in warnings] == [3]
    assert all(p.date.utcoffset() == dt.timedelta(hours=9) for p in site.posts)


def test_jekyll_docs_category_string_is_one_category(jekyll_docs):
    _, site = jekyll_docs
    with_category = [p for p in site.posts if isinstance(p.data.get("category"), str)]
    assert with_category
    for post in with_category:
        assert post.data["category"].strip() in post.categories


def test_jekyll_tests_nothing_silently_lost(jekyll_tests):
    root, site = jekyll_tests
    _assert_nothing_silently_lost(root, "source", site)


def test_jekyll_tests_other_extensions_are_named_in_warnings(jekyll_tests):
    root, site = jekyll_tests
    odd = sorted(p.relative_to(root).as_posix() for p in (root / "source").rglob("*")
                 if p.is_file() and p.suffix.lower() not in POST_EXTENSIONS
                 and re.match(r"\d{4}-\d{1,2}-\d{1,2}-", p.name))
    assert len(odd) == 5
    warned = {d.file for d in site.diagnostics if d.severity == WARNING and "not a post extension" in d.message}
    assert set(odd) == warned


def test_jekyll_not_published(jekyll_tests):
    _, site = jekyll_tests
    name = "source/_posts/2008-02-02-not-published.markdown"
    assert name in _sources(site.unpublished)
    assert name not in _sources(site.posts)
    assert "source/_posts/2008-02-02-published.markdown" in _sources(site.posts)
    [post] = [p for p in site.unpublished if p.source == name]
    assert post.categories == ["publish_test"]


def test_jekyll_permalink_traversal_is_refused(jekyll_tests):
    _, site = jekyll_tests
    name = "source/_posts/2014-01-06-permalink-traversal.md"
    assert name not in _sources(site.posts)
    errs = [d for d in _errors(site) if d.file == name]
    assert len(errs) == 1 and "escapes the site" in errs[0].message
    assert all("baddie" not in p.dest_uri for p in site.posts)


def test_jekyll_categories_collide_under_the_default_permalink(jekyll_tests):
    _, site = jekyll_tests
    a = "source/category/_posts/2008-09-23-categories.markdown"
    b = "source/z_category/_posts/2008-09-23-categories.markdown"
    # same date: Jekyll writes the later path last, so the live site serves b; a moves to "-2"
    naming_both = [d for d in site.diagnostics if a in d.format() and b in d.format()]
    assert len(naming_both) == 1 and naming_both[0].severity == WARNING
    assert naming_both[0].file == a
    urls = {p.source: p.url for p in site.posts}
    assert urls[b] == "2008/09/23/categories/" and urls[a] == "2008/09/23/categories-2/"


def test_jekyll_categories_both_publish_with_the_date_style(jekyll_tests_date_style):
    _, site = jekyll_tests_date_style
    a = "source/category/_posts/2008-09-23-categories.markdown"
    b = "source/z_category/_posts/2008-09-23-categories.markdown"
    urls = {p.source: p.url for p in site.posts}
    assert urls[a] == "category/2008/09/23/categories.html"
    assert urls[b] == "z_category/2008/09/23/categories.html"
    assert not [d for d in _errors(site) if "already used" in d.message]


@pytest.mark.parametrize("rel, expected", [
    ("_posts/2009-01-27-array-categories.markdown", {"categories": ["foo", "bar", "baz"]}),
    ("_posts/2009-01-27-categories.markdown", {"categories": ["foo", "bar", "baz"]}),
    ("_posts/2009-01-27-category.markdown", {"categories": ["foo"]}),
    ("_posts/2009-01-27-empty-categories.markdown", {"categories": []}),
    ("_posts/2009-01-27-empty-category.markdown", {"categories": []}),
    ("_posts/2009-01-27-no-category.markdown", {"categories": []}),
    ("_posts/2013-05-10-number-category.markdown", {"categories": ["2013"]}),
    ("_posts/2009-05-18-tag.markdown", {"tags": ["code"]}),
    ("_posts/2009-05-18-tags.markdown", {"tags": ["food", "cooking", "pizza"]}),
    ("_posts/2009-05-18-empty-tag.markdown", {"tags": []}),
    ("_posts/2009-05-18-empty-tags.markdown", {"tags": []}),
    ("foo/_posts/bar/2008-12-12-topical-post.markdown", {"categories": ["foo"]}),
    ("_posts/es/2008-11-21-nested.markdown", {"categories": []}),
    ("win/_posts/2009-05-24-yaml-linebreak.markdown", {"title": "Test title", "tags": ["Ruby"], "categories": ["win"]}),
    ("_posts/2010-01-09-date-override.markdown", {"date": dt.datetime(2010, 1, 10, tzinfo=TOKYO)}),
    ("_posts/2010-01-09-time-override.markdown", {"date": dt.datetime(2010, 1, 10, 13, 7, 9, tzinfo=TOKYO)}),
    ("_posts/2010-01-09-timezone-override.markdown", {"date": dt.datetime(2010, 1, 10, 22, 7, 9, tzinfo=TOKYO)}),
    ("_posts/2017-2-5-i-dont-like-zeroes.md", {"date": dt.datetime(2017, 2, 5, tzinfo=TOKYO),
                                               "slug": "i-dont-like-zeroes"}),
    ("_posts/2010-01-08-triple-dash.markdown", {"title": "Foo --- Bar"}),
    ("_posts/2014-03-03-yaml-with-dots.md", {"title": "Test Post Where YAML Ends in Dots"}),
    ("_posts/2009-06-22-no-yaml.markdown", {"categories": [], "slug": "no-yaml"}),
])
def test_jekyll_fixture_semantics(jekyll_tests, rel, expected):
    _, site = jekyll_tests
    [post] = [p for p in site.posts if p.source == "source/" + rel]
    for attr, value in expected.items():
        assert getattr(post, attr) == value, attr


@pytest.mark.parametrize("style", ["pretty", "none", "ordinal", "/:categories/:title/"])
def test_jekyll_corpora_never_raise(corpora, style):
    for root, posts_dir in [(corpora / "jekyll" / "docs", "_posts"), (corpora / "jekyll" / "test", "source")]:
        if not (root / posts_dir).is_dir():
            pytest.skip("jekyll corpus missing")
        site = load(root, SiteConfig(posts_dir=posts_dir, permalink=style))   # no exception escapes
        _assert_nothing_silently_lost(root, posts_dir, site)
        assert len({p.dest_uri for p in site.posts}) == len(site.posts)


# ---------------------------------------------------------------- reading never writes

def _tree(root: Path) -> list[tuple]:
    """Every file and folder under root with what a write would change."""
    return sorted((p.relative_to(root).as_posix(), p.is_dir(), p.stat().st_size, p.stat().st_mtime_ns)
                  for p in [root, *root.rglob("*")])


def test_reading_a_read_only_corpus_writes_nothing_into_it(corpora, tmp_path):
    """The engine and `check` read a folder of posts without writing into it (CI hands the corpora
    over without write bits; as root those bits would not stop a write, so the tree is compared)."""
    from test_build import ROOT, make_project

    src = corpora / "jekyll" / "docs"
    if not (src / "_posts").is_dir():
        pytest.skip("jekyll docs corpus missing")
    corpus = tmp_path / "corpus"
    shutil.copytree(src, corpus, ignore=shutil.ignore_patterns(".cache"))
    for extra in _post_files(corpus / "_posts")[20:]:  # twenty posts show it (and keep the test quick)
        extra.unlink()
    (tmp_path / "project").mkdir()
    project = make_project(tmp_path / "project", {})
    folders = [p for p in [corpus, *corpus.rglob("*")] if p.is_dir()]
    for path in [*corpus.rglob("*"), corpus]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        before = _tree(corpus)
        site = load(corpus, SiteConfig(posts_dir="_posts"))
        assert len(site.posts) == 20 and not [d for d in site.diagnostics if "internal error" in d.message]
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        result = subprocess.run([sys.executable, "-m", "tsuzuri", "check", "-q", str(corpus / "_posts")],
                                cwd=project, capture_output=True, text=True, env=env, timeout=300)
        assert "Traceback" not in result.stderr and "internal error" not in result.stdout, result.stderr[-2000:]
        # the same findings as the engine's own (the corpus's own errors; none from the missing write bits)
        summary = f"check: 20 posts built; {site.diagnostics.count(ERROR)} errors, {site.diagnostics.count(WARNING)} warnings"
        assert result.stdout.strip().splitlines()[-1].startswith(summary), result.stdout[-2000:]
        assert _tree(corpus) == before
        assert not (project / ".cache").exists()  # a one-off check of another folder caches nothing
    finally:
        for path in folders:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
