"""Where files land: the site's own outputs are reserved, names derived from URLs are safe and
bounded, symbolic links out of the project are refused, and search links every post right.

Real MkDocs builds (tests/test_build.make_project); the bad-post corpus has the post-level
cases (tests/fixtures/bad/2025-04-*).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_build import make_project, mkdocs, post, tsuzuri
from tsuzuri import search, urls
from tsuzuri.config import SiteConfig
from tsuzuri.diagnostics import ERROR, Diagnostics
from tsuzuri.posts import discover
from tsuzuri.site import _Paths, load, reserved_outputs
from tsuzuri.taxonomy import term_slug

ROOT = Path(__file__).resolve().parents[1]
REAL = Path("/work/realblog/today/_posts")
CHROMIUM = "/usr/bin/chromium"
DATE = "2025-04-{:02d} 10:00:00 +0900"


def search_pages(site: Path) -> int:
    """Posts in the built search index."""
    return json.loads((site / "searchindex" / "meta.json").read_text(encoding="utf-8"))["posts"]


def errors_in(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("ERROR")]


# ---------------------------------------------------------------- 1. the site's own files

def test_no_post_replaces_a_file_the_site_writes(tmp_path):
    """Posts aimed at the search bundle, a docs/ page, a feed's folder: each refused by name;
    the site's files are intact, and every file a real build writes is in the reserved set."""
    project = make_project(tmp_path, {
        "2025-04-01-bundle.md": post("検索の部品", DATE.format(1), permalink="/searchindex/meta.json"),
        "2025-04-02-about.md": post("このブログについて（偽）", DATE.format(2), permalink="/about/"),
        "2025-04-03-below-feed.md": post("フィードの下", DATE.format(3), permalink="/feed.xml/"),
        "2025-04-04-robots.md": post("robots", DATE.format(4), permalink="/robots.txt"),
        "2025-04-05-fine.md": post("普通の記事", DATE.format(5)),
    })
    result = mkdocs(["build"], project)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    refused = {re.search(r"posts/(\S+?):", line).group(1) for line in errors_in(result.stderr)}
    assert refused == {"2025-04-01-bundle.md", "2025-04-02-about.md", "2025-04-03-below-feed.md",
                       "2025-04-04-robots.md"}
    site = project / "site"
    assert "このブログについて（偽）" not in (site / "about/index.html").read_text(encoding="utf-8")
    assert "このブログについて" in (site / "about/index.html").read_text(encoding="utf-8")
    assert (site / "searchindex/meta.json").read_text(encoding="utf-8").lstrip()[:1] == "{"
    assert (site / "feed.xml").is_file() and (site / "robots.txt").read_text().startswith("User-agent")
    assert search_pages(site) == 1

    # Derived, not a hand list that drifts: everything the build wrote but the post is reserved.
    config = SiteConfig.from_mkdocs_yml(project / "mkdocs.yml")
    own = _Paths(reserved_outputs(project, config))
    written = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert "2025/04/05/fine/index.html" in written and len(written) > 30
    assert [p for p in written if p != "2025/04/05/fine/index.html" and own.clash(p) is None] == []
    assert own.clash("2025/04/05/fine/index.html") is None
    # and check (no MkDocs) refuses the same posts
    checked = tsuzuri(["check", "posts"], project)
    assert checked.returncode == 1 and checked.stdout.count(": error: ") == 4


def test_docs_files_are_reserved_where_mkdocs_writes_them(tmp_path):
    docs = tmp_path / "docs"
    (docs / "guide").mkdir(parents=True)
    (docs / "about.md").write_text("# About\n", encoding="utf-8")
    (docs / "guide" / "index.md").write_text("# Guide\n", encoding="utf-8")
    (docs / "logo.png").write_bytes(b"\x89PNG")
    own = _Paths(reserved_outputs(tmp_path, SiteConfig()))
    for dest in ("about/index.html", "about.html", "guide/index.html", "logo.png", "logo.png/index.html",
                 "about/index.html/index.html", "searchindex/meta.json", "sitemap.xml.gz", "index.html",
                 "ABOUT/index.html", "tags/x/index.html"):
        assert own.clash(dest) is not None, dest
    for dest in ("about/me/index.html", "guide/2/index.html", "logo/index.html", "2025/04/01/x/index.html",
                 "tagsoup/index.html"):
        assert own.clash(dest) is None, dest


