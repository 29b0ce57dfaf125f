"""Build-time SVG charts (tsuzuri/charts.py): pure functions from data to a <figure> string,
then the pictures on real builds (entity and archive pages; hostile entity names)."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsuzuri import charts
from tsuzuri.charts import Month, Node

from test_build import make_project, mkdocs, post

SVG = "{http://www.w3.org/2000/svg}"


def parse(figure: str) -> ElementTree.Element:
    """The whole figure is well-formed XML (so it is safe inline in HTML), or this raises."""
    return ElementTree.fromstring(figure)


def svg_of(fig: ElementTree.Element) -> ElementTree.Element:
    return fig.find(f"{SVG}svg")


def table_rows(fig: ElementTree.Element) -> list[tuple[str, int]]:
    return [("".join(tr[0].itertext()), int(tr[1].text)) for tr in fig.iter("tr") if tr[0].tag == "td"]


def assert_accessible(fig: ElementTree.Element) -> None:
    svg = svg_of(fig)
    assert svg.get("role") == "img" and svg.get("viewBox").startswith("0 0 ")
    ids = svg.get("aria-labelledby").split()
    labels = {e.get("id"): "".join(e.itertext()) for e in svg if e.get("id")}
    assert [svg[0].tag, svg[1].tag] == [f"{SVG}title", f"{SVG}desc"]
    assert all(labels.get(i) for i in ids), (ids, labels)
    assert fig.find("details/summary") is not None and fig.find("details/table") is not None


def assert_inert(fig: ElementTree.Element) -> None:
    """Nothing that runs: no script/foreign element, no handler attribute, no javascript: URL."""
    for el in fig.iter():
        name = el.tag.rsplit("}", 1)[-1]
        assert name not in ("script", "foreignObject", "iframe", "object", "embed", "style"), name
        for attr, value in el.attrib.items():
            assert not attr.lower().startswith("on"), (name, attr)
            if attr.endswith("href"):
                assert not re.match(r"\s*(javascript|data|vbscript):", value, re.I), value


def coordinates_inside(svg: ElementTree.Element) -> None:
    _, _, width, height = map(float, svg.get("viewBox").split())
    for el in svg.iter():
        for a in ("x", "x1", "x2", "cx"):
            if el.get(a) is not None:
                assert -0.05 <= float(el.get(a)) <= width + 0.05, (el.tag, a, el.get(a))
        for a in ("y", "y1", "y2", "cy"):
            if el.get(a) is not None:
                assert -0.05 <= float(el.get(a)) <= height + 0.05, (el.tag, a, el.get(a))


# ---------------------------------------------------------------- months


def test_per_month_has_no_gaps_and_spans_the_given_range():
    months = charts.per_month([(2025, 11), (2026, 2), (2025, 11)], first=(2025, 10), last=(2026, 3))
    assert [(m.year, m.month, m.count) for m in months] == [
        (2025, 10, 0), (2025, 11, 2), (2025, 12, 0), (2026, 1, 0), (2026, 2, 1), (2026, 3, 0)]
    assert charts.per_month([]) == []
    assert charts.per_month([(2024, 12)], first=(2025, 1)) == [Month(2024, 12, 1), Month(2025, 1, 0)]


def test_timeline_bars_table_and_text_alternative():
    months = charts.per_month([(2025, 9)] * 4 + [(2025, 11)] * 2, last=(2025, 12))
    fig = parse(charts.timeline(months, ident="t", title="月別", desc="説明", anchors=True))
    assert_accessible(fig)
    assert table_rows(fig) == [("2025年9月", 4), ("2025年10月", 0), ("2025年11月", 2), ("2025年12月", 0)]
    bars = list(svg_of(fig).iter(f"{SVG}rect"))
    assert [b.find(f"{SVG}title").text for b in bars] == ["2025年9月: 4件", "2025年11月: 2件"]
    assert float(bars[0].get("height")) == pytest.approx(2 * float(bars[1].get("height")))
    # bars link to the archive's month headings (id="y2025-9")
    assert [a.get("href") for a in svg_of(fig).iter(f"{SVG}a")] == ["#y2025-9", "#y2025-11"]


def test_timeline_of_nothing_is_nothing():
    assert charts.timeline([], ident="t", title="x", desc="y") == ""
    assert charts.cograph("A", [], ident="g", title="x", desc="y") == ""


months_st = st.lists(st.integers(0, 10**6), min_size=1, max_size=150).map(
    lambda counts: [Month(2000 + i // 12, i % 12 + 1, c) for i, c in enumerate(counts)])
labels_st = st.text(max_size=40)


@settings(max_examples=150, deadline=None)
@given(months_st, labels_st, st.booleans())
def test_any_counts_give_a_well_formed_bounded_timeline(months, title, anchors):
    out = charts.timeline(months, ident="tz-x", title="件数" + title, desc="説明" + title, anchors=anchors)
    fig = parse(out)
    assert_accessible(fig)
    assert_inert(fig)
    svg = svg_of(fig)
    coordinates_inside(svg)
    assert len(list(svg.iter(f"{SVG}rect"))) == sum(1 for m in months if m.count)
    assert [n for _, n in table_rows(fig)] == [m.count for m in months]
    assert charts.timeline(months, ident="tz-x", title="件数" + title, desc="説明" + title, anchors=anchors) == out


hrefs_st = st.one_of(st.none(), st.text(max_size=20).map(lambda s: "../" + s), st.just("https://example.com/?a=1&b=<2>"))
nodes_st = st.lists(st.builds(Node, labels_st, hrefs_st, st.integers(0, 10**5)),
                    min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(labels_st, nodes_st, st.lists(st.tuples(st.integers(-1, 9), st.integers(-1, 9), st.integers(-5, 50))))
def test_any_labels_give_a_well_formed_escaped_graph(center, nodes, links):
    out = charts.cograph(center, nodes, links, ident="tz-g", title=center, desc=center)
    fig = parse(out)
    assert_inert(fig)
    svg = svg_of(fig)
    coordinates_inside(svg)
    # every label comes back as text (escaped, not markup); XML-illegal characters as U+FFFD
    legal = [re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "\ufffd", n.label) for n in nodes]
    assert [label for label, _ in table_rows(fig)] == legal
    assert [n for _, n in table_rows(fig)] == [n.weight for n in nodes]
    assert len(list(svg.iter(f"{SVG}circle"))) == len(nodes) + 1
    assert charts.cograph(center, nodes, links, ident="tz-g", title=center, desc=center) == out


def test_hostile_labels_are_text():
    bad = "<script>alert(1)</script>\"' onload=x &amp;"
    out = charts.cograph(bad, [Node(bad, '../x/" onclick="x', 3)], ident="g", title=bad, desc=bad)
    assert "<script" not in out and 'onclick="' not in out
    fig = parse(out)
    assert_inert(fig)
    assert table_rows(fig) == [(bad, 3)]
    assert svg_of(fig).find(f"{SVG}title").text == bad


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:x", "java\tscript:x", "data:text/html,x"])
def test_links_other_than_relative_or_http_are_refused(url):
    with pytest.raises(ValueError):
        charts.cograph("C", [Node("N", url, 1)], ident="g", title="t", desc="d")


def test_graph_layout_is_radial_and_fixed():
    nodes = [Node(f"E{i}", f"../e{i}/", 10 - i) for i in range(8)]
    svg = svg_of(parse(charts.cograph("C", nodes, [(0, 1, 2)], ident="g", title="t", desc="d")))
    circles = [(float(c.get("cx")), float(c.get("cy"))) for c in svg.iter(f"{SVG}circle")]
    center, ring = circles[-1], circles[:-1]
    assert ring[0][0] == center[0] and ring[0][1] < center[1]          # the heaviest at the top
    assert ring[2][0] > center[0] and ring[6][0] < center[0]            # then clockwise
    widths = [float(e.get("stroke-width")) for e in svg.iter(f"{SVG}line") if e.get("class") == "tz-chart-edge"]
    assert widths == sorted(widths, reverse=True) and widths[0] > widths[-1]
    assert [a.get("href") for a in svg.iter(f"{SVG}a")] == [f"../e{i}/" for i in range(8)]


def test_long_labels_are_shortened_in_the_picture_not_in_the_table():
    name = "とても長い名前の企業グループ株式会社ホールディングス"
    fig = parse(charts.cograph("C", [Node(name, None, 1)], ident="g", title="t", desc="d"))
    shown = [t.text for t in svg_of(fig).iter(f"{SVG}text")]
    assert any(s.endswith("…") and charts.text_width(s) <= 10 for s in shown)
    assert table_rows(fig) == [(name, 1)]


# ---------------------------------------------------------------- real builds


def between(html: str, start: str, end: str) -> str:
    i = html.index(start)
    return html[i: html.index(end, i) + len(end)]


def test_seed_site_entity_and_archive_pages_have_their_charts(seed_site):
    page = (seed_site / "entities/foxconn/index.html").read_text(encoding="utf-8")
    timeline = parse(between(page, '<figure class="tz-chart tz-timeline">', "</figure>"))
    graph = parse(between(page, '<figure class="tz-chart tz-cograph">', "</figure>"))
    for fig in (timeline, graph):
        assert_accessible(fig)
        assert_inert(fig)
    # the timeline counts the posts listed on the page, on the site's month axis (2025-09..12)
    listed = len(re.findall(r'<li class="tz-item', page))
    assert sum(n for _, n in table_rows(timeline)) == listed
    assert [m for m, _ in table_rows(timeline)] == ["2025年9月", "2025年10月", "2025年11月", "2025年12月"]
    # every node links to an entity page that exists
    hrefs = [a.get("href") for a in svg_of(graph).iter(f"{SVG}a")]
    assert 1 <= len(hrefs) <= 8
    for href in hrefs:
        assert (seed_site / "entities/foxconn" / href / "index.html").resolve().is_file(), href
    archive = (seed_site / "archive/index.html").read_text(encoding="utf-8")
    chart = parse(between(archive, '<figure class="tz-chart tz-timeline">', "</figure>"))
    assert_accessible(chart)
    assert sum(n for _, n in table_rows(chart)) == 5
    for year, month in re.findall(r'href="#y(\d+)-(\d+)"', between(archive, "<figure", "</figure>")):
        assert f'id="y{year}-{month}"' in archive


HOSTILE = "<img src=x onerror=alert(1)>&amp;社"


def test_hostile_entity_names_are_escaped_and_builds_are_byte_identical(tmp_path):
    posts = {f"2025-0{i}-0{i}-p{i}.md": post(f"記事{i}", f"2025-0{i}-0{i} 10:00:00 +0900",
                                                 body="悪意社とトヨタ自動車、ソニーの話。" * 2) for i in range(1, 4)}
    project = make_project(tmp_path, posts)
    (project / "entities.yml").write_text(
        '- id: "evil"\n  name: "' + HOSTILE.replace('"', '\\"') + '"\n  type: "company"\n  aliases: ["悪意社"]\n'
        '- id: "toyota"\n  name: "トヨタ自動車"\n  type: "company"\n  aliases: ["トヨタ自動車"]\n'
        '- id: "sony"\n  name: "ソニー"\n  type: "company"\n  aliases: ["ソニー"]\n', encoding="utf-8")
    pages = []
    for run in ("a", "b"):
        out = tmp_path / f"site-{run}"
        result = mkdocs(["build", "--strict", "-d", str(out)], project)
        assert result.returncode == 0, result.stderr
        pages.append({p: (out / p).read_bytes() for p in
                      ("entities/evil/index.html", "entities/toyota/index.html", "archive/index.html")})
    assert pages[0] == pages[1]
    for name, raw in pages[0].items():
        html = raw.decode("utf-8")
        for fig in re.findall(r'<figure class="tz-chart.*?</figure>', html, re.S):
            assert "<img" not in fig
            assert_inert(parse(fig))
    toyota = pages[0]["entities/toyota/index.html"].decode("utf-8")
    graph = parse(between(toyota, '<figure class="tz-chart tz-cograph">', "</figure>"))
    assert (HOSTILE, 3) in table_rows(graph)
    assert any("".join(t.itertext()) == f"{HOSTILE}: 3件" for t in svg_of(graph).iter(f"{SVG}title"))
