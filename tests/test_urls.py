"""Permalinks through tsuzuri.site.load: Jekyll placeholders in the site timezone, escapes and collisions."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from tsuzuri import urls
from tsuzuri.config import SiteConfig
from tsuzuri.diagnostics import ERROR, WARNING
from tsuzuri.site import load

CONFIG = SiteConfig(posts_dir="posts")


def write(root: Path, name: str, front: str = "", body: str = "本文です。\n") -> Path:
    path = root / "posts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: タイトル\n{front}---\n\n{body}", encoding="utf-8")
    return path


def errors(site):
    return [d for d in site.diagnostics if d.severity == ERROR]


def only_post(site):
    assert len(site.posts) == 1, [d.format() for d in site.diagnostics]
    return site.posts[0]


# ---------------------------------------------------------------- default and configured patterns

def test_default_permalink_uses_the_site_timezone_date(tmp_path):
    write(tmp_path, "2025-09-18-late-evening.md", "date: 2025-09-18 20:00:00 +0000\n")
    site = load(tmp_path, CONFIG)
    post = only_post(site)
    assert post.url == "2025/09/19/late-evening/"
    assert post.dest_uri == "2025/09/19/late-evening/index.html"
    assert errors(site) == []


def test_default_permalink_from_filename_date(tmp_path):
    write(tmp_path, "2019-1-7-my-post.md")
    post = only_post(load(tmp_path, CONFIG))
    assert post.url == "2019/01/07/my-post/"


def test_default_permalink_has_no_categories(tmp_path):
    write(tmp_path, "2025-01-02-x.md", "categories: [news]\n")
    post = only_post(load(tmp_path, CONFIG))
    assert post.categories == ["news"]
    assert post.url == "2025/01/02/x/"


def test_other_timezone_moves_the_date(tmp_path):
    write(tmp_path, "2025-09-18-x.md", "date: 2025-09-18 20:00:00 +0000\n")
    post = only_post(load(tmp_path, SiteConfig(posts_dir="posts", timezone="UTC")))
    assert post.url == "2025/09/18/x/"


def test_slug_front_matter_overrides_the_filename(tmp_path):
    write(tmp_path, "2025-01-02-file-name.md", "slug: better-name\n")
    post = only_post(load(tmp_path, CONFIG))
    assert post.url == "2025/01/02/better-name/"


def test_post_permalink_wins_over_the_site_pattern(tmp_path):
    write(tmp_path, "2025-01-02-x.md", "permalink: /about/me/\n")
    write(tmp_path, "2025-01-03-y.md", "permalink: /notes/:year/:slug.html\n")
    site = load(tmp_path, SiteConfig(posts_dir="posts", permalink="/blog/:year/:title.html"))
    assert sorted(p.url for p in site.posts) == ["about/me/", "notes/2025/y.html"]
    assert sorted(p.dest_uri for p in site.posts) == ["about/me/index.html", "notes/2025/y.html"]


def test_site_level_pattern(tmp_path):
    write(tmp_path, "2025-01-02-hello.md")
    post = only_post(load(tmp_path, SiteConfig(posts_dir="posts", permalink="/blog/:year/:title.html")))
    assert post.url == "blog/2025/hello.html"
    assert post.dest_uri == "blog/2025/hello.html"


def test_time_placeholders_use_the_site_timezone(tmp_path):
    write(tmp_path, "2025-09-18-x.md", "date: 2025-09-18 20:05:09 +0000\n")
    pattern = "/:short_year/:i_month/:i_day/:hour:minute:second/:y_day/:title/"
    post = only_post(load(tmp_path, SiteConfig(posts_dir="posts", permalink=pattern)))
    assert post.url == "25/9/19/050509/262/x/"


@pytest.mark.parametrize("style, url", [
    ("pretty", "news/tech/2025/01/02/hello/"),
    ("date", "news/tech/2025/01/02/hello.html"),
    ("none", "news/tech/hello.html"),
    ("ordinal", "news/tech/2025/002/hello.html"),
])
def test_jekyll_styles(tmp_path, style, url):
    write(tmp_path, "2025-01-02-hello.md", "categories: News Tech\n")
    post = only_post(load(tmp_path, SiteConfig(posts_dir="posts", permalink=style)))
    assert post.url == url


@pytest.mark.parametrize("style, url", [
    ("pretty", "2025/01/02/hello/"),
    ("date", "2025/01/02/hello.html"),
    ("none", "hello.html"),
])
def test_jekyll_styles_without_categories(tmp_path, style, url):
    write(tmp_path, "2025-01-02-hello.md")
    post = only_post(load(tmp_path, SiteConfig(posts_dir="posts", permalink=style)))
    assert post.url == url


def test_style_name_in_a_post_permalink(tmp_path):
    write(tmp_path, "2025-01-02-hello.md", "permalink: date\n")
    post = only_post(load(tmp_path, CONFIG))
    assert post.url == "2025/01/02/hello.html"


def test_non_ascii_slug_is_percent_encoded_in_the_url_only(tmp_path):
    write(tmp_path, "2025-01-02-日本語.md")
    post = only_post(load(tmp_path, CONFIG))
    assert post.dest_uri == "2025/01/02/日本語/index.html"
    assert post.url == "2025/01/02/" + quote("日本語") + "/"


# ---------------------------------------------------------------- escapes

@pytest.mark.parametrize("permalink", [
    "/../x/",
    "/a/../../x.html",
    "/%2e%2e/%2e%2e/baddie.html",
    "/a/%252e%252e/%252e%252e/b/",
    "/./x/",
    "/a\\..\\b/",
    "/%2F%2Fevil.example/x",
    "/x%00.html",
])
def test_escaping_permalinks_are_errors_and_the_post_is_not_placed(tmp_path, permalink):
    write(tmp_path, "2025-01-02-bad.md", f"permalink: '{permalink}'\n")
    write(tmp_path, "2025-01-03-good.md")
    site = load(tmp_path, CONFIG)
    assert [p.slug for p in site.posts] == ["good"]
    errs = errors(site)
    assert len(errs) == 1
    assert errs[0].file == "posts/2025-01-02-bad.md"
    assert "permalink" in errs[0].message


@pytest.mark.parametrize("permalink", ["javascript:alert(1)", "//evil.example/x"])
def test_absolute_url_permalinks_are_errors(tmp_path, permalink):
    write(tmp_path, "2025-01-02-bad.md", f"permalink: '{permalink}'\n")
    site = load(tmp_path, CONFIG)
    assert site.posts == []
    assert [d.file for d in errors(site)] == ["posts/2025-01-02-bad.md"]


def test_site_pattern_cannot_escape_through_a_slug(tmp_path):
    write(tmp_path, "2025-01-02-x.md", 'slug: ".."\n')
    site = load(tmp_path, SiteConfig(posts_dir="posts", permalink="/:title/"))
    assert site.posts == []
    assert [d.file for d in errors(site)] == ["posts/2025-01-02-x.md"]


@pytest.mark.parametrize("url", ["/../x", "/a/../../b", "/%2e%2e/x", "/%252E%252E/x", "//host/x",
                                 "http://host/x", "javascript:alert(1)", "/a\\b", "/a\x00b", "/./a"])
def test_check_refuses(url):
    with pytest.raises(urls.PermalinkError):
        urls.check(url)


@pytest.mark.parametrize("url", ["/2025/01/02/x/", "/a/b.html", "/a..b/", "/trailing-dots../", "/%E6%97%A5/"])
def test_check_accepts(url):
    urls.check(url)


# ---------------------------------------------------------------- collisions

def test_two_posts_on_one_url_both_published_one_warning_naming_both(tmp_path):
    write(tmp_path, "2025-01-02-first.md", "slug: same\n")
    write(tmp_path, "2025-01-02-second.md", "slug: same\n")
    site = load(tmp_path, CONFIG)
    # same date: the later path keeps the URL (Jekyll sorts equal dates by path and writes it last)
    assert {p.rel: p.url for p in site.posts} == {"2025-01-02-second.md": "2025/01/02/same/",
                                                  "2025-01-02-first.md": "2025/01/02/same-2/"}
    assert errors(site) == []
    [warn] = [d for d in site.diagnostics if d.severity == WARNING]
    assert warn.file == "posts/2025-01-02-first.md" and warn.line == 3
    assert "posts/2025-01-02-second.md" in warn.message
    assert "'/2025/01/02/same/'" in warn.message and "'/2025/01/02/same-2/'" in warn.message


def test_collision_goes_to_the_later_date_not_the_path(tmp_path):
    # b/ sorts after a/, but its post is older: the newer post is the one the live site serves.
    write(tmp_path, "b/2025-01-02-x.md", "date: 2020-01-01\npermalink: /same/\n")
    write(tmp_path, "a/2025-01-02-y.md", "permalink: /same/\n")
    site = load(tmp_path, CONFIG)
    assert {p.rel: p.url for p in site.posts} == {"a/2025-01-02-y.md": "same/", "b/2025-01-02-x.md": "same-2/"}
    assert [d.file for d in site.diagnostics if d.severity == WARNING] == ["posts/b/2025-01-02-x.md"]


def test_collision_is_by_destination_file(tmp_path):
    write(tmp_path, "2025-01-02-a.md", "permalink: /same/\n")
    write(tmp_path, "2025-01-03-b.md", "permalink: /same/index.html\n")
    site = load(tmp_path, CONFIG)
    assert {p.rel: p.dest_uri for p in site.posts} == {"2025-01-03-b.md": "same/index.html",
                                                       "2025-01-02-a.md": "same-2/index.html"}
    assert errors(site) == []


def test_derived_urls_are_stable_when_a_newer_post_joins(tmp_path):
    write(tmp_path, "2025-01-02-a.md", "date: 2025-01-02 09:00\nslug: same\n")
    write(tmp_path, "2025-01-02-b.md", "date: 2025-01-02 10:00\nslug: same\n")
    write(tmp_path, "2025-01-02-same-2.md", "date: 2025-01-02 08:00\n")  # holds "-2" on its own
    before = {p.rel: p.url for p in load(tmp_path, CONFIG).posts}
    assert before == {"2025-01-02-b.md": "2025/01/02/same/", "2025-01-02-a.md": "2025/01/02/same-3/",
                      "2025-01-02-same-2.md": "2025/01/02/same-2/"}
    write(tmp_path, "2025-01-02-c.md", "date: 2025-01-02 11:00\nslug: same\n")
    site = load(tmp_path, CONFIG)
    after = {p.rel: p.url for p in site.posts}
    assert after["2025-01-02-c.md"] == "2025/01/02/same/"       # the newest is what Jekyll serves
    assert after["2025-01-02-a.md"] == before["2025-01-02-a.md"]  # the older loser keeps its URL
    assert after["2025-01-02-b.md"] == "2025/01/02/same-4/"
    assert len(set(after.values())) == 4 and errors(site) == []


def test_paged_permalink_collision_numbers_the_file_name(tmp_path):
    write(tmp_path, "2025-01-02-a.md", "permalink: /notes/x.html\n")
    write(tmp_path, "2025-01-03-b.md", "permalink: /notes/x.html\n")
    site = load(tmp_path, CONFIG)
    assert sorted(p.url for p in site.posts) == ["notes/x-2.html", "notes/x.html"]


@pytest.mark.parametrize("a, b", [
    ("Hello", "hello"),                       # case
    ("ｈｅｌｌｏ", "hello"),                   # width
    ("cafe\u0301", "caf\u00e9"),              # NFD and NFC
])
def test_lookalike_urls_are_warned_naming_both(tmp_path, a, b):
    write(tmp_path, "2025-01-02-one.md", f"slug: '{a}'\n")
    write(tmp_path, "2025-01-02-two.md", f"slug: '{b}'\n")
    site = load(tmp_path, CONFIG)
    assert len({p.dest_uri for p in site.posts}) == 2
    [warn] = [d for d in site.diagnostics if d.severity == WARNING]
    assert warn.file == "posts/2025-01-02-two.md" and "posts/2025-01-02-one.md" in warn.message
    assert "only by case, width or Unicode normalisation" in warn.message


def test_same_slug_on_different_days_does_not_collide(tmp_path):
    write(tmp_path, "2025-01-02-same.md")
    write(tmp_path, "2025-01-03-same.md")
    site = load(tmp_path, CONFIG)
    assert sorted(p.url for p in site.posts) == ["2025/01/02/same/", "2025/01/03/same/"]
    assert errors(site) == []


@pytest.mark.parametrize("permalink", ["/archive/", "/", "/index.html", "/tags/vim/", "/categories/",
                                       "/page/2/", "/feed.xml", "/404.html", "/assets/x.html", "/search/"])
def test_permalink_on_a_reserved_site_page_is_an_error(tmp_path, permalink):
    write(tmp_path, "2025-01-02-x.md", f"permalink: '{permalink}'\n")
    site = load(tmp_path, CONFIG)
    assert site.posts == []
    errs = errors(site)
    assert len(errs) == 1
    assert errs[0].file == "posts/2025-01-02-x.md"
    assert "collides with the site's own page" in errs[0].message


@pytest.mark.parametrize("permalink", ["/archive-2025/", "/tagsoup/", "/my/archive/"])
def test_names_that_merely_resemble_reserved_pages_are_fine(tmp_path, permalink):
    write(tmp_path, "2025-01-02-x.md", f"permalink: '{permalink}'\n")
    site = load(tmp_path, CONFIG)
    assert only_post(site).url == permalink.lstrip("/")
    assert errors(site) == []


# ---------------------------------------------------------------- destination files

@pytest.mark.parametrize("url, dest", [
    ("/a/b/", "a/b/index.html"),
    ("/a/b.html", "a/b.html"),
    ("/a/b", "a/b.html"),
    ("/a/b.xml", "a/b.xml"),
    ("/", "index.html"),
    ("a/b/", "a/b/index.html"),
])
def test_dest_uri(url, dest):
    assert urls.dest_uri(url) == dest


def test_extensionless_post_permalink_gets_html(tmp_path):
    write(tmp_path, "2015-02-20-extensionless.md", "permalink: /:year/:month/:title\n")
    post = only_post(load(tmp_path, CONFIG))
    assert post.dest_uri == "2015/02/extensionless.html"
    assert post.url == "2015/02/extensionless.html"


@pytest.mark.parametrize("dest, url", [
    ("index.html", ""),
    ("a/b/index.html", "a/b/"),
    ("a/b.html", "a/b.html"),
    ("a b/index.html", "a%20b/"),
])
def test_url_of(dest, url):
    assert urls.url_of(dest) == url
