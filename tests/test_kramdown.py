"""kramdown attribute lists ({: .class}): tsuzuri.kramdown.apply, then the real renderer."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsuzuri import kramdown
from tsuzuri.render import Renderer

RENDER = Renderer()


def rendered(text: str) -> tuple[str, list]:
    md, issues = kramdown.apply(text)
    return RENDER(md).html, issues


def shown(page: str) -> str:
    """The text a reader sees (code included)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.mark.parametrize("text, expected", [
    # the real blog's form: a link paragraph, the IAL line, then (with or without a blank line) a rule
    ("[相談する](/c/)\n{: .consulting-cta-link}\n\n---\n", '<p class="consulting-cta-link"><a href="/c/">'),
    ("説明。\n[相談する](/c/)\n{: .consulting-cta-link}\n---\n## 次\n", '<p class="consulting-cta-link">説明。'),
    ("para\n{: .c}\nmore\n", '<p class="c">para</p>\n<p>more</p>'),
    ("# head\n{: #x}\n", '<h1 id="x">head</h1>'),
    ("Head\n----\n{: .h}\n", '<h2 class="h" id="head">Head</h2>'),
    ("para\n\n{: .c}\nnext\nline\n\nlast\n", '<p class="c">next\nline</p>'),
    ("{: .first}\n\n# Title\n", '<h1 class="first" id="title">Title</h1>'),
    ("> quote\n{: .q}\n", '<p class="q">quote</p>'),
    ('[a](/u/){:target="_blank" .ext}\n', '<a class="ext" href="/u/" target="_blank">a</a>'),
    ("*em*{: .e} and `code`{: .k}\n", '<em class="e">em</em> and <code class="k">code</code>'),
    ("## H {: #hid}\n", '<h2 id="hid">H</h2>'),
    ("{: .a #b key=\"v\"}\npara\n", '<p class="a" id="b" key="v">para</p>'),
])
def test_ial_applies_to_its_block(text, expected):
    md, issues = kramdown.apply(text)
    assert expected in RENDER(md, raw_html=True).html
    assert issues == []
    assert "{:" not in shown(RENDER(md, raw_html=True).html)


@pytest.mark.parametrize("text, line, message", [
    ("text [a](/u/) {: .c} --- ## next\n", 1, "follows plain text"),
    ("| a |\n|---|\n| 1 |\n{: .t}\n", 4, "cannot be applied to a table"),
    ("```\ncode\n```\n{: .c}\n", 4, "cannot be applied to a code block"),
    ("para\n\n{: .orphan}\n", 3, "is followed by no block"),
    ("{: .c}\n\n```\ncode\n```\n", 1, "cannot be applied to a code block"),
    ("{:ref: .c}\npara\n", 1, "not supported"),
])
def test_ial_that_applies_to_nothing_is_removed_with_an_issue(text, line, message):
    page, issues = rendered(text)
    assert "{:" not in shown(page)
    assert [(i.line, message in i.message) for i in issues] == [(line, True)]


def test_ial_in_code_stays_as_written():
    text = "```\n{: .x}\n```\n\n`{: .y}` text\n"
    page, issues = rendered(text)
    assert "{: .x}" in shown(page) and "{: .y}" in shown(page)
    assert issues == []


def test_attributes_go_through_the_sanitiser():
    md, issues = kramdown.apply('[a](/u/)\n{: onclick="alert(1)" .x}\n\n[b](/v/){: href="javascript:alert(2)"}\n')
    out = RENDER(md)
    assert "onclick" not in out.html and "javascript" not in out.html and 'class="x"' in out.html
    assert {r.what for r in out.removed} >= {"onclick attribute", "javascript: URL in <a href>"}


_LINES = ["para", "[a](/u/)", "{: .c}", "{: #i}", "{:target=\"_blank\"}", "", "# H", "---", "| a |", "|---|",
          "```", "- item", "> q", "text {: .s} more", "[x](/y/){: .z}", "{::comment}"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_LINES), max_size=14))
def test_no_ial_is_ever_shown(lines):
    text = "\n".join(lines) + "\n"
    md, issues = kramdown.apply(text)
    page = RENDER(md, raw_html=True).html
    # outside code, no "{:" is left for a reader to see
    visible = re.sub(r"<code\b.*?</code>", "", page, flags=re.DOTALL)
    assert "{:" not in shown(visible)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_text_without_ials_is_unchanged(text):
    if "{:" not in text:
        assert kramdown.apply(text) == (text, [])
