"""The editor's report in a real browser (Debian's chromium via Playwright), opened from disk as
an editor opens it: filter and sort the index, open a post, see the side-by-side; hostile post
text runs no script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_build import make_project, post, tsuzuri
from test_report import FRAGMENTED

from test_search_browser import browser  # noqa: F401,E402  (skips the module without chromium)

# Every place post text reaches the report: title, excerpt, body lines (kept, removed, stitched),
# file name, tags; each payload would set window.__xss if it ran.
XSS = '<img src=x onerror="window.__xss=1">'
HOSTILE_BODY = f"""<script>window.__xss=2</script>

"><svg onload="window.__xss=3"> は危険な段落です。これは長い説明の文で、途中で切

---END---

これは長い説明の文で、途中で切れた文の続きです。<img src=x onerror="window.__xss=4">

"><svg onload="window.__xss=3"> は危険な段落です。

</td></tr></table><script>window.__xss=5</script>
"""


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("report-browser")
    posts = {
        "2025-09-18-cut.md": post("分析の見出し", "2025-09-18 10:00:00 +0900", FRAGMENTED,
                                  image="/assets/images/no-such.png"),
        "2025-09-19-hostile-'\"<b>x.md": post(XSS + "</title><script>window.__xss=6</script>",
                                             "2025-09-19 10:00:00 +0900", HOSTILE_BODY,
                                             excerpt="<script>window.__xss=7</script>", tags=[XSS]),
    }
    for i in range(5):
        posts[f"2025-08-{i + 10}-plain-{i}.md"] = post(f"普通の記事{i}", f"2025-08-{i + 10} 10:00:00 +0900")
    project = make_project(tmp, posts)
    result = tsuzuri(["report", "--out", str(tmp / "report")], project)
    assert result.returncode == 0, result.stderr
    return tmp / "report"



@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ja-JP")
    context.route(re.compile(r"^(?!file:)"), lambda route: route.abort())  # nothing leaves the machine
    pg = context.new_page()
    errors, dialogs = [], []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    yield pg
    context.close()
    assert errors == [] and dialogs == []


def visible_files(page) -> list[str]:
    return page.locator("#posts tbody tr:visible td:first-child").all_inner_texts()


def test_filter_then_open_a_post_and_see_the_side_by_side(page, report_dir):
    page.goto((report_dir / "index.html").as_uri())
    assert len(visible_files(page)) == 7
    assert page.locator("#filter-status").inner_text() == "7 / 7"
    page.locator("#filter-text").fill("cut")
    assert visible_files(page) == ["posts/2025-09-18-cut.md"]
    page.locator("#filter-text").fill("")
    page.locator("#filter-show").select_option("stitched")
    assert sorted(visible_files(page)) == ["posts/2025-09-18-cut.md", "posts/2025-09-19-hostile-'\"<b>x.md"]
    page.locator("#filter-show").select_option("kindimage")
    assert visible_files(page) == ["posts/2025-09-18-cut.md"]
    assert "show=kindimage" in page.url  # the filter is in the address: back from a post keeps it

    page.get_by_role("link", name="posts/2025-09-18-cut.md").click()
    side = page.locator("#side")
    side.wait_for()
    assert side.is_visible()
    # The cut sentence beside its completed form, the stitched words highlighted.
    ins = side.locator("td.out ins", has_text="れた文の続きです。次の文。")
    assert ins.is_visible()
    cut_row = side.locator("tr", has=page.locator("td.out ins", has_text="れた文の続きです。次の文。"))
    assert cut_row.locator("td.src").inner_text().startswith("最初の段落です。これは長い説明の文で、途中で切")
    # The repeated paragraph struck through, with nothing beside it.
    repeat = side.locator("tr.removed", has=page.locator("del", has_text=re.compile("^最初の段落です。$")))
    assert repeat.locator("del").evaluate("e => getComputedStyle(e).textDecorationLine") == "line-through"
    assert repeat.locator("td.out").inner_text() == ""
    # A diagnostic's line number leads to its row.
    page.locator("#diagnostics a", has_text=repeat.get_attribute("id")[1:]).first.click()
    assert page.evaluate("location.hash") == "#" + repeat.get_attribute("id")
    page.go_back()
    page.go_back()
    assert visible_files(page) == ["posts/2025-09-18-cut.md"]  # the filter came back with the page


def test_sort_by_a_column(page, report_dir):
    page.goto((report_dir / "index.html").as_uri())
    page.locator("button[data-sort=note]").click()  # numbers: most first
    counts = [int(x) for x in page.locator("#posts tbody tr td:nth-child(10)").all_inner_texts()]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    page.locator("button[data-sort=note]").click()
    counts = [int(x) for x in page.locator("#posts tbody tr td:nth-child(10)").all_inner_texts()]
    assert counts == sorted(counts)
    page.locator("button[data-sort=file]").click()
    files = visible_files(page)
    assert files == sorted(files)


def test_hostile_post_text_is_shown_never_run(page, report_dir):
    page.goto((report_dir / "index.html").as_uri())
    page.locator("#filter-text").fill("hostile")
    row = page.locator("#posts tbody tr:visible")
    assert row.count() == 1
    assert XSS in row.inner_text()  # shown as text
    row.locator("a").click()
    page.locator("h1").wait_for()
    assert page.locator("h1").inner_text().startswith(XSS)
    side = page.locator("#side")
    assert side.locator("td", has_text="<script>window.__xss=2</script>").count() >= 1
    assert side.locator("td", has_text="</td></tr></table><script>window.__xss=5</script>").count() >= 1
    # Nothing injected became an element, and nothing ran.
    assert page.locator("#side img, #side svg, #side script, h1 img, h1 script").count() == 0
    assert page.evaluate("window.__xss") is None
    page.go_back()
    assert page.evaluate("window.__xss") is None
    # And in the files as written: every payload is escaped.
    for path in [report_dir / "index.html", *(report_dir / "p").glob("*hostile*")]:
        html = path.read_text(encoding="utf-8")
        assert "<script>window" not in html and "<img src=x" not in html and "<svg" not in html
