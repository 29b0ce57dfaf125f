"""Entity registry and mention finding: scripts, boundaries, longest match, exclusions, diagnostics."""

from __future__ import annotations

import html as html_module
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsuzuri.diagnostics import ERROR, WARNING, Diagnostics
from tsuzuri.entities import Registry, find, fold, load_registry
from tsuzuri.render import Renderer

ROOT = Path(__file__).resolve().parents[1]

REGISTRY = """\
- id: foxconn
  name: 鴻海精密工業
  type: company
  aliases: [鴻海, ホンハイ, Hon Hai, Foxconn, 鴻海精密工業]
- id: softbank-group
  name: ソフトバンクグループ
  type: company
  aliases: [SoftBank Group, SBG]
- id: softbank-corp
  name: ソフトバンク
  type: company
  aliases: [SoftBank]
- id: amd
  name: AMD
  type: company
  aliases: [AMD]
- id: openai
  name: OpenAI
  type: company
  aliases: [オープンAI]
- id: ai-inc
  name: AI Inc
  type: company
  aliases: [AI]
"""


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Registry:
    path = tmp_path_factory.mktemp("reg") / "entities.yml"
    path.write_text(REGISTRY, encoding="utf-8")
    diags = Diagnostics()
    reg = load_registry(path, "entities.yml", diags)
    assert not diags, [d.format() for d in diags]
    return reg


def mentions(html: str, registry: Registry) -> dict[str, int]:
    return find(html, registry, "2025/01/02/post/index.html").counts


def md(text: str) -> str:
    return Renderer()(text).html


@pytest.mark.parametrize("text", ["鴻海が発表した", "ホンハイの工場", "Hon Haiは台湾の", "Foxconnと提携",
                                  "ＦＯＸＣＯＮＮと提携", "Ｆｏｘｃｏｎｎと", "foxconnの", "ﾎﾝﾊｲの工場"])
def test_every_script_and_width_finds_the_entity(registry, text):
    assert mentions(f"<p>{text}</p>", registry) == {"foxconn": 1}


def test_mixed_scripts_in_one_text_count_as_one_entity(registry):
    html = "<p>鴻海（Hon Hai、通称Foxconn）は、ホンハイとも呼ばれる。鴻海精密工業が正式名。</p>"
    assert mentions(html, registry) == {"foxconn": 5}


@pytest.mark.parametrize("text,expected", [
    ("OpenAIが発表", {"openai": 1}),          # AI (another entity) is not inside OpenAI
    ("AMDXという規格", {}),                    # AMD not inside AMDX
    ("xAMDの", {}),
    ("AMD製のGPU", {"amd": 1}),               # a Latin word followed by kanji is a boundary
    ("(AMD)", {"amd": 1}),
    ("amdの株価", {}),                         # acronyms match their case exactly
    ("ＡＭＤの株価", {"amd": 1}),               # ...but width still folds
    ("AIとAMD", {"ai-inc": 1, "amd": 1}),
    ("e-AI", {"ai-inc": 1}),                   # '-' is not a letter or digit: a boundary, like \b
])
def test_latin_aliases_match_only_at_word_boundaries(registry, text, expected):
    assert mentions(f"<p>{text}</p>", registry) == expected


def test_longest_match_wins(registry):
    assert mentions("<p>ソフトバンクグループとソフトバンク</p>", registry) == {"softbank-group": 1, "softbank-corp": 1}
    assert mentions("<p>SoftBank Groupが</p>", registry) == {"softbank-group": 1}
    assert mentions("<p>鴻海精密工業は</p>", registry) == {"foxconn": 1}


def test_nothing_inside_code_links_or_urls(registry):
    html = md("鴻海の話。\n\n`Foxconn` と [ホンハイ](https://example.com/) と https://www.foxconn.com/ja/ を参照。\n\n"
              "```\nFoxconn\n```\n\n    Hon Hai in indented code\n")
    found = find(html, registry, "a/index.html")
    assert found.counts == {"foxconn": 1}
    assert found.html.count('class="tz-entity"') == 1


