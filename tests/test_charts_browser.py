"""The build-time SVG charts in a real browser (Debian's chromium via Playwright) on the seed
site: drawn with a non-zero size inside the page on a desktop and a 390 px phone, readable
(contrast) in Material's light and slate schemes, and named for screen readers."""

from __future__ import annotations

import re

import pytest

from test_search_browser import browser, site_url  # noqa: F401  (skips without chromium)

PAGES = {"/entities/foxconn/": 2, "/archive/": 1}   # charts per page
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

# Colours as the browser computed them: composite over the page background, then WCAG contrast.
MEASURE = """svg => {
  const rgba = s => { const m = s.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const bg = rgba(getComputedStyle(document.body).backgroundColor);
  const lum = c => { const v = c.slice(0, 3).map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const over = c => [0, 1, 2].map(i => c[i] * c[3] + bg[i] * (1 - c[3]));
  const contrast = s => { const a = lum(over(rgba(s))), b = lum(bg); return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); };
  const box = svg.getBoundingClientRect();
  const texts = [...svg.querySelectorAll('text')];
  const marks = [...svg.querySelectorAll('.tz-chart-bar, .tz-chart-center')];
  return {
    x: box.left, width: box.width, height: box.height, doc: document.documentElement.clientWidth,
    text: Math.min(...texts.map(t => contrast(getComputedStyle(t).fill))),
    marks: marks.length ? Math.min(...marks.map(m => contrast(getComputedStyle(m).fill))) : null,
    fills: texts.slice(0, 1).map(t => getComputedStyle(t).fill).concat(marks.slice(0, 1).map(m => getComputedStyle(m).fill)),
    label: Math.min(...texts.map(t => t.getBoundingClientRect().height)),
  };
}"""



def open_page(browser, url: str, viewport: dict, dark: bool):
    context = browser.new_context(locale="ja-JP", viewport=viewport)
    context.route(re.compile(r"^(?!http://127\.0\.0\.1)"), lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    if dark:  # what Material's palette toggle does
        page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
    return context, page, errors


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("device", VIEWPORTS)
def test_charts_render_readably_in_both_schemes(browser, site_url, path, device):  # noqa: F811
    fills = {}
    for dark in (False, True):
        context, page, errors = open_page(browser, site_url + path, VIEWPORTS[device], dark)
        svgs = page.locator("figure.tz-chart svg")
        assert svgs.count() == PAGES[path]
        for k in range(svgs.count()):
            m = svgs.nth(k).evaluate(MEASURE)
            assert m["width"] > 200 and m["height"] > 100, m
            assert m["x"] >= 0 and m["x"] + m["width"] <= m["doc"] + 0.5, m     # no sideways scrolling
            assert m["text"] >= 4.5, (dark, m)                                   # WCAG AA for text
            assert m["marks"] is None or m["marks"] >= 3, (dark, m)              # and for graphics
            assert m["label"] >= 10, m                                           # px on the screen
            fills.setdefault(k, []).append(m["fills"])
        context.close()
        assert errors == []
    for light, dark in fills.values():   # the colours come from the scheme, not from the SVG
        assert light != dark


@pytest.mark.parametrize("path", PAGES)
def test_charts_have_a_name_a_description_and_a_data_table(browser, site_url, path):  # noqa: F811
    context, page, _ = open_page(browser, site_url + path, VIEWPORTS["phone"], False)
    figures = page.locator("figure.tz-chart")
    for k in range(figures.count()):
        fig = figures.nth(k)
        svg = fig.locator("svg")
        title = svg.locator("title").first.text_content()
        assert title and page.get_by_role("img", name=title).count() >= 1
        assert svg.evaluate("s => s.getAttribute('aria-labelledby').split(' ').map(i => document.getElementById(i).textContent)")[1]
        table = fig.locator("details table")
        assert not table.is_visible()
        fig.locator("details summary").click()
        assert table.is_visible() and table.locator("tbody tr").count() >= 1
    context.close()


def test_graph_nodes_link_to_entity_pages(browser, site_url):  # noqa: F811
    context, page, _ = open_page(browser, site_url + "/entities/foxconn/", VIEWPORTS["desktop"], False)
    links = page.locator("figure.tz-cograph svg a")
    assert 1 <= links.count() <= 8
    first = links.first
    name = first.locator("title").text_content().split(":")[0]
    first.locator("circle").click()
    page.wait_for_url(re.compile(r"/entities/[^/]+/$"))
    assert page.locator("h1").text_content() == name
    context.close()
