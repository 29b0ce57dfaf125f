"""Jekyll drop-in: the front matter the real posts use for search engines (jekyll-seo-tag and
jekyll-sitemap's keys), read back from a real build's <head> and sitemap.xml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from test_build import make_project, mkdocs, post
from test_publish import head, sitemap

SITE = "https://example.github.io/blog/"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("head")
    posts = {
        "2025-05-10-described.md": post("説明つき", "2025-05-10 10:00:00 +0900", excerpt="一覧の要約です。",
                                        description="検索結果に出る\n説明です。"),
        "2025-05-11-hidden.md": post("隠す記事", "2025-05-11 10:00:00 +0900", robots="noindex",
                                     sitemap=False),
        "2025-05-12-moved.md": post("移転した記事", "2025-05-12 10:00:00 +0900",
                                    canonical_url="https://ai-media.co.jp/2025/05/01/元の記事/"),
        "2025-05-13-odd.md": post("おかしな値", "2025-05-13 10:00:00 +0900", robots='noindex, "><script>x',
                                  canonical_url="javascript:alert(1)", sitemap="false"),
        "2025-05-14-plain.md": post("普通の記事", "2025-05-14 10:00:00 +0900"),
    }
    project = make_project(tmp, posts)
    config = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    config["site_url"] = SITE
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    result = mkdocs(["build"], project)
    assert result.returncode == 0, result.stderr
    return project / "site", result.stderr


def page(site: Path, url: str):
    return head(site / url / "index.html")


def test_description_describes_the_post_and_the_excerpt_stays_the_summary(built):
    site, _ = built
    h = page(site, "2025/05/10/described/")
    want = "検索結果に出る 説明です。"
    assert h.one("description") == h.one("og:description") == h.one("twitter:description") == want
    [ld] = h.json_ld()
    assert ld["description"] == want
    assert "一覧の要約です。" in (site / "index.html").read_text(encoding="utf-8")  # the list shows the excerpt
    plain = page(site, "2025/05/14/plain/")                                          # no description: the summary
    assert plain.one("description") == plain.one("og:description") != ""


def test_robots_and_sitemap_false(built):
    site, _ = built
    assert page(site, "2025/05/11/hidden/").one("robots") == "noindex"
    assert page(site, "2025/05/14/plain/").prop("robots") == []
    listed = sitemap(site)
    assert SITE + "2025/05/11/hidden/" not in listed
    assert SITE + "2025/05/14/plain/" in listed and SITE + "2025/05/13/odd/" in listed  # "false" as text: listed


def test_canonical_url_is_the_canonical_link_and_og_url(built):
    site, _ = built
    h = page(site, "2025/05/12/moved/")
    want = "https://ai-media.co.jp/2025/05/01/%E5%85%83%E3%81%AE%E8%A8%98%E4%BA%8B/"
    assert [link["href"] for link in h.rel("canonical")] == [want]
    assert h.one("og:url") == want
    [ld] = h.json_ld()
    assert ld["url"] == ld["mainEntityOfPage"]["@id"] == want


def test_bad_values_are_warned_and_never_reach_the_page(built):
    site, log = built
    h = page(site, "2025/05/13/odd/")
    assert h.one("robots") == "noindex"                               # the known directive is kept
    assert [link["href"] for link in h.rel("canonical")] == [SITE + "2025/05/13/odd/"]
    assert "javascript:" not in (site / "2025/05/13/odd/index.html").read_text(encoding="utf-8")
    for fragment in ("is not a robots directive", "canonical_url 'javascript:alert(1)' is not an http(s) URL",
                     "sitemap: 'false' is text, not false"):
        assert any(line.startswith("WARNING") and "posts/2025-05-13-odd.md" in line and fragment in line
                   for line in log.splitlines()), fragment
