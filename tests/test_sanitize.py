"""tsuzuri.sanitize: what the nh3 policy keeps, what it removes, and how removals are reported."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tsuzuri import sanitize
from tsuzuri.render import Renderer


def removed(html: str) -> list[tuple[str, bool]]:
    return [(r.what, r.unsafe) for r in sanitize.clean(html)[1]]


MARKDOWN = """\
## 見出し

| 左 | 右 |
|:---|---:|
| a  | 1  |

![図](https://example.com/a.png "題")

<details open markdown="1">
<summary>要約</summary>

中身

</details>

```python
x = 1
```

文[^1]。

!!! warning "注意"
    本文

用語
:   定義

*[AI]: Artificial Intelligence

AI の話。

[^1]: 脚注
"""


def test_what_markdown_and_pymdownx_produce_passes_unchanged_in_meaning():
    plain = Renderer()(MARKDOWN, raw_html=True).html
    rendered = Renderer()(MARKDOWN)
    assert rendered.removed == []
    for fragment in ('<h2 id="見出し">', '<th style="text-align:left">', '<td style="text-align:right">',
                     '<img alt="図" src="https://example.com/a.png" title="題">', '<details open="open">',
                     "<summary>要約</summary>", '<div class="language-python highlight">', '<span class="n">x</span>',
                     '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>',
                     '<div class="admonition warning">', '<p class="admonition-title">注意</p>',
                     "<dt>用語</dt>", '<abbr title="Artificial Intelligence">AI</abbr>', '<li id="fn:1">'):
        assert fragment in rendered.html, fragment
    assert plain.count("<") == rendered.html.count("<")  # same elements, only serialised by nh3


@pytest.mark.parametrize("html,what", [
    ("<script>alert(1)</script>", "<script> element"),
    ("<SCRIPT SRC=//evil.example/x.js></SCRIPT>", "<script> element"),
    ("<style>body{display:none}</style>", "<style> element"),
    ('<iframe src="https://evil.example/"></iframe>', "<iframe> element"),
    ('<object data="x.swf"></object>', "<object> element"),
    ('<embed src="x.swf">', "<embed> element"),
    ('<form action="https://evil.example/"><input name="pw"></form>', "<form> element"),
    ("<svg><script>alert(1)</script></svg>", "<svg> element"),
    ('<img src="x.png" onerror="alert(1)">', "onerror attribute"),
    ('<p OnClick="alert(1)">x</p>', "onclick attribute"),
    ('<a href="javascript:alert(1)">x</a>', "javascript: URL in <a href>"),
    ('<a href="  JaVaScRiPt:alert(1)">x</a>', "javascript: URL in <a href>"),
    ('<a href="java&#09;script:alert(1)">x</a>', "javascript: URL in <a href>"),
    ('<a href="&#106;avascript:alert(1)">x</a>', "javascript: URL in <a href>"),
    ('<a href="vbscript:msgbox(1)">x</a>', "vbscript: URL in <a href>"),
    ('<a href="data:text/html,<script>alert(1)</script>">x</a>', "data: URL in <a href>"),
    ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', "data: URL in <img src>"),
])
def test_unsafe_html_is_removed_and_reported_as_unsafe(html, what):
    safe, found = sanitize.clean(html)
    assert (what, True) in [(r.what, r.unsafe) for r in found]
    lowered = safe.lower()
    assert not re.search(r"<(script|style|iframe|object|embed|form|input|svg)|\son\w+\s*=|(javascript|vbscript|data):",
                         lowered), safe


def test_text_around_removed_html_stays():
    safe, _ = sanitize.clean("<p>前<script>alert(1)</script>後</p>")
    assert safe == "<p>前後</p>"


def test_other_markup_is_dropped_quietly_keeping_its_text():
    safe, found = sanitize.clean('<p>押す <c-w>キー</c-w> と <a href="/x" target="_blank">リンク</a></p>')
    assert safe == '<p>押す キー と <a href="/x">リンク</a></p>'
    assert [(r.what, r.unsafe) for r in found] == [("<c-w> element", False), ("target attribute on <a>", False)]


def test_noscript_fallback_is_shown_once_the_script_is_gone():
    safe, found = sanitize.clean('<script src="poll.js"></script><noscript><a href="https://p.example/">投票</a></noscript>')
    assert safe == '<a href="https://p.example/">投票</a>'
    assert [r.what for r in found] == ["<script> element"]


def test_inline_styles_keep_formatting_but_not_overlays():
    safe, found = sanitize.clean('<span style="color:red; position:fixed; z-index:9">赤</span>')
    assert safe == '<span style="color:red">赤</span>'
    assert found == []  # the attribute stays, trimmed


def test_repeated_removals_are_counted_once_per_kind():
    found = sanitize.clean("<img src=a onerror=x><img src=b onerror=y><script></script>")[1]
    assert [(r.what, r.count) for r in found] == [("<script> element", 1), ("onerror attribute", 2)]


def test_relative_and_ordinary_urls_are_kept():
    html = '<a href="../x/">a</a><a href="#fn:1">b</a><a href="mailto:a@b.jp">c</a><img src="/assets/i.png">'
    assert sanitize.clean(html) == (html, [])


def test_raw_html_renderer_publishes_html_as_written():
    text = "<script>alert(1)</script>\n\n<iframe src=\"https://video.example/\"></iframe>\n"
    assert "<script>alert(1)</script>" in Renderer()(text, raw_html=True).html
    kept = Renderer()(text)
    assert "script" not in kept.html and "iframe" not in kept.html
    assert {r.what for r in kept.removed} == {"<script> element", "<iframe> element"}


# --- ids and the table of contents (Material prints TOC ids and labels unescaped) -------------

_SAFE_ID = re.compile(r"[\w\-.:]+")


def _toc_items(tokens):
    for token in tokens:
        yield token
        yield from _toc_items(token["children"])


def _assert_safe_toc(rendered):
    body_ids = re.findall(r'<h[1-6][^>]*\bid="([^"]*)"', rendered.html)
    for token in _toc_items(rendered.toc):
        assert set(token) == {"level", "id", "name", "children"}
        assert _SAFE_ID.fullmatch(token["id"]), token
        assert token["id"] in body_ids, (token, body_ids)
        assert not re.search(r"[<>\"']|&(?!(?:amp|lt|gt|quot|#x27);)", token["name"]), token
    for tag in re.findall(r"<[a-z][^<>]*>", rendered.html):
        for value in re.findall(r'\sid="([^"]*)"', tag):
            assert _SAFE_ID.fullmatch(value), value


@pytest.mark.parametrize("markdown", [
    "## 見出し {: id='x\" autofocus onfocus=\"alert(document.domain)' }\n",
    '## 見出し {: #x"onfocus=alert(1) }\n',
    "## 見出し {: data-toc-label='<img src=x onerror=alert(1)>' }\n",
    '<div markdown="1">\n<h2 markdown="1" id="y&quot; onfocus=&quot;alert(3)">見出し</h2>\n</div>\n',
    '<h3 markdown="1" id=\'z" onfocus="alert(4)\'>見出し</h3>\n',
    "## <img src=x onerror=alert(5)> と `<b>` & <script>alert(6)</script>\n",
])
def test_toc_ids_and_labels_are_safe_whatever_syntax_set_them(markdown):
    rendered = Renderer()(markdown)
    _assert_safe_toc(rendered)
    assert rendered.toc and not re.search(r"\sonfocus|\sautofocus", rendered.html)


def test_an_unsafe_id_is_reslugged_and_reported():
    rendered = Renderer()("## 見出し {: id='x\" autofocus onfocus=\"alert(1)' }\n\n本文\n")
    assert rendered.toc[0]["id"] == "x-autofocus-onfocusalert1" and 'id="x-autofocus-onfocusalert1"' in rendered.html
    [r] = [r for r in rendered.removed if "id" in r.what]
    assert r.unsafe and re.search(r.pattern, "## 見出し {: id='x\" autofocus onfocus=\"alert(1)' }")


def test_safe_ids_pass_unchanged():
    rendered = Renderer()("## 見出し {: #section-1 }\n\n## 表:2.a_b\n\n文[^1]\n\n[^1]: 脚注\n")
    assert [t["id"] for t in rendered.toc] == ["section-1", "表2a_b"] and rendered.removed == []
    assert 'id="fn:1"' in rendered.html


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ax見 \"'<>&=#;:.-_{}()/\\`")), max_size=30),
       st.sampled_from(["## 見出し {{: id='{}' }}\n", '## 見出し {{: id="{}" }}\n', "## 見出し {{: #{} }}\n",
                        "## {} 見出し\n", "## 見出し {{: data-toc-label='{}' }}\n",
                        '<div markdown="1">\n<h2 markdown="1" id="{}">見出し</h2>\n</div>\n']))
# A full run found it: Markdown's code-span postprocessor filled the id in after the tree step.
@example('`"`', '<div markdown="1">\n<h2 markdown="1" id="{}">見出し</h2>\n</div>\n')
def test_any_id_or_label_reaches_the_toc_safe(value, template):
    _assert_safe_toc(Renderer()(template.format(value) + "\n本文\n"))
