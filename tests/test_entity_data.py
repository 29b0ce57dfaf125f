"""Entities from a Jekyll site's own data: ``_data/**/companies.yml`` read tolerantly, merged into
the registry (aliases unioned, conflicts named with file and line), shown on entity pages.

The companies here are invented; the file has the shape of the blog this project replaces."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from test_build import mkdocs, tsuzuri
from test_jekyll_import import write
from tsuzuri.diagnostics import ERROR, Diagnostics
from tsuzuri.entities import _load_registry_text, newest_first
from tsuzuri.entity_data import merge, read_companies

COMPANIES = """\
# 主要企業プロフィール（テスト用、架空の企業）
# Updated: 2026-01-01 09:00 JST

- id: kumo-labs
  name: Kumo Labs (雲研究所)
  type: AI研究企業
  valuation_usd: 12B
  employees: 800+
  key_products:
  - name: Kumo-3
    type: LLM
    release: 2025-08
  - name: KumoChat
    type: チャットボット
    users: 月間1,000万人
  recent_news:
  - date: 2025-03
    headline: シリーズBで資金調達
  - date: 2025-11
    headline: Kumo-3の企業向け提供を開始
    url: https://example.com/kumo/news/3
  partnerships:
  - Hoshi Denki
  - Unknown Partner
  hq: 札幌
- id: hoshi
  name: Hoshi Denki
  type: 半導体メーカー
  market_cap_usd: 40B
  key_products: Hoshi X1
  recent_news:
  - 2025年に新工場を計画
  partnerships: Kumo Labs
- id: tsuki-motors
  name: 月自動車
  recent_news:
  - date: 2024-12-24
    headline: 自動運転の実証を開始
"""

REGISTRY = """\
- id: "hoshi-denki"
  name: "星電機"
  type: "company"
  aliases: ["星電機", "ホシデンキ", "Hoshi Denki"]
  description: "架空の半導体メーカー。"
- id: "kumo-ai"
  name: "雲AI"
  type: "product"
  aliases: ["雲研究所"]
"""


def _read(text: str, tmp_path: Path, diags: Diagnostics | None = None):
    path = tmp_path / "companies.yml"
    path.write_text(text, encoding="utf-8")
    return read_companies(path, "_data/market/companies.yml", diags if diags is not None else Diagnostics())


def test_the_blogs_shape_is_read_into_registry_values(tmp_path):
    diags = Diagnostics()
    kumo, hoshi, tsuki = _read(COMPANIES, tmp_path, diags)
    assert (kumo.id, kumo.name, kumo.aliases, kumo.line) == ("kumo-labs", "Kumo Labs", ["Kumo Labs", "雲研究所"], 4)
    # the file's "# Updated:" date is each figure's date
    assert kumo.figures == [{"label": "業種", "value": "AI研究企業", "as_of": "2026-01-01"},
                            {"label": "企業評価額（米ドル）", "value": "12B", "as_of": "2026-01-01"},
                            {"label": "従業員数", "value": "800+", "as_of": "2026-01-01"},
                            {"label": "本社", "value": "札幌", "as_of": "2026-01-01"}]
    assert kumo.products == [{"name": "Kumo-3", "kind": "LLM", "release": "2025-08"},
                             {"name": "KumoChat", "kind": "チャットボット", "note": "月間1,000万人"}]
    assert kumo.news[1] == {"date": "2025-11", "headline": "Kumo-3の企業向け提供を開始",
                            "url": "https://example.com/kumo/news/3"}
    assert kumo.partners == ["Hoshi Denki", "Unknown Partner"]
    # a string where a list is expected, a news item without a date
    assert hoshi.products == [{"name": "Hoshi X1"}] and hoshi.news == [{"headline": "2025年に新工場を計画"}]
    assert hoshi.partners == ["Kumo Labs"]
    # no type and no figures; YAML's date becomes text
    assert tsuki.figures == [] and tsuki.news == [{"date": "2024-12-24", "headline": "自動運転の実証を開始"}]
    assert [d for d in diags if d.severity >= ERROR] == []


def test_merge_unions_aliases_and_names_each_conflict_with_file_and_line(tmp_path):
    diags = Diagnostics()
    companies = [("_data/market/companies.yml", c) for c in _read(COMPANIES, tmp_path)]
    merged = merge(REGISTRY, "entities.yml", companies, diags)
    registry = _load_registry_text(merged.text, "entities.yml", Diagnostics())
    # hoshi (another id) joins hoshi-denki by its name "Hoshi Denki": no duplicate entity
    assert set(registry.entities) == {"hoshi-denki", "kumo-ai", "kumo-labs", "tsuki-motors"}
    hoshi = registry.entities["hoshi-denki"]
    assert hoshi.name == "星電機" and hoshi.description == "架空の半導体メーカー。"   # the registry's are kept
    assert hoshi.aliases == ["星電機", "ホシデンキ", "Hoshi Denki"]
    assert hoshi.figures[-1] == {"label": "時価総額（米ドル）", "value": "40B", "as_of": "2026-01-01"}
    assert hoshi.products == [{"name": "Hoshi X1"}]
    # 雲研究所 already names kumo-ai: a warning at the company's line, naming the other entity's line
    kumo = registry.entities["kumo-labs"]
    assert kumo.aliases == ["Kumo Labs"] and kumo.type == "company"
    found = [d.format() for d in diags]
    assert any(f.startswith("_data/market/companies.yml:4: warning: alias '雲研究所' of company 'kumo-labs' "
                            "already names entity 'kumo-ai' (entities.yml line 6)") for f in found), found
    assert any(f.startswith("_data/market/companies.yml:26: note: company 'hoshi' merged into entity "
                            "'hoshi-denki' (entities.yml line 1)") for f in found), found
    assert merged.added == ["kumo-labs", "tsuki-motors"] and merged.updated == ["hoshi-denki"]
    # the untouched entry keeps its bytes; a second merge changes nothing
    assert '- id: "kumo-ai"\n  name: "雲AI"\n  type: "product"\n  aliases: ["雲研究所"]\n' in merged.text
    again = merge(merged.text, "entities.yml", companies, Diagnostics())
    assert again.text == merged.text and again.added == [] and again.updated == []
    assert sorted(again.unchanged) == ["hoshi-denki", "kumo-labs", "tsuki-motors"]


def test_a_company_naming_two_entities_or_repeated_is_not_merged(tmp_path):
    data = """\
