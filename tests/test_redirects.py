"""related_articles (chosen related posts) and redirect_from (jekyll-redirect-from pages), in real builds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_build import make_project, mkdocs, post, tsuzuri
from tsuzuri import redirects, related
from tsuzuri.config import SiteConfig
from tsuzuri.search import docs_from_site
from tsuzuri.site import load

REAL = Path("/work/realblog/today/_posts")


def _related_links(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    section = text.split('class="tz-related-list"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'href="([^"]+)"', section)


def _posts(**a_fm) -> dict[str, str]:
    """Seven posts, four sharing a rarer tag (so 'a' has computed related posts), 'a' with extra front matter."""
    out = {f"2025-08-0{i}-p{i}.md": post(f"記事{i}", f"2025-08-0{i}", tags=["共通", "珍しい"] if i in (2, 4, 5) else ["共通"])
           for i in range(2, 8)}
    out["2025-08-01-a.md"] = post("記事A", "2025-08-01", tags=["共通", "珍しい"], **a_fm)
    return out


def test_related_articles_come_first_in_order_then_computed(tmp_path):
    # the real blog's form ({slug, title, reason} items, the file name as slug), a URL and a slug
    chosen = [{"slug": "2025-08-06-p6", "title": "x", "reason": "関連記事"}, "/2025/08/03/p3/", "p7", "2025-08-06-p6"]
    project = make_project(tmp_path, _posts(related_articles=chosen, permalink="/a/"))
    result = mkdocs(["build", "--strict"], project)
    assert result.returncode == 0, result.stderr
    links = _related_links(project / "site/a/index.html")
    assert links[:3] == ["../2025/08/06/p6/", "../2025/08/03/p3/", "../2025/08/07/p7/"]
    assert len(links) == related.LIMIT and len(set(links)) == len(links)  # filled up, no repeat


def test_related_articles_edit_is_seen_by_the_cache(tmp_path):
    """The chosen list is part of the memo key: reordering it changes the page on the next build."""
    project = make_project(tmp_path, _posts(related_articles=["2025-08-06-p6", "2025-08-03-p3"]))
    assert mkdocs(["build", "--strict"], project).returncode == 0
    page = project / "site/2025/08/01/a/index.html"
    assert _related_links(page)[:2] == ["../../06/p6/", "../../03/p3/"]
    (project / "posts/2025-08-01-a.md").write_text(
        post("記事A", "2025-08-01", tags=["共通", "珍しい"], related_articles=["2025-08-03-p3", "2025-08-06-p6"]),
        encoding="utf-8")
    assert mkdocs(["build", "--strict"], project).returncode == 0
    assert _related_links(page)[:2] == ["../../03/p3/", "../../06/p6/"]


def test_related_articles_find_a_post_moved_by_a_url_collision(tmp_path):
    posts = _posts(related_articles=["2025-08-04-same"])
    posts["2025-08-04-same.md"] = post("先の記事", "2025-08-04 09:00:00 +0900", permalink="/same/")
    posts["2025-08-05-same.md"] = post("後の記事", "2025-08-05", permalink="/same/")
    project = make_project(tmp_path, posts)
    assert mkdocs(["build"], project).returncode == 0
    assert _related_links(project / "site/2025/08/01/a/index.html")[0] == "../../../../same-2/"


def test_unknown_related_article_is_a_warning_with_the_closest_name(tmp_path):
    project = make_project(tmp_path, _posts(related_articles=["2025-08-06-p6", "2025-08-03-pp3"]))
    result = tsuzuri(["check", "posts"], project)
    assert ("posts/2025-08-01-a.md:7: warning: related_articles: no post '2025-08-03-pp3'; it is not shown — "
            "did you mean '2025-08-03-p3'?") in result.stdout
    assert result.returncode == 0 and tsuzuri(["check", "--strict", "posts"], project).returncode == 1


def test_redirect_from_pages(tmp_path):
    evil = 'タイトル</title><script>alert(1)</script>'
    posts = _posts()
    posts["2025-08-01-a.md"] = post(evil, "2025-08-01", redirect_from=["/old/a/", "/old-a.html", "/legacy", "/旧/記事/"])
    project = make_project(tmp_path, posts)
    result = mkdocs(["build"], project)  # (not --strict: the title's markup is warned about)
    assert result.returncode == 0, result.stderr
    site = project / "site"
    for dest, href in (("old/a/index.html", "../../2025/08/01/a/"), ("old-a.html", "2025/08/01/a/"),
                       ("legacy.html", "2025/08/01/a/"), ("旧/記事/index.html", "../../2025/08/01/a/")):
        page = (site / dest).read_text(encoding="utf-8")
        assert f'<meta http-equiv="refresh" content="0; url={href}">' in page, dest
        assert '<link rel="canonical" href="https://blog.example.jp/2025/08/01/a/">' in page
        assert '<meta name="robots" content="noindex">' in page
        assert f'<a href="{href}">こちらに移動しました</a>' in page
        assert "<script>" not in page and "&lt;/title&gt;&lt;script&gt;" in page
        assert (site / dest).parent.joinpath(href, "index.html").resolve().is_file()  # the link lands
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "old" not in sitemap and "legacy" not in sitemap
    loaded = load(project, SiteConfig.from_mkdocs_yml(project / "mkdocs.yml"))
    assert {r.dest for r in loaded.redirects} == {"old/a/index.html", "old-a.html", "legacy.html", "旧/記事/index.html"}
    assert not any("old" in d.url or "legacy" in d.url for d in docs_from_site(loaded))


def test_removed_redirect_vanishes_under_dirty(tmp_path):
    project = make_project(tmp_path, _posts(redirect_from=["/old/a/", "/old/b/"]))
    assert mkdocs(["build", "--strict"], project).returncode == 0
    assert (project / "site/old/b/index.html").is_file()
    path = project / "posts/2025-08-01-a.md"
    path.write_text(path.read_text(encoding="utf-8").replace("- /old/b/\n", ""), encoding="utf-8")
    result = mkdocs(["build", "--strict", "--dirty"], project)
    assert result.returncode == 0, result.stderr
    assert (project / "site/old/a/index.html").is_file()
    assert not (project / "site/old/b").exists()


def test_bad_redirect_from_named_in_the_build(tmp_path):
    project = make_project(tmp_path, _posts(redirect_from=["javascript:alert(1)", "/2025/08/02/p2/", "/search/"]))
    result = mkdocs(["build"], project)
    assert "posts/2025-08-01-a.md:6: error: redirect_from 'javascript:alert(1)' is an absolute URL" in result.stderr
    assert "posts/2025-08-01-a.md:7: warning: redirect_from '/2025/08/02/p2/' would be written to" in result.stderr
    assert "posts/2025-08-01-a.md:8: warning: redirect_from '/search/' would be written to" in result.stderr
    assert "Traceback" not in result.stderr
    assert "こちらに移動しました" not in (project / "site/2025/08/02/p2/index.html").read_text(encoding="utf-8")
    assert "こちらに移動しました" not in (project / "site/search/index.html").read_text(encoding="utf-8")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("/.:%2eEjavscript<>\"'\\ \x00\tあa-_?#")), max_size=30))
def test_a_redirect_path_stays_a_file_in_the_site(path):
    dest, why = redirects.destination(path)
    if dest is None:
        assert why
        return
    assert not dest.startswith("/") and ".." not in dest.split("/") and "\\" not in dest and "\x00" not in dest
    assert not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", dest) and not any(c in dest for c in '<>"')
    assert dest.endswith((".html", "/index.html")) or "." in dest.rsplit("/", 1)[-1]


@pytest.mark.skipif(not REAL.is_dir(), reason="the real blog is not on this machine")
def test_every_related_article_of_the_real_blog_resolves():
    """Every slug the real posts name is a file name of a real post (read by path, never copied)."""
    from tsuzuri.posts import read_post
    config = SiteConfig.from_mapping({}, site_url="https://example.jp/", site_name="x", docs_dir="docs")
    files = sorted(p for p in REAL.glob("*.md") if "related_articles" in p.read_text(encoding="utf-8", errors="replace"))
    with_refs = [read_post(p, config, REAL)[0] for p in files[:60]]
    every = [read_post(p, config, REAL)[0] for p in sorted(REAL.glob("*.md"))]
    index = related.Index([p for p in every if p is not None])
    refs = [r for p in with_refs if p is not None for r in related.references(p)[0]]
    assert refs and all(index.find(r)[0] is not None for r in refs)