# ("/A/", "/a/"): both published with a warning, as the live Jekyll site has both (test_urls.py lookalikes)
@pytest.mark.parametrize("first, second", [("/x/", "/x/index.html/"), ("/x/index.html/", "/x/"),
                                           ("/a/b.page", "/a/b.page/")])
def test_two_posts_never_overwrite_each_other_whatever_the_order(tmp_path, first, second):
    for name, permalink in (("2025-04-01-a.md", first), ("2025-04-02-b.md", second)):
        path = tmp_path / "posts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: t\npermalink: '{permalink}'\n---\n本文\n", encoding="utf-8")
    site = load(tmp_path, SiteConfig())
    assert [p.rel for p in site.posts] == ["2025-04-01-a.md"]
    [error] = [d for d in site.diagnostics if d.severity == ERROR]
    assert error.file == "posts/2025-04-02-b.md" and "posts/2025-04-01-a.md" in error.message


# ---------------------------------------------------------------- 2. one post never fails the build

@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=400))
def test_term_slugs_are_safe_folder_names(name):
    slug = term_slug(name)
    assert slug == term_slug(name)                      # deterministic
    assert slug not in (".", "..", "") and "/" not in slug and "\\" not in slug
    assert not re.search(r"\.(html?|xml|gz|txt|json)$", slug, re.I)
    assert urls.encoded_len(slug) <= urls.MAX_NAME


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=300), st.integers(min_value=20, max_value=255))
def test_bounded_names_keep_a_prefix_and_a_hash(name, limit):
    out = urls.bounded(name, limit)
    assert urls.encoded_len(out) <= max(limit, urls.encoded_len(name) if out == name else 0)
    if urls.encoded_len(name) <= limit:
        assert out == name
    else:
        assert re.search(r"-[0-9a-f]{8}$", out) and name.startswith(out[:-9].rstrip("-."))
        assert urls.bounded(name + "x", limit) != out or name + "x" == name


def test_one_bad_post_never_fails_the_build(tmp_path):
    """Terms named like files, a 300-character slug, a 29-character Japanese file name and the
    real blog's longest slug: each is a diagnostic at most, and the search index is whole."""
    posts = {
        "2025-04-01-term.md": post("ファイル名のタグ", DATE.format(1), tags=["index.html"], categories=["index.html"]),
        "2025-04-02-slug.md": post("長いスラッグ", DATE.format(2), slug="s" * 300),
        "2025-04-03-" + "日本語の長いファイル名" * 3 + ".md": post("長い日本語のファイル名", DATE.format(3)),
    }
    real = max(REAL.iterdir(), key=lambda p: len(quote(p.name))) if REAL.is_dir() else None
    project = make_project(tmp_path, posts)
    if real is not None:   # read by path, never committed
        shutil.copyfile(real, project / "posts" / real.name)
        assert len(quote(real.stem)) > 255
    result = mkdocs(["build"], project)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    [error] = errors_in(result.stderr)
    assert "posts/2025-04-02-slug.md:5: error: URL part 'ssssssssssssssssssssssss…' is 300 bytes long" in error
    site = project / "site"
    assert (site / "tags/index-html/index.html").is_file() and (site / "categories/index-html/index.html").is_file()
    assert (site / "tags/index.html").is_file() and (site / "2025/04/03" / ("日本語の長いファイル名" * 3) / "index.html").is_file()
    assert search_pages(site) == 2 + (real is not None)
    check = tsuzuri(["check", "posts"], project)
    assert check.returncode == 1 and "Traceback" not in check.stderr


# ---------------------------------------------------------------- 4. symbolic links