- id: both
  name: 星電機
  aliases: [Kumo Shoji]
- id: hoshi-denki
  name: Hoshi
- id: hoshi-denki
  name: Hoshi again
- id: kumo-research
  name: 雲研究所
"""
    diags = Diagnostics()
    companies = [("companies.yml", c) for c in _read(data, tmp_path)]
    registry = REGISTRY + '- id: "kumo-shoji"\n  name: "雲商事"\n  type: "company"\n  aliases: ["Kumo Shoji"]\n'
    merged = merge(registry, "entities.yml", companies, diags)
    found = [d.format() for d in diags]
    assert any(f.startswith("companies.yml:1: warning: company 'both': its names belong to several entities "
                            "(hoshi-denki, kumo-shoji); not imported") for f in found), found
    assert any(f.startswith("companies.yml:6: warning: company 'hoshi-denki' is entity 'hoshi-denki' again "
                            "(first at companies.yml:4); not imported") for f in found), found
    # a new company named like an entity of another type (the product 雲研究所)
    assert any(f.startswith("companies.yml:8: warning: company 'kumo-research': its name '雲研究所' already names "
                            "entity 'kumo-ai' (entities.yml line 6), which is not a company; not imported")
               for f in found), found
    registry = _load_registry_text(merged.text, "entities.yml", Diagnostics())
    assert registry.entities["hoshi-denki"].aliases == ["星電機", "ホシデンキ", "Hoshi Denki", "Hoshi"]
    assert "kumo-research" not in registry.entities and merged.added == []


def test_the_alias_merge_of_hon_hai(tmp_path):
    """鴻海 = ホンハイ = Hon Hai = Foxconn: data that knows the company by other spellings joins it."""
    registry = '- id: "foxconn"\n  name: "鴻海精密工業"\n  type: "company"\n  aliases: ["鴻海", "Foxconn"]\n'
    data = "- id: honhai\n  name: Hon Hai (鴻海)\n  aliases: ホンハイ\n  hq: 新北\n"
    merged = merge(registry, "entities.yml", [("c.yml", c) for c in _read(data, tmp_path)], Diagnostics())
    entity = _load_registry_text(merged.text, "entities.yml", Diagnostics()).entities
    assert list(entity) == ["foxconn"]
    assert entity["foxconn"].aliases == ["鴻海精密工業", "鴻海", "Foxconn", "Hon Hai", "ホンハイ"]
    assert entity["foxconn"].figures == [{"label": "本社", "value": "新北"}]


def test_news_are_newest_first_and_undated_last():
    news = [{"headline": "a", "date": "2025-03"}, {"headline": "b"}, {"headline": "c", "date": "2025-11-02"},
            {"headline": "d", "date": "2024"}, {"headline": "e", "date": "2025-11-30"}]
    assert [n["headline"] for n in newest_first(news)] == ["e", "c", "a", "d", "b"]


# ---------------------------------------------------------------- tolerance (hypothesis)

_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12), st.dates())
_value = st.recursive(_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)
_keys = st.sampled_from(["id", "name", "type", "aliases", "key_products", "products", "recent_news", "news",
                         "partnerships", "partners", "hq", "market_cap_usd", "website", "description", "odd_key"])
_company = st.dictionaries(_keys, _value, max_size=8)
# names the registry already has (of a company and of a product), so merges and conflicts are drawn too
_name = st.one_of(st.text(min_size=1, max_size=10), st.sampled_from(["星電機", "Hoshi Denki", "雲研究所", "雲AI", "Kumo"]))
_item = st.one_of(_company, st.fixed_dictionaries({"name": _name}, optional={
    "id": st.one_of(st.text(max_size=10), st.sampled_from(["hoshi-denki", "kumo-ai", "kumo"])),
    "aliases": st.one_of(_name, st.lists(_name, max_size=3)), "type": st.sampled_from(["company", "product", "AI企業"]),
    "key_products": _value, "recent_news": _value, "partnerships": _value}), _value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_item, max_size=6))
@example([{"name": "00"}, {"name": "00", "id": "0"}])  # two new companies of one name: one entity
def test_any_data_file_is_read_and_merged_without_traceback(tmp_path_factory, data):
    """Whatever the file holds: no exception, every company that is left out is named at its line,
    and the merged registry loads without errors."""
    tmp = tmp_path_factory.mktemp("data")
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    diags = Diagnostics()
    companies = _read(text, tmp, diags)
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    lines = [n.start_mark.line + 1 for n in root.value] if isinstance(root, yaml.SequenceNode) else []
    kept = {c.line for c in companies}
    for line in lines:
        assert line in kept or any(d.line == line for d in diags), (line, text, diags)
    merged = merge(REGISTRY, "entities.yml", [("c.yml", c) for c in companies], diags)
    refused = [d for d in diags if d.file == "entities.yml"]  # the merge never gives up on a valid registry
    assert not refused, (refused, text)
    check = Diagnostics()
    registry = _load_registry_text(merged.text, "entities.yml", check)
    assert not check.has_errors, (check, merged.text)
    assert {"hoshi-denki", "kumo-ai"} <= set(registry.entities)


# ---------------------------------------------------------------- a real import and build

def test_imported_facts_show_on_the_entity_page(tmp_path):
    site = tmp_path / "jekyll"
    write(site / "_config.yml", 'title: "テスト"\nurl: "https://example.org"\npermalink: /:year/:month/:day/:title/\n'
                                "timezone: Asia/Tokyo\n")
    write(site / "_posts" / "2025-12-01-kumo.md",
          '---\ntitle: "雲の記事"\ndate: 2025-12-01 10:00:00 +0900\n---\n\nKumo Labsと星電機が提携した。\n')
    write(site / "_data" / "market" / "companies.yml", COMPANIES)
    project = tmp_path / "blog"
    result = tsuzuri(["import-jekyll", str(site), "--into", str(project)], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "_data/market/companies.yml → entities.yml: 3 companies (3 new entities, 0 updated" in result.stdout
    build = mkdocs(["build", "--strict"], project)
    assert build.returncode == 0, build.stderr[-3000:]
    page = (project / "site" / "entities" / "kumo-labs" / "index.html").read_text(encoding="utf-8")
    article = page[page.index('<article class="tz-entity-page">'):]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", article))
    assert "企業評価額（米ドル） 12B" in text and "本社 札幌" in text and "データ更新日 2026年1月1日" in text
    assert "主な製品・サービス" in text and "Kumo-3 LLM 2025年8月" in text and "月間1,000万人" in text
    # newest first, with its source link
    assert text.index("2025年11月 Kumo-3の企業向け提供を開始") < text.index("2025年3月 シリーズBで資金調達")
    assert '<a href="https://example.com/kumo/news/3" rel="noopener nofollow">出典</a>' in article
    # a partner the registry knows links to its page; the other is text
    assert re.search(r'<a href="\.\./hoshi/">Hoshi Denki</a>、\s*Unknown Partner', article), article[:3000]
    assert "言及している記事（1件）" in text
    # no product of Hoshi Denki has a status or note: no empty 備考 column
    hoshi = (project / "site" / "entities" / "hoshi" / "index.html").read_text(encoding="utf-8")
    assert "<td>Hoshi X1</td>" in hoshi and "備考" not in hoshi and "2025年に新工場を計画" in hoshi


# ---------------------------------------------------------------- entities suggest --out

def test_suggest_writes_a_review_list_in_the_registrys_format(tmp_path):
    posts = tmp_path / "posts"
    body = ("Kumo Labsの新製品をGreen Harbor Capitalが評価した。高市早苗首相も言及した。\n\n"
            "Green Harbor Capitalは追加の出資を決めた。高市早苗首相は歓迎した。Kumo Labsも応じた。")
    write(posts / "2025-01-01-a.md", f"---\ntitle: 記事\ndate: 2025-01-01\n---\n{body}\n")
    write(tmp_path / "entities.yml", '- id: "kumo-labs"\n  name: "Kumo Labs"\n  type: "company"\n  aliases: ["Kumo Labs"]\n')
    result = tsuzuri(["entities", "suggest", "posts", "--out", "review.yml"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "review list: review.yml" in result.stdout
    text = (tmp_path / "review.yml").read_text(encoding="utf-8")
    entries = {e["name"]: e for e in yaml.safe_load(text)}
    assert "Kumo Labs" not in entries   # known: never suggested
    assert entries["Green Harbor Capital"] == {"id": "green-harbor-capital", "name": "Green Harbor Capital",
                                               "type": "other", "aliases": ["Green Harbor Capital"]}
    assert entries["高市早苗"]["type"] == "person" and entries["高市早苗"]["id"] == ""
    assert "# 2 mentions in 1 posts (人名); first in " in text
    # moved into the registry unreviewed, an entry without an id fails the build
    diags = Diagnostics()
    _load_registry_text(text, "entities.yml", diags)
    assert any(d.severity >= ERROR and "id '' is missing" in d.message for d in diags), diags


# ---------------------------------------------------------------- facts written by hand in entities.yml

def test_bad_facts_in_the_registry_are_warnings_with_the_line():
    text = """\