def test_headings_count_but_are_not_linked(registry):
    found = find(md("## 鴻海の戦略\n\nホンハイは動いた。Foxconnも。\n"), registry, "2025/01/02/post/index.html")
    assert found.counts == {"foxconn": 3}
    heading = re.search(r"<h2.*?</h2>", found.html).group(0)
    assert "tz-entity" not in heading
    assert found.html.count('class="tz-entity"') == 1
    assert '<a class="tz-entity" href="../../../../entities/foxconn/">ホンハイ</a>' in found.html


def test_first_mention_of_each_entity_is_linked_once(registry):
    found = find(md("鴻海とAMD。鴻海とAMD。\n\nFoxconnとAMD。\n"), registry, "index.html")
    assert found.counts == {"foxconn": 3, "amd": 3}
    assert found.html.count('href="entities/foxconn/"') == 1
    assert found.html.count('href="entities/amd/"') == 1
    assert found.html.index("entities/foxconn") < found.html.index("entities/amd")


def test_escaped_text_and_snippet(registry):
    found = find(md("前置きの文章です。**鴻海** & Foxconn <br> の話。"), registry, "index.html")
    assert found.counts == {"foxconn": 2}
    assert "鴻海" in found.snippets["foxconn"] and "&amp;" not in found.snippets["foxconn"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("鴻海ホンハイFoxcn AMDXopenIbg <>&`*_[]()#\n")), max_size=120))
def test_linking_never_changes_the_text(registry, text):
    html = md(text)
    found = find(html, registry, "2025/01/02/post/index.html")
    strip = lambda h: re.sub(r'<a class="tz-entity" href="[^"]*">(.*?)</a>', r"\1", h)  # noqa: E731
    assert strip(found.html) == html
    assert sum(found.counts.values()) >= found.html.count('class="tz-entity"')


CHARREF_REGISTRY = """\
- id: amp-inc
  name: Amp
  type: company
- id: hex-co
  name: x1F
  type: company
- id: num-co
  name: "123"
  type: company
- id: quot-co
  name: QUOT
  type: company
- id: att
  name: AT&T
  type: company
"""
_CHARREF = re.compile(r"&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);?")


@pytest.fixture(scope="module")
def charref_registry(tmp_path_factory) -> Registry:
    path = tmp_path_factory.mktemp("reg") / "entities.yml"
    path.write_text(CHARREF_REGISTRY, encoding="utf-8")
    diags = Diagnostics()
    reg = load_registry(path, "entities.yml", diags)
    assert not diags, [d.format() for d in diags]
    return reg


def test_no_match_inside_a_character_reference(charref_registry):
    html = '<p>R&amp;D と &#123; と &#x1F; と &quot;x&quot; と AT&amp;T</p>'
    found = find(html, charref_registry, "index.html")
    assert found.counts == {"att": 1} and found.html.count("tz-entity") == 1
    assert 'R&amp;D と &#123; と &#x1F; と &quot;x&quot; と <a class="tz-entity"' in found.html
    assert find("<p>Amp と 123 と x1F と AT&amp;T</p>", charref_registry, "index.html").counts == {
        "amp-inc": 1, "num-co": 1, "hex-co": 1, "att": 1}


def _text(page: str) -> str:
    """What a browser shows: each text node's references decoded on their own."""
    return "".join(html_module.unescape(part) for part in re.split(r"<[^>]*>", page))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["Amp", "amp", "&", "&amp;", ";", "#", "123", "&#123;", "&#x1F;", "x1F", "x", "1F",
                                 "QUOT", "quot", "&quot;", '"', "AT&T", "AT", "T", "R&D", " ", "<b>", "</b>", "。"]),
                max_size=30).map("".join), st.booleans())
