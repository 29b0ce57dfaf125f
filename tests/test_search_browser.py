"""Search in a real browser: Debian's chromium driven by Playwright, against the seed site
built by `mkdocs build` and served on 127.0.0.1. Queries are typed as a reader types them."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

# CI sets TSUZURI_REQUIRE_BROWSER=1: there a missing browser fails instead of skipping.
if not Path(CHROMIUM).exists():
    if os.environ.get("TSUZURI_REQUIRE_BROWSER"):
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk")
    pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)", allow_module_level=True)
from playwright import sync_api  # noqa: E402

AI_PUSH = "/2025/09/18/japan-domestic-ai-push/"
SERVERS = "/2025/11/04/hon-hai-sharp-rapidus-ai-servers/"
INFRA = "/2025/11/22/hon-hai-openai-ai-infrastructure/"
HARDWARE = "/2025/11/23/openai-foxconn-ai-hardware/"
TRILLION = "/2025/12/21/japan-1-trillion-yen-domestic-ai-model/"
ALL = {AI_PUSH, SERVERS, INFRA, HARDWARE, TRILLION}

# query -> exactly the posts that must come back (the rest of the five must not).
EXPECTED = {
    "半導体": {AI_PUSH, SERVERS, HARDWARE, TRILLION},
    "ラピダス": {AI_PUSH, SERVERS},
    "Rapidus": {AI_PUSH, SERVERS},            # SERVERS only says ラピダス: found through the alias
    "人材不足": {AI_PUSH},
    "データセンター": ALL,
    "基盤モデル": {AI_PUSH, SERVERS, TRILLION},
    "1兆円": {TRILLION},
    "Foxconn": {SERVERS, INFRA, HARDWARE},     # SERVERS says 鴻海, INFRA Hon Hai: aliases
    "鴻海": {SERVERS, INFRA, HARDWARE},
    "トヨタ自動車": {AI_PUSH, TRILLION},        # AI_PUSH says トヨタ, an alias
    "ｒａｐｉｄｕｓ": {AI_PUSH, SERVERS},       # full-width input is folded like the index
    "鴻海 シャープ": {SERVERS},                # groups separated by a space must all match
    "foxc": {SERVERS, INFRA, HARDWARE},        # a Latin word is a prefix while typing
    "量子コンピューター": set(),
}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site_url(seed_site):
    """The seed site (one strict `mkdocs build`, search included) served on a free port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(seed_site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ja-JP")
    # Nothing leaves the machine (Material would ask for web fonts).
    context.route(re.compile(r"^(?!http://127\.0\.0\.1)"), lambda route: route.abort())
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert errors == []


def type_query(page, text: str) -> list[str]:
    """Type into the header box like a reader; the hrefs of the results it shows."""
    box = page.locator(".tz-search__input")
    box.click()
    box.fill("")
    box.press_sequentially(text, delay=20)
    page.wait_for_function(
        """q => { const r = document.querySelector('[data-tz-search]');
                  return r.dataset.state === 'done' && r.querySelector('.tz-search__status').textContent.includes(q); }""",
        arg=text, timeout=15000)
    return page.locator(".tz-search__results .tz-hit__link").evaluate_all("els => els.map(e => e.getAttribute('href'))")


def test_queries_find_the_right_posts(page, site_url):
    page.goto(site_url + "/")
    got = {q: set(type_query(page, q)) for q in EXPECTED}
    assert got == EXPECTED


def test_results_show_title_date_and_highlighted_snippet(page, site_url):
    page.goto(site_url + "/")
    assert type_query(page, "基盤モデル")
    first = page.locator(".tz-search__results .tz-hit").first
    assert first.locator(".tz-hit__title").inner_text().strip()
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", first.locator("time").inner_text())
    # The indexer's spaces between characters are gone and the match is one highlight.
    assert "<mark>基盤モデル</mark>" in first.locator(".tz-hit__excerpt").inner_html()
    assert page.locator(".tz-search__status").inner_text() == "「基盤モデル」の検索結果 3件"
    assert page.locator(".tz-search__more").get_attribute("href").endswith("search/?q=%E5%9F%BA%E7%9B%A4%E3%83%A2%E3%83%87%E3%83%AB")


def test_keyboard_slash_focuses_enter_opens_escape_closes(page, site_url):
    page.goto(site_url + "/archive/")
    page.locator("h1").first.click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.classList.contains('tz-search__input')")
    assert page.locator(".tz-search__input").input_value() == ""  # the "/" was not typed
    type_query(page, "1兆円")
    page.keyboard.press("Escape")
    assert page.locator(".tz-search__panel").is_hidden()
    page.locator("h1").first.click()
    page.keyboard.press("s")
    assert page.evaluate("document.activeElement.classList.contains('tz-search__input')")
    page.keyboard.press("ArrowDown")  # back to the only result, wrapping around
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlparse(page.url).path == TRILLION


def test_search_page_from_url_with_filters(page, site_url):
    page.goto(site_url + "/search/?q=" + "半導体")
    page.wait_for_function("document.querySelector('[data-tz-search-page]').dataset.state === 'done'")
    assert page.locator(".tz-search-page__input").input_value() == "半導体"
    hrefs = page.locator(".tz-search-page__results .tz-hit__link").evaluate_all("e => e.map(a => a.getAttribute('href'))")
    assert set(hrefs) == EXPECTED["半導体"]
    assert not page.locator(".tz-search-page__more").is_visible()  # every hit shown: no 「さらに表示」
    assert page.locator(".tz-facet legend").all_inner_texts() == ["カテゴリー", "タグ"]

    page.locator(".tz-facet input[name=category][value='ニュース']").check()
    page.wait_for_function("location.search.includes('category=')")
    page.wait_for_function("document.querySelector('[data-tz-search-page]').dataset.state === 'done'")
    hrefs = page.locator(".tz-search-page__results .tz-hit__link").evaluate_all("e => e.map(a => a.getAttribute('href'))")
    assert set(hrefs) == {SERVERS, TRILLION}
    assert parse_qs(urlparse(page.url).query) == {"q": ["半導体"], "category": ["ニュース"]}

    # A tag alone, no words: every post with the tag, newest first when asked.
    page.goto(site_url + "/search/?tag=OpenAI&sort=date")
    page.wait_for_function("document.querySelector('[data-tz-search-page]').dataset.state === 'done'")
    hrefs = page.locator(".tz-search-page__results .tz-hit__link").evaluate_all("e => e.map(a => a.getAttribute('href'))")
    assert hrefs == [HARDWARE, INFRA]


def test_header_enter_without_results_goes_to_search_page(page, site_url):
    page.goto(site_url + "/")
    assert type_query(page, "量子コンピューター") == []
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlparse(page.url).path == "/search/"
    assert parse_qs(urlparse(page.url).query) == {"q": ["量子コンピューター"]}


def test_only_articles_are_indexed(page, site_url):
    """Nav, header, footer and list-page text never match; every hit is a post."""
    page.goto(site_url + "/")
    for q in ("アーカイブ", "このブログについて", "最新の記事", "Material", "ページ送り", "検索"):
        assert type_query(page, q) == [], q
    meta = json.loads(page.evaluate("fetch('/searchindex/meta.json').then(r => r.text())"))
    urls = {"/" + json.loads(page.evaluate(f"fetch('/searchindex/p/{n}.json').then(r => r.text())"))["url"]
            for n in range(meta["posts"])}
    assert urls == ALL


# -- ranking, exact numbers and excerpts on a small generated site -----------------------------

FILLER = "市場の動向を詳しく見ていきます。" * 40


def _ranking_posts() -> dict[str, str]:
    from test_build import post
    return {
        # 歯科: in one title; said 18 times by another post; only a tag of a third.
        "2025-01-01-dental.md": post("歯科医院の経営とAI", "2025-01-01 09:00:00 +0900", FILLER + "歯科の話。"),
        "2025-01-02-mentions.md": post("医療の現場", "2025-01-02 09:00:00 +0900", FILLER + "歯科の話題。" * 18),
        "2025-01-03-tagged.md": post("別の話題", "2025-01-03 09:00:00 +0900", FILLER, tags=["歯科"]),
        # 2.5兆円 and 25兆円 or 2.55兆円, 2.4% and 2.45%; Llama 4 and Llama 40.
        "2025-01-04-small.md": post("政府の予算", "2025-01-04 09:00:00 +0900", FILLER + "総額は2.5兆円に上る。金利は2.4%。"),
        "2025-01-05-large.md": post("別の予算", "2025-01-05 09:00:00 +0900", FILLER + "総額は25兆円に上る。" * 3 + "別に2.55兆円、金利は2.45%。"),
        "2025-01-06-llama4.md": post("モデルの比較", "2025-01-06 09:00:00 +0900", FILLER + "Llama 4の推論は速い。"),
        "2025-01-07-llama40.md": post("架空のモデル", "2025-01-07 09:00:00 +0900", FILLER + "Llama 40の推論は速い。" * 3),
        # Llama and 4 apart; 2.4 times, not 2.4%.
        "2025-01-08-apart.md": post("推論の比較", "2025-01-08 09:00:00 +0900", FILLER + "Llamaの推論は速い。理由は4つ。" * 3),
        "2025-01-09-times.md": post("売上の話", "2025-01-09 09:00:00 +0900", FILLER + "売上は2.4倍に伸びた。"),
        # DX推進: only a tag of a post whose title and text say DX and 推進 apart, many times; said
        # once by another post.
        "2025-01-10-dx.md": post("DXの実際", "2025-01-10 09:00:00 +0900", FILLER + "DXを進める。推進する。" * 10,
                                 tags=["DX推進"]),
        "2025-01-11-dxsaid.md": post("別の記事", "2025-01-11 09:00:00 +0900", FILLER + "DX推進の話。"),
        # every pair of データセンター, but never the word: found by the index, dropped when checked
        "2025-01-12-pairs.md": post("ばらばら", "2025-01-12 09:00:00 +0900", FILLER + "データとタセとセンター。"),
        "2025-01-13-said.md": post("一つの記事", "2025-01-13 09:00:00 +0900", FILLER + "データセンターの話。"),
    }


@pytest.fixture(scope="module")
def ranking_url(tmp_path_factory):
    from test_build import make_project, mkdocs
    project = make_project(tmp_path_factory.mktemp("ranking"), _ranking_posts())
    result = mkdocs(["build", "--strict"], project)
    assert result.returncode == 0, result.stderr
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=str(project / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def results_page(page, url: str, q: str) -> list[tuple[str, str]]:
    """(href, excerpt HTML) of the /search/?q= page's results, in order."""
    page.goto(f"{url}/search/?q={q}")
    page.wait_for_function("document.querySelector('[data-tz-search-page]').dataset.state === 'done'")
    return page.locator(".tz-search-page__results .tz-hit").evaluate_all(
        "els => els.map(e => [e.querySelector('a').getAttribute('href'), e.querySelector('.tz-hit__excerpt').innerHTML])")


def test_title_outranks_body_outranks_tag(page, ranking_url):
    hrefs = [h for h, _ in results_page(page, ranking_url, "歯科")]
    assert hrefs == ["/2025/01/01/dental/", "/2025/01/02/mentions/", "/2025/01/03/tagged/"]


def test_numbers_match_whole(page, ranking_url):
    assert [h for h, _ in results_page(page, ranking_url, "2.5兆円")] == ["/2025/01/04/small/"]
    assert [h for h, _ in results_page(page, ranking_url, "2.4%")] == ["/2025/01/04/small/"]
    assert [h for h, _ in results_page(page, ranking_url, "Llama 4 推論")] == ["/2025/01/06/llama4/"]
    [(_, html)] = results_page(page, ranking_url, "2.5兆円")
    assert "<mark>2.5兆円</mark>" in html
    [(_, html)] = results_page(page, ranking_url, "2.4%")
    assert "<mark>2.4%</mark>" in html and "\u2042" not in html
    assert {h for h, _ in results_page(page, ranking_url, "2.4")} == {"/2025/01/04/small/", "/2025/01/09/times/"}


def test_a_phrase_in_the_text_outranks_the_same_words_apart(page, ranking_url):
    """The post that says DX推進 first; the one whose tag says it (and whose title and text say
    DX and 推進 apart, many times) after it, with its own text as the excerpt."""
    hits = results_page(page, ranking_url, "DX推進")
    assert [h for h, _ in hits] == ["/2025/01/11/dxsaid/", "/2025/01/10/dx/"]
    assert "<mark>DX推進</mark>" in hits[0][1]
    assert hits[1][1].startswith("市場の動向を詳しく見ていきます。") and "<mark>" not in hits[1][1]


def test_a_post_holding_the_pairs_apart_is_not_shown_nor_counted(page, ranking_url):
    assert [h for h, _ in results_page(page, ranking_url, "データセンター")] == ["/2025/01/13/said/"]
    assert page.locator(".tz-search-page__status").inner_text() == "「データセンター」の検索結果 1件"


def test_a_post_found_through_its_tag_shows_its_own_text(page, ranking_url):
    hits = dict(results_page(page, ranking_url, "歯科"))
    tagged = hits["/2025/01/03/tagged/"]
    assert tagged.startswith("市場の動向を詳しく見ていきます。") and "<mark>" not in tagged


def test_a_query_fetches_its_words_files_and_the_texts_it_shows(page, site_url):
    """半導体 on the results page: the meta, the two word files of 半導 and 導体, and the texts of
    the four posts it shows; nothing else of the index (at 2,500 posts that is ~0.2% of it)."""
    from tsuzuri import search

    fetched = []
    page.on("request", lambda r: fetched.append(urlparse(r.url).path))
    page.goto(site_url + "/search/?q=" + "半導体")
    page.wait_for_function("document.querySelector('[data-tz-search-page]').dataset.state === 'done'")
    index = sorted(p for p in fetched if p.startswith("/searchindex/"))
    meta = json.loads(page.evaluate("fetch('/searchindex/meta.json').then(r => r.text())"))
    files = sorted({f"/searchindex/w/{search.word_file(w, meta['files'])}.bin" for w in ("半導", "導体")})
    assert [p for p in index if "/w/" in p] == files
    assert len([p for p in index if "/p/" in p]) == len(EXPECTED["半導体"]) and index.count("/searchindex/meta.json") == 1
    assert page.locator(".tz-facet legend").all_inner_texts() == ["カテゴリー", "タグ"]