- id: "kumo"
  name: "雲研究所"
  type: "company"
  aliases: ["雲研究所"]
  figures: "12B"
- id: "hoshi"
  name: "星電機"
  type: "company"
  aliases: ["星電機"]
  products:
    - {kind: "LLM"}
    - {name: "X1", url: "example.com", colour: "red"}
  news:
    - {headline: "工場を計画", date: "来年"}
  partners: {a: 1}
"""
    diags = Diagnostics()
    registry = _load_registry_text(text, "entities.yml", diags)
    found = [(d.line, str(d.severity), d.message) for d in diags]
    assert found == [
        (1, "warning", "entity 'kumo': figures must be a list; ignored"),
        (6, "warning", "entity 'hoshi': products item 1 ({'kind': 'LLM'}) has no name; ignored"),
        (6, "warning", "entity 'hoshi': products item 2: url 'example.com' is not an http(s) URL; ignored"),
        (6, "warning", "entity 'hoshi': products item 2: unknown key 'colour' ignored"),
        (6, "warning", "entity 'hoshi': news item 1: date '来年' is not YYYY-MM-DD, YYYY-MM or YYYY; "
                       "shown as written, after the dated items"),
        (6, "warning", "entity 'hoshi': partners must be a list of names; ignored"),
    ], found
    assert registry.entities["hoshi"].products == [{"name": "X1"}]
    assert registry.entities["hoshi"].news == [{"headline": "工場を計画", "date": "来年"}]


def test_an_unreadable_registry_stops_the_company_import_with_a_diagnostic(tmp_path):
    site = tmp_path / "jekyll"
    write(site / "_posts" / "2025-12-01-a.md", '---\ntitle: "a"\ndate: 2025-12-01\n---\n\n本文\n')
    write(site / "_data" / "companies.yml", COMPANIES)
    project = tmp_path / "blog"
    assert tsuzuri(["import-jekyll", str(site), "--into", str(project)], tmp_path).returncode == 0
    (project / "entities.yml").write_bytes(b'- id: "a"\n  name: "\xff"\n')
    result = tsuzuri(["import-jekyll", str(site), "--into", str(project)], tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "error: entities.yml: not valid UTF-8" in result.stderr and "no company imported" in result.stderr