def test_linking_never_changes_the_text_nor_breaks_a_reference(charref_registry, text, rendered):
    page = md(text) if rendered else "<p>" + html_module.escape(text, quote=False) + "</p>"
    found = find(page, charref_registry, "2025/01/02/post/index.html")
    assert _text(found.html) == _text(page)
    assert _CHARREF.findall(found.html) == _CHARREF.findall(page)  # none cut by a link's tags


def test_aliases_of_one_entity_differing_in_case_are_all_found(tmp_path):
    reg, diags = load(tmp_path, "- id: nvidia\n  name: NVIDIA\n  type: company\n  aliases: [NVIDIA, Nvidia, エヌビディア]\n"
                                "- id: amd\n  name: AMD\n  type: company\n")
    assert not diags, [d.format() for d in diags]
    assert reg.entities["nvidia"].aliases == ["NVIDIA", "Nvidia", "エヌビディア"]
    for text in ["NVIDIA", "Nvidia", "nvidia", "ＮＶＩＤＩＡ"]:
        assert mentions(f"<p>{text}のGPU</p>", reg) == {"nvidia": 1}, text
    assert mentions("<p>amdのGPU</p>", reg) == {} and mentions("<p>AMDのGPU</p>", reg) == {"amd": 1}


def test_seed_post_saying_nvidia_in_mixed_case_links_nvidia():
    reg = load_registry(ROOT / "entities.yml", "entities.yml", Diagnostics())
    text = (ROOT / "posts/2025-11-22-hon-hai-openai-ai-infrastructure.md").read_text(encoding="utf-8")
    assert "Nvidia" in text and "NVIDIA" not in text
    assert "nvidia" in find(md(text), reg, "2025/11/22/x/index.html").counts


def test_fold_keeps_length():
    for text in ["ＡＢＣ", "ｱｲｳ", "㈱鴻海", "İstanbul", "Straße"]:
        assert len(fold(text)) == len(text)


# --- registry diagnostics --------------------------------------------------------------------

def load(tmp_path, text: str) -> tuple[Registry, Diagnostics]:
    path = tmp_path / "entities.yml"
    path.write_text(text, encoding="utf-8")
    diags = Diagnostics()
    return load_registry(path, "entities.yml", diags), diags


def only(diags: Diagnostics, severity=ERROR):
    return [(d.line, d.message) for d in diags if d.severity == severity]


def test_duplicate_id_names_both_lines(tmp_path):
    reg, diags = load(tmp_path, "- id: a\n  name: A社\n  type: company\n- id: a\n  name: B社\n  type: company\n")
    assert list(reg.entities) == ["a"] and reg.entities["a"].name == "A社"
    assert only(diags) == [(4, "duplicate entity id 'a' (first at line 1)")]


def test_alias_on_two_entities_is_an_error_and_stays_with_the_first(tmp_path):
    reg, diags = load(tmp_path, "- id: a\n  name: A社\n  type: company\n  aliases: [Acme]\n"
                                "- id: b\n  name: B社\n  type: company\n  aliases: [ＡＣＭＥ, Bee]\n")
    assert only(diags) == [(5, "alias 'ＡＣＭＥ' of 'b' is also an alias of 'a' (line 1)")]
    assert reg.entities["b"].aliases == ["B社", "Bee"]
    assert mentions("<p>Acme</p>", reg) == {"a": 1}


def test_bad_yaml_names_the_line(tmp_path):
    reg, diags = load(tmp_path, "- id: a\n  name: A社\n  aliases: [x, y\n- id: b\n")
    assert not reg
    [d] = diags
    assert d.severity == ERROR and d.file == "entities.yml" and d.line in (3, 4, 5)
    assert "invalid YAML" in d.message