def test_symlinks_out_of_the_project_are_refused_and_never_read(tmp_path):
    secret = tmp_path / "outside" / "secret.md"
    secret.parent.mkdir()
    secret.write_text("---\ntitle: 秘密\n---\nSECRET-PAYLOAD\n", encoding="utf-8")
    (tmp_path / "project").mkdir()
    project = make_project(tmp_path / "project", {"2025-04-01-fine.md": post("普通の記事", DATE.format(1))})
    (project / "shared").mkdir()
    (project / "shared" / "inside.md").write_text(post("中の記事", DATE.format(6)), encoding="utf-8")
    posts = project / "posts"
    (posts / "2025-04-02-passwd.md").symlink_to("/etc/passwd")
    (posts / "2025-04-04-secret.md").symlink_to(secret)
    (posts / "2025-04-05-dangling.md").symlink_to(tmp_path / "nowhere.md")
    (posts / "2025-04-06-inside.md").symlink_to(project / "shared" / "inside.md")  # stays in the project

    diags = Diagnostics()
    found = discover(posts, SiteConfig(), diags, project)
    assert [p.name for p in found] == ["2025-04-01-fine.md", "2025-04-06-inside.md"]
    assert sorted((d.file, d.severity) for d in diags) == [
        ("posts/2025-04-02-passwd.md", ERROR), ("posts/2025-04-04-secret.md", ERROR),
        ("posts/2025-04-05-dangling.md", ERROR)]
    assert all("symbolic link" in d.message and d.hint for d in diags)

    checked = tsuzuri(["check", "--strict", "posts"], project)
    assert checked.returncode == 1 and "posts/2025-04-02-passwd.md: error: symbolic link" in checked.stdout
    result = mkdocs(["build"], project)
    assert result.returncode == 0, result.stderr[-3000:]
    assert any("posts/2025-04-04-secret.md" in line for line in errors_in(result.stderr))
    assert (project / "site/2025/04/06/inside/index.html").is_file()
    for path in (project / "site").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json"):
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "root:x:0:0" not in text and "SECRET-PAYLOAD" not in text, path


# ---------------------------------------------------------------- 5. search links

def test_search_carries_each_posts_url_in_a_file_named_by_its_number(tmp_path):
    long = "2025/04/03/" + quote("日本語の長いファイル名" * 3) + "/"
    urls = ["2025/04/01/foo/bar.html", long, "a/"]
    docs = [search.SearchDoc(url=u, title="t", date="d", date_iso=f"2025-04-0{i + 1}", text="本文")
            for i, u in enumerate(urls)]
    search.build_index(docs, tmp_path / "out")
    got = [json.loads((tmp_path / "out" / "p" / f"{n}.json").read_text(encoding="utf-8"))["url"] for n in range(3)]
    assert got == urls   # numbered oldest first; the URL is data, never a file name


@pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("TSUZURI_REQUIRE_BROWSER"),
                    reason="Debian's chromium is not installed")
def test_search_results_link_to_html_permalinks_and_long_urls(tmp_path):
    from playwright import sync_api

    long = "日本語の長いファイル名" * 3
    project = make_project(tmp_path, {
        "2025-04-01-bar.md": post("拡張子つき", DATE.format(1), body="固有語ズンドコ。", permalink="/foo/bar.html"),
        f"2025-04-02-{long}.md": post("長い名前", DATE.format(2), body="固有語ズンドコ。"),
    })
    result = mkdocs(["build", "--strict"], project)
    assert result.returncode == 0, result.stderr[-3000:]
    site = project / "site"
    handler = type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
            page = browser.new_context(locale="ja-JP").new_page()
            page.goto(base + "/search/?q=" + quote("ズンドコ"), wait_until="load")
            page.wait_for_function("document.querySelector('[data-tz-search-page]').dataset.state === 'done'",
                                   timeout=20000)
            hrefs = page.locator(".tz-search-page__results .tz-hit__link").evaluate_all(
                "e => e.map(a => a.getAttribute('href'))")
            statuses = []
            for href in hrefs:
                statuses.append(page.goto(base + href).status)
            browser.close()
    finally:
        server.shutdown()
    assert sorted(hrefs) == sorted(["/foo/bar.html", "/2025/04/02/" + quote(long) + "/"])
    assert statuses == [200, 200]
