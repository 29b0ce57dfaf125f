"""Feeds, sitemap, robots.txt, <head> tags, JSON-LD and the 404 page, read back from real builds
with XML and HTML parsers."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
import lxml.html
from lxml import etree

from test_build import ROOT, make_project, mkdocs, post
from tsuzuri import outputs, pages
from tsuzuri.config import SiteConfig
from tsuzuri.publish import Identity
from tsuzuri.site import load

ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")
SITE_URL = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["site_url"]


class Head(HTMLParser):
    """Everything a crawler reads: meta tags, links, scripts, <title>, <h1>, every attribute."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta, self.links, self.scripts, self.attrs = [], [], [], []
        self.title = self.h1 = ""
        self.anchors, self.forms, self.inputs = [], [], []
        self._script, self._in = None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.attrs += [(tag, k, v) for k, v in attrs]
        if tag == "meta":
            self.meta.append(a)
        elif tag == "link":
            self.links.append(a)
        elif tag == "script":
            self._script = [a.get("type", ""), ""]
        elif tag in ("title", "h1"):
            self._in = tag
        elif tag == "a" and "href" in a:
            self.anchors.append(a["href"])
        elif tag == "form":
            self.forms.append(a)
        elif tag == "input":
            self.inputs.append(a)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append(tuple(self._script))
            self._script = None
        elif tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._script is not None:
            self._script[1] += data
        elif self._in == "title":
            self.title += data
        elif self._in == "h1":
            self.h1 += data

    def prop(self, key: str) -> list[str]:
        return [m["content"] for m in self.meta if m.get("property") == key or m.get("name") == key]

    def one(self, key: str) -> str:
        values = self.prop(key)
        assert len(values) == 1, f"{key}: {values}"
        return values[0]

    def json_ld(self) -> list[dict]:
        return [json.loads(body) for kind, body in self.scripts if kind == "application/ld+json"]

    def rel(self, rel: str) -> list[dict]:
        return [link for link in self.links if link.get("rel") == rel]


def head(path: Path) -> Head:
    h = Head()
    h.feed(path.read_text(encoding="utf-8"))
    h.close()
    return h


def local(site: Path, url: str, base: str = SITE_URL) -> Path:
    """The file in the built site that an absolute URL of the site points at."""
    assert url.startswith(base), url
    path = unquote(url[len(base):])
    return site / (path + "index.html" if path.endswith("/") or not path else path)


def assert_rfc3339(value: str) -> dt.datetime:
    assert RFC3339.match(value), value
    parsed = dt.datetime.fromisoformat(value)
    assert parsed.tzinfo is not None
    return parsed