@pytest.mark.parametrize("text,line,message", [
    ("id: a\n", 1, "the registry must be a list of entities"),
    ("- just a string\n", 1, "an entity must be a mapping"),
    ("- name: 名前だけ\n", 1, "entity id None is missing or not lower-case ASCII"),
    ("- id: Hon Hai\n  name: x\n", 1, "entity id 'Hon Hai' is missing or not lower-case ASCII"),
    ("- id: ok\n  type: company\n- id: noname\n  type: company\n", 1, "entity 'ok' has no name"),
    ("- id: a\n  name: A\n  aliases: {x: 1}\n", 1, "entity 'a': aliases must be a list of strings"),
])
def test_registry_errors(tmp_path, text, line, message):
    _, diags = load(tmp_path, text)
    errors = [d for d in diags if d.severity == ERROR]
    assert errors and errors[0].line == line and errors[0].message.startswith(message), diags
    assert all(d.hint for d in diags)


def test_registry_warnings(tmp_path):
    reg, diags = load(tmp_path, "- id: a\n  name: A社\n  colour: red\n  aliases: [X, '']\n  website: ftp://x\n")
    assert sorted(m for _, m in only(diags, WARNING)) == [
        "entity 'a' has no type; using 'other'",
        "entity 'a': alias '' is too short to match safely; ignored",
        "entity 'a': alias 'X' is too short to match safely; ignored",
        "entity 'a': unknown key 'colour' ignored",
        "entity 'a': website 'ftp://x' is not an http(s) URL; ignored",
    ]
    assert reg.entities["a"].aliases == ["A社"] and reg.entities["a"].website == ""


def test_no_registry_file_means_no_entities(tmp_path):
    diags = Diagnostics()
    assert not load_registry(tmp_path / "missing.yml", "missing.yml", diags) and not diags


def test_shipped_registry_is_clean_and_covers_the_seeds():
    diags = Diagnostics()
    reg = load_registry(ROOT / "entities.yml", "entities.yml", diags)
    assert not diags, [d.format() for d in diags]
    assert len(reg) >= 70
    assert set(reg.entities["foxconn"].aliases) >= {"鴻海", "鴻海精密工業", "ホンハイ", "Hon Hai", "Foxconn"}
    for eid in ["openai", "sharp", "rapidus", "meti", "softbank-group", "preferred-networks", "sam-altman"]:
        assert eid in reg.entities
    for entity in reg.entities.values():
        assert re.fullmatch(r"[a-z0-9][a-z0-9_-]*", entity.id) and entity.name and entity.type


# --- entities suggest ------------------------------------------------------------------------

def test_suggest_lists_unknown_proper_nouns_with_counts(tmp_path):
    import json
    import subprocess
    import sys

    posts = tmp_path / "posts"
    posts.mkdir()
    body = ("高市早苗首相は鴻海とホンハイ、Foxconnについて語った。新興のクオンタリスとGreen Harbor Capitalも参加する。"
            "\n\nクオンタリスはGreen Harbor Capitalから出資を受けた。高市早苗首相も評価した。")
    (posts / "2025-01-01-a.md").write_text(f"---\ntitle: 記事\ndate: 2025-01-01\n---\n{body}\n", encoding="utf-8")
    (tmp_path / "entities.yml").write_text(REGISTRY, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "tsuzuri", "entities", "suggest", "--json", "posts"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    found = {s["term"]: s for s in json.loads(result.stdout)}
    assert found["高市早苗"]["count"] == 2 and found["高市早苗"]["kind"] == "人名"
    assert found["Green Harbor Capital"]["count"] == 2
    assert "クオンタリス" in found
    assert not {"鴻海", "ホンハイ", "Foxconn"} & set(found)  # registered: never suggested


def test_suggest_without_its_dictionary_says_what_to_install(tmp_path):
    """SudachiPy is an editor tool (requirements-dev.txt), not a site requirement: without it,
    `entities suggest` says what to install instead of a traceback."""
    import subprocess
    import sys

    (tmp_path / "posts").mkdir()
    (tmp_path / "entities.yml").write_text(REGISTRY, encoding="utf-8")
    code = ("import sys; sys.modules['sudachipy'] = None; from tsuzuri.cli import main; "
            "sys.exit(main(['entities', 'suggest', 'posts']))")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 1
    assert "SudachiPy is not installed" in result.stderr and "requirements-dev.txt" in result.stderr
    assert "Traceback" not in result.stderr