def check_atom(site: Path, rel: str, base: str = SITE_URL) -> etree._Element:
    """Well-formed Atom with RFC 3339 dates, absolute URLs and unique ids; returns the root."""
    path = site / rel
    root = etree.fromstring(path.read_bytes())  # raises on anything that is not well-formed XML
    assert root.tag == f"{ATOM}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "ja"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}") is not None, name
    assert_rfc3339(root.findtext(f"{ATOM}updated"))
    self_link = [link.get("href") for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert [local(site, href, base) for href in self_link] == [path]
    ids = []
    for entry in root.findall(f"{ATOM}entry"):
        ids.append(entry.findtext(f"{ATOM}id"))
        for name in ("published", "updated"):
            assert_rfc3339(entry.findtext(f"{ATOM}{name}"))
        for link in entry.findall(f"{ATOM}link"):
            assert link.get("href").startswith(base), link.get("href")
        content = entry.find(f"{ATOM}content")
        assert (content is not None and content.get("type") == "html") or entry.findtext(f"{ATOM}summary")
        assert entry.findtext(f"{ATOM}title")
    assert all(i and i.startswith(base) for i in ids) and len(set(ids)) == len(ids)
    return root


def entries(root) -> list[dict]:
    return [{"id": e.findtext(f"{ATOM}id"), "title": e.findtext(f"{ATOM}title"),
             # RFC 4287: no rel means alternate (feedgen 1.0.0 drops rel/type on entry links)
             "url": next(link.get("href") for link in e.findall(f"{ATOM}link")
                         if link.get("rel", "alternate") == "alternate"),
             "published": e.findtext(f"{ATOM}published"), "updated": e.findtext(f"{ATOM}updated"),
             "content": e.findtext(f"{ATOM}content"), "summary": e.findtext(f"{ATOM}summary"),
             "terms": [c.get("term") for c in e.findall(f"{ATOM}category")]}
            for e in root.findall(f"{ATOM}entry")]


def sitemap(site: Path) -> dict[str, str | None]:
    root = etree.fromstring((site / "sitemap.xml").read_bytes())
    assert root.tag == f"{SM}urlset"
    return {u.findtext(f"{SM}loc"): u.findtext(f"{SM}lastmod") for u in root.findall(f"{SM}url")}


# -------------------------------------------------------------------------------- the seed site

@pytest.fixture(scope="module")
def seed(seed_site):
    """The session's strict seed build (conftest.py) and the engine's view of the same posts."""
    return seed_site, load(ROOT, SiteConfig())


def test_site_feed_has_every_seed_post_newest_first(seed):
    site, engine = seed
    got = entries(check_atom(site, "feed.xml"))
    assert [e["url"] for e in got] == [SITE_URL + p.url for p in engine.posts]
    first = got[-1]  # 2025-09-18 04:37:41 +0000: published in the site's timezone, with its offset
    assert first["published"] == "2025-09-18T13:37:41+09:00"
    assert first["id"] == SITE_URL + "2025/09/18/japan-domestic-ai-push"   # jekyll-feed's id
    assert first["terms"] == ["投資分析", "AI", "最新ニュース", "技術動向", "投資"]
    text = lxml.html.fragment_fromstring(first["content"], create_parent="div").text_content()
    assert "---END---" not in text and text.count("さて、あなたはこの日本のAIの「本気」を、どう評価しますか？") == 1
    # the template excerpt is not what subscribers read
    assert "について詳細に分析します" not in first["summary"] and first["summary"].startswith("おや、ついに日本政府も")


def test_category_feeds_hold_their_posts_and_are_linked_from_their_pages(seed):
    site, engine = seed
    for name in ("投資分析", "ニュース"):
        feed = site / "categories" / name / "feed.xml"
        got = entries(check_atom(site, f"categories/{name}/feed.xml"))
        assert [e["url"] for e in got] == [SITE_URL + p.url for p in engine.posts if name in p.categories]
        page = head(site / "categories" / name / "index.html")
        hrefs = [link["href"] for link in page.rel("alternate") if link.get("type") == "application/atom+xml"]
        assert [local(site, h) for h in hrefs] == [site / "feed.xml", feed]
    home = head(site / "index.html")
    assert [local(site, link["href"]) for link in home.rel("alternate")] == [site / "feed.xml"]
    news_post = head(site / "2025/12/21/japan-1-trillion-yen-domestic-ai-model/index.html")
    assert [local(site, link["href"]) for link in news_post.rel("alternate")] == \
        [site / "feed.xml", site / "categories/ニュース/feed.xml"]


def test_tag_feeds_follow_tag_pages_with_summaries(seed):
    site, engine = seed
    pages = sorted(p.parent for p in (site / "tags").glob("*/index.html"))
    assert len(pages) == len(engine.tags) > 5
    by_url = {t.url: t for t in engine.tags.values()}
    for page in pages:
        rel = page.relative_to(site).as_posix() + "/"
        got = entries(check_atom(site, rel + "feed.xml"))
        assert [e["url"] for e in got] == [SITE_URL + p.url for p in by_url[rel].posts]
        assert all(e["content"] is None and e["summary"] for e in got)     # summaries: see feeds.py
        hrefs = [link["href"] for link in head(page / "index.html").rel("alternate")]
        assert [local(site, h) for h in hrefs] == [site / "feed.xml", page / "feed.xml"]


def test_sitemap_lists_every_page_with_content_dates(seed):
    site, engine = seed
    listed = sitemap(site)
    built = {SITE_URL + f.parent.relative_to(site).as_posix() + "/" for f in site.rglob("index.html")}
    built = {u.replace("/./", "/") for u in built}
    assert {unquote(u) for u in listed} == {unquote(u) for u in built}
    assert all(u.isascii() for u in listed)                      # percent-encoded, as sitemaps require
    dates = {p.url: p.date for p in engine.posts}
    for url, lastmod in listed.items():
        rel = unquote(url[len(SITE_URL):])
        if rel in dates:
            assert assert_rfc3339(lastmod) == dates[rel]
        elif rel == "about/":
            assert lastmod is None                               # no date: no invented one
        else:                                                    # list pages: their newest post
            assert assert_rfc3339(lastmod) in dates.values()
    assert listed[SITE_URL + "categories/%E6%8A%95%E8%B3%87%E5%88%86%E6%9E%90/"] == "2025-11-23T21:54:57+09:00"
    assert gzip.decompress((site / "sitemap.xml.gz").read_bytes()) == (site / "sitemap.xml").read_bytes()
    robots = (site / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert f"Sitemap: {SITE_URL}sitemap.xml" in robots and "User-agent: *" in robots


def test_post_head_tags_and_json_ld(seed):
    site, engine = seed
    p = next(p for p in engine.posts if p.slug == "hon-hai-sharp-rapidus-ai-servers")
    h = head(site / p.url / "index.html")
    url = SITE_URL + p.url
    assert h.one("description") == p.summary == p.excerpt             # a real excerpt is kept
    assert [link["href"] for link in h.rel("canonical")] == [url]
    assert h.one("og:type") == "article" and h.one("og:url") == url and h.one("og:locale") == "ja_JP"
    assert h.one("og:title") == h.one("twitter:title") == p.title
    assert h.one("og:image") == h.one("twitter:image") == SITE_URL + "assets/images/og-default.jpg"
    assert local(site, h.one("og:image")).is_file()
    assert h.one("twitter:card") == "summary_large_image"
    assert h.one("article:published_time") == "2025-11-04T09:00:00+09:00"
    assert h.one("article:section") == "ニュース"
    assert h.prop("article:tag") == ["AI", "AIサーバー", "半導体", "鴻海", "シャープ", "ラピダス"]
    [ld] = h.json_ld()
    assert ld["@type"] == "BlogPosting" and ld["headline"] == p.title
    assert ld["datePublished"] == ld["dateModified"] == "2025-11-04T09:00:00+09:00"
    assert [a["name"] for a in ld["author"]] == ["浅島亮子", "村井令二"]
    assert ld["publisher"]["name"] == "ALLFORCES 投資・テクノロジー分析"
    assert ld["mainEntityOfPage"]["@id"] == url and ld["keywords"] == p.tags
    # the template-excerpt posts describe themselves with their opening sentences
    q = next(p for p in engine.posts if p.slug == "japan-domestic-ai-push")
    desc = head(site / q.url / "index.html").one("description")
    assert desc.startswith("おや、ついに日本政府も本気を出してきたか") and desc.endswith("。") and len(desc) <= 121


def test_list_and_plain_pages_are_websites(seed):
    site, _ = seed
    home = head(site / "index.html")
    assert home.one("og:type") == "website" and home.one("og:title") == "ALLFORCES 投資・テクノロジー分析"
    assert home.one("description") == "投資とテクノロジーの最新動向を分析するブログ"
    assert [ld["@type"] for ld in home.json_ld()] == ["WebSite"]
    about = head(site / "about/index.html")
    assert [link["href"] for link in about.rel("canonical")] == [SITE_URL + "about/"]
    assert about.json_ld() == [] and about.one("og:type") == "website"


def test_404_page_in_japanese_with_search_and_newest_posts(seed):
    site, engine = seed
    page = head(site / "404.html")
    assert page.h1 == "ページが見つかりません" and page.title.startswith("ページが見つかりません")
    assert page.one("robots") == "noindex" and page.rel("canonical") == []
    [form] = [f for f in page.forms if f.get("class") == "tz-search-form"]  # not the header's search box
    base = urlsplit(SITE_URL).path
    assert form["action"] == base + "search/" and form.get("method") == "get"
    assert [i["name"] for i in page.inputs if i.get("id") == "tz-404-q"] == ["q"]
    recent = [a for a in page.anchors if re.match(re.escape(base) + r"\d{4}/", a)]
    assert recent == [base + p.url for p in engine.posts[:5]]     # absolute: 404 is served anywhere


# -------------------------------------------------------------------- a hostile, busier temp site

HOSTILE = '"</script><script>alert(1)</script>&amp;\x0b<b>太字</b>'


@pytest.fixture(scope="module")
def busy(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("busy")
    posts = {f"2025-01-{d:02d}-post-{d}.md": post(f"記事{d}", f"2025-01-{d:02d} 10:00:00 +0900",
                                                  tags=["AI" if d % 2 else "ＡＩ"]) for d in range(1, 26)}
    posts["2025-02-01-hostile.md"] = post(
        HOSTILE, "2025-02-01 10:00:00 +0900",
        body="本文です。[前の記事](../../../../2025/01/03/post-3/) と ![図](/assets/figure.png)",
        tags=['<img src=x onerror=alert(2)>', "AI"], categories=['"onmouseover="alert(3)'],
        author="</title><script>alert(4)</script>", excerpt='"><script>alert(5)</script>要約',
        image="javascript:alert(6)")
    posts["2025-01-20-updated.md"] = post("更新された記事", "2025-01-20 09:00:00 +0900",
                                          last_modified_at="2025-06-01 12:00:00 +0900",
                                          image="/assets/images/cover.png")
    posts["2025-02-03-secret.md"] = post("非公開タイトル", "2025-02-03 10:00:00 +0900", published=False)
    posts["2025-02-04-hugo-draft.md"] = post("下書きタイトル", "2025-02-04 10:00:00 +0900", draft=True)
    posts["_drafts/2025-02-05-jekyll-draft.md"] = post("ドラフトタイトル", "2025-02-05 10:00:00 +0900")
    project = make_project(tmp, posts)
    config = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    config["site_url"] = "https://example.github.io/blog/"   # a project site under a base path
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    result = mkdocs(["build"], project)
    assert result.returncode == 0, result.stderr
    return project / "site", result.stderr


BUSY = "https://example.github.io/blog/"


def test_hostile_front_matter_is_escaped_everywhere(busy):
    site, log = busy
    assert "image 'javascript:alert(6)' is not a path or URL" in log
    for page in site.rglob("*.html"):
        h = head(page)
        for kind, body in h.scripts:
            assert "alert(" not in body or kind == "application/ld+json", f"{page}: script injected"
        assert not [a for a in h.attrs if a[1].startswith("on")], f"{page}: event handler injected"
        assert not [a for a in h.attrs if a[0] == "img" and a[2] == "x"], f"{page}: tag injected"
        assert "javascript:" not in " ".join(str(a[2]) for a in h.attrs), page
    h = head(site / "2025/02/01/hostile/index.html")
    title = HOSTILE  # \x0b is kept in HTML text; XML cannot carry it, so the feed drops it
    assert h.one("og:title") == title and h.h1.strip() == title.strip()
    assert h.title.startswith(title)
    assert h.one("description") == '"><script>alert(5)</script>要約'
    assert h.one("og:image") == BUSY + "assets/images/og-default.jpg"       # javascript: was refused
    [ld] = h.json_ld()
    assert ld["headline"] == title and ld["author"][0]["name"] == "</title><script>alert(4)</script>"
    [raw] = [body for kind, body in h.scripts if kind == "application/ld+json"]
    assert "</" not in raw and "<script" not in raw
    feed = entries(check_atom(site, "feed.xml", BUSY))
    hostile = next(e for e in feed if e["url"] == BUSY + "2025/02/01/hostile/")
    assert hostile["title"] == title.replace("\x0b", "")
    assert '<img src=x onerror=alert(2)>' in hostile["terms"]
    assert 'href="https://example.github.io/blog/2025/01/03/post-3/"' in hostile["content"]
    assert 'src="https://example.github.io/assets/figure.png"' in hostile["content"]


def test_drafts_and_unpublished_never_appear(busy):
    site, _ = busy
    for f in site.rglob("*"):
        if f.is_file() and f.suffix in (".html", ".xml", ".txt"):
            text = f.read_text(encoding="utf-8")
            for secret in ("非公開タイトル", "下書きタイトル", "ドラフトタイトル", "secret", "hugo-draft", "jekyll-draft"):
                assert secret not in text, f"{f}: {secret}"
    assert not (site / "2025/02/03").exists() and not (site / "2025/02/04").exists()


def test_feed_limit_dates_and_modified_posts(busy):
    site, log = busy
    feed = entries(check_atom(site, "feed.xml", BUSY))
    assert len(feed) == 20
    assert feed[0]["url"] == BUSY + "2025/02/01/hostile/"
    category = entries(check_atom(site, "categories/投資分析/feed.xml", BUSY))
    assert len(category) == 20 and all(e["url"] != BUSY + "2025/02/01/hostile/" for e in category)
    tag = entries(check_atom(site, "tags/ai/feed.xml", BUSY))     # "AI" and "ＡＩ" are one tag, one feed
    assert len(tag) == 20 and tag[0]["url"] == BUSY + "2025/02/01/hostile/"
    assert [p.name for p in (site / "tags").iterdir() if p.is_dir()].count("ａｉ") == 0
    # last_modified_at: the feed's `updated`, the sitemap's lastmod, og/JSON-LD dateModified
    root = etree.fromstring((site / "feed.xml").read_bytes())
    assert root.findtext(f"{ATOM}updated") == "2025-06-01T12:00:00+09:00"
    listed = sitemap(site)
    assert listed[BUSY + "2025/01/20/updated/"] == "2025-06-01T12:00:00+09:00"
    assert listed[BUSY] == "2025-06-01T12:00:00+09:00"
    assert listed[BUSY + "page/1/"] == "2025-01-10T10:00:00+09:00"   # its newest post, not the site's
    assert BUSY + "page/2/" not in listed                             # (the front page holds 17 posts)
    assert all(u.startswith(BUSY) for u in listed)
    h = head(site / "2025/01/20/updated/index.html")
    assert h.one("article:modified_time") == "2025-06-01T12:00:00+09:00"
    assert h.one("article:published_time") == "2025-01-20T09:00:00+09:00"
    # cover.png is not in docs/: a warning, and the share card keeps the site's image
    assert h.one("og:image") == BUSY + "assets/images/og-default.jpg"
    assert "posts/2025-01-20-updated.md:" in log and "image '/assets/images/cover.png' does not exist" in log
    assert h.json_ld()[0]["dateModified"] == "2025-06-01T12:00:00+09:00"
    robots = (site / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {BUSY}sitemap.xml" in robots


def test_a_site_without_posts_still_publishes_valid_files(tmp_path):
    project = make_project(tmp_path, {})
    (project / "posts").mkdir()
    result = mkdocs(["build", "--strict"], project)
    assert result.returncode == 0, result.stderr
    site = project / "site"
    root = check_atom(site, "feed.xml")
    assert entries(root) == [] and root.findtext(f"{ATOM}updated") == "1970-01-01T00:00:00+00:00"
    assert SITE_URL in sitemap(site) and head(site / "404.html").h1 == "ページが見つかりません"


def test_titles_xml_cannot_carry_fall_back_instead_of_failing(tmp_path):
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts/2025-01-01-control.md").write_text('---\ntitle: "\\x01\\x02"\n---\n\n本文です。\n',
                                                          encoding="utf-8")
    config = SiteConfig(url="https://blog.example.jp/", title="\x01")
    site = load(tmp_path, config)
    assert site.posts[0].title == "\x01\x02"
    plan = outputs.plan(site, pages.build(site), Identity.from_config(config))
    root = etree.fromstring(outputs.files(plan, [])["feed.xml"])
    assert root.findtext(f"{ATOM}title") == "https://blog.example.jp/"
    assert [e["title"] for e in entries(root)] == ["control"]


def test_a_post_with_hundreds_of_tags_lists_a_bounded_number_in_feeds(tmp_path):
    """Each of a post's tag feeds carries its entry: all of N tags there would be N^2 terms
    (1,000 tags: a million). Entries list FEED_TERMS; the post is named; every tag keeps its page
    and feed."""
    from tsuzuri.publish import FEED_TERMS

    tags = [f"タグ{i}" for i in range(FEED_TERMS + 30)]
    (tmp_path / "posts").mkdir()
    many = post("多すぎるタグ", "2025-01-01 10:00:00 +0900", tags=tags)
    (tmp_path / "posts/2025-01-01-many.md").write_text(many, encoding="utf-8")
    (tmp_path / "posts/2025-01-02-few.md").write_text(post("普通の記事", "2025-01-02 10:00:00 +0900", tags=tags[-2:]),
                                                      encoding="utf-8")
    config = SiteConfig(url=SITE_URL, title="サイト")
    site = load(tmp_path, config)
    [warning] = [d for d in site.diagnostics if "categories and tags" in d.message]
    assert warning.file.endswith("2025-01-01-many.md") and warning.line == many.splitlines().index("tags:") + 1
    assert f"{len(tags) + 1} categories and tags: feed entries list only the first {FEED_TERMS}" in warning.message
    files = outputs.files(outputs.plan(site, pages.build(site), Identity.from_config(config)), [])
    assert len(site.tags) == len(tags) and all(f"{t.url}feed.xml" in files for t in site.tags.values())
    for path in ("feed.xml", "categories/投資分析/feed.xml", site.tags["タグ0"].url + "feed.xml",
                 site.tags[tags[-1].lower()].url + "feed.xml"):
        by_title = {e["title"]: e["terms"] for e in entries(etree.fromstring(files[path]))}
        assert by_title["多すぎるタグ"] == (["投資分析"] + tags)[:FEED_TERMS], path
        if "普通の記事" in by_title:
            assert by_title["普通の記事"] == ["投資分析"] + tags[-2:]


def test_tag_pages_do_not_grow_with_the_tags_of_their_posts(tmp_path):
    """A post with N tags is on N tag pages: each page must cost O(1) in N (its context is what
    the page cache digests), or the site is O(N^2). Only the post's own page lists its tags."""
    import pickle

    def sizes(n: int) -> tuple[int, list]:
        folder = tmp_path / str(n) / "posts"
        folder.mkdir(parents=True)
        (folder / "2025-01-01-tags.md").write_text(
            post("タグの記事", "2025-01-01 10:00:00 +0900", tags=[f"タグ{i}" for i in range(n)]), encoding="utf-8")
        site = load(tmp_path / str(n), SiteConfig(url=SITE_URL, title="サイト"))
        specs = {s.dest_uri: s for s in pages.build(site)}
        own = specs["2025/01/01/tags/index.html"].context["tags"]
        return len(pickle.dumps(specs[site.tags["タグ0"].url + "index.html"].context)), own

    few, own_few = sizes(3)
    many, own_many = sizes(300)
    assert many - few < 100                      # the tag page holds the post's card, not its 300 tags
    assert [t["name"] for t in own_many] == [f"タグ{i}" for i in range(300)] and len(own_few) == 3
