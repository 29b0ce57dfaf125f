"""The Liquid Jekyll posts use: tsuzuri.liquid.render alone, and through tsuzuri.site.load."""

from __future__ import annotations

import html

from pathlib import Path

import pytest

from tsuzuri import liquid
from tsuzuri.config import SiteConfig
from tsuzuri.diagnostics import ERROR, WARNING
from tsuzuri.site import load

CONFIG = SiteConfig(posts_dir="posts")


def no_links(kind, arg):
    return None


def render(body: str, **kw):
    kw.setdefault("baseurl", "")
    kw.setdefault("site_url", "")
    kw.setdefault("resolve", no_links)
    return liquid.render(body, **kw)


def write(root: Path, name: str, text: str) -> Path:
    path = root / "posts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def post_named(site, rel):
    matches = [p for p in site.posts if p.rel == rel]
    assert matches, [d.format() for d in site.diagnostics]
    return matches[0]


def of(diags, severity):
    return [d for d in diags if d.severity == severity]


# ---------------------------------------------------------------- highlight

def test_highlight_becomes_a_fenced_block():
    body = "Before\n\n{% highlight ruby %}\ndef foo\n  puts 'x'\nend\n{% endhighlight %}\n\nAfter\n"
    out, issues = render(body)
    assert out == "Before\n\n```ruby\ndef foo\n  puts 'x'\nend\n```\n\nAfter\n"
    assert issues == []


def test_highlight_options_and_whitespace_control():
    out, issues = render("{%- highlight python linenos -%}\nx = 1\n{%- endhighlight -%}\n")
    assert out == "```python\nx = 1\n```\n"
    assert issues == []


def test_highlight_keeps_liquid_inside_the_code():
    out, issues = render("{% highlight liquid %}\n{{ page.title }}\n{% endhighlight %}\n")
    assert out == "```liquid\n{{ page.title }}\n```\n"
    assert issues == []


def test_unclosed_highlight_runs_to_the_end_with_a_warning():
    out, issues = render("{% highlight sh %}\necho hi\n")
    assert out == "```sh\necho hi\n```"
    assert [i.severity for i in issues] == ["warning"]
    assert "never closed" in issues[0].message


def test_highlight_through_the_site_renders_code(tmp_path):
    write(tmp_path, "2025-01-02-code.md",
          "---\ntitle: code\n---\n\n{% highlight ruby %}\nputs 'hello'\n{% endhighlight %}\n")
    site = load(tmp_path, CONFIG)
    post = post_named(site, "2025-01-02-code.md")
    assert "language-ruby" in post.html
    assert "<pre" in post.html and "hello" in post.html
    assert "highlight %}" not in post.html
    assert not site.diagnostics.has_warnings and not site.diagnostics.has_errors


# ---------------------------------------------------------------- raw

def test_raw_is_unwrapped_and_its_content_untouched():
    out, issues = render("a {% raw %}{{ x }} {% include y %}{% endraw %} b")
    assert out == "a {{ x }} {% include y %} b"
    assert issues == []


def test_raw_with_whitespace_control():
    out, issues = render("{%- raw -%}{{ x }}{%- endraw -%}")
    assert out == "{{ x }}"
    assert issues == []


def test_raw_through_the_site_has_no_warning(tmp_path):
    write(tmp_path, "2025-01-02-raw.md", "---\ntitle: raw\n---\n\nUse `{% raw %}{{ x }}{% endraw %}` here.\n")
    site = load(tmp_path, CONFIG)
    post = post_named(site, "2025-01-02-raw.md")
    assert "<code>{{ x }}</code>" in post.html
    assert "raw" not in post.html
    assert not site.diagnostics.has_warnings


def test_unclosed_raw_is_a_warning_and_the_rest_is_kept(tmp_path):
    out, issues = render("a {% raw %}{{ x }} and more")
    assert out == "a {{ x }} and more"
    assert [i.severity for i in issues] == ["warning"]
    assert "never closed" in issues[0].message

    write(tmp_path, "2025-01-02-open-raw.md", "---\ntitle: t\n---\n\ntext\n\n{% raw %}{{ x }}\n")
    site = load(tmp_path, CONFIG)
    post_named(site, "2025-01-02-open-raw.md")
    warnings = [d for d in of(site.diagnostics, WARNING) if "raw" in d.message]
    assert [(d.file, d.line) for d in warnings] == [("posts/2025-01-02-open-raw.md", 7)]


# ---------------------------------------------------------------- post_url and link

def _two_posts(root: Path, body: str) -> None:
    write(root, "2025-01-02-other.md", "---\ntitle: other\ndate: 2025-01-02 20:00:00 +0000\n---\n\nOther.\n")
    write(root, "2025-01-05-main.md", "---\ntitle: main\n---\n\n" + body)


def test_post_url_resolves_to_the_other_posts_url(tmp_path):
    _two_posts(tmp_path, "See [the other]({% post_url 2025-01-02-other %}).\n")
    site = load(tmp_path, CONFIG)
    other = post_named(site, "2025-01-02-other.md")
    assert other.url == "2025/01/03/other/"          # Tokyo date, not the filename date
    main = post_named(site, "2025-01-05-main.md")
    assert '<a href="/2025/01/03/other/">the other</a>' in main.html
    assert not site.diagnostics.has_errors and not site.diagnostics.has_warnings


def test_link_resolves_to_the_other_posts_url(tmp_path):
    _two_posts(tmp_path, "See [it]({% link _posts/2025-01-02-other.md %}) and [again]({% link posts/2025-01-02-other.md %}).\n")
    site = load(tmp_path, CONFIG)
    main = post_named(site, "2025-01-05-main.md")
    assert main.html.count('href="/2025/01/03/other/"') == 2
    assert not site.diagnostics.has_errors


def test_post_url_honours_baseurl_and_subfolders(tmp_path):
    write(tmp_path, "blog/2025-01-02-other.md", "---\ntitle: other\n---\n\nOther.\n")
    write(tmp_path, "2025-01-05-main.md",
          "---\ntitle: main\n---\n\n[a]({% post_url blog/2025-01-02-other %}) [b]({% post_url 2025-01-02-other %})\n")
    site = load(tmp_path, SiteConfig(posts_dir="posts", baseurl="/blog"))
    main = post_named(site, "2025-01-05-main.md")
    assert main.html.count('href="/blog/2025/01/02/other/"') == 2


@pytest.mark.parametrize("tag", ["{% post_url 2020-01-01-missing %}", "{% link _posts/2020-01-01-missing.md %}"])
def test_missing_target_is_an_error_on_its_line(tmp_path, tag):
    _two_posts(tmp_path, f"First paragraph.\n\nSecond paragraph.\n\nSee [x]({tag}).\n")
    site = load(tmp_path, CONFIG)
    errs = of(site.diagnostics, ERROR)
    assert [(d.file, d.line) for d in errs] == [("posts/2025-01-05-main.md", 9)]
    assert "does not exist" in errs[0].message
    assert "2020-01-01-missing" in errs[0].message


def test_missing_target_line_number_in_a_crlf_post(tmp_path):
    path = tmp_path / "posts" / "2025-01-05-crlf.md"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"---\r\ntitle: t\r\n---\r\n\r\na\r\n\r\n{% post_url nope %}\r\n")
    site = load(tmp_path, CONFIG)
    assert [d.line for d in of(site.diagnostics, ERROR)] == [7]


def test_link_to_an_unplaced_post_is_an_error(tmp_path):
    # The target's permalink escapes, so it is not published and cannot be linked to.
    write(tmp_path, "2025-01-02-other.md", "---\ntitle: other\npermalink: /../x/\n---\n\nOther.\n")
    write(tmp_path, "2025-01-05-main.md", "---\ntitle: main\n---\n\n{% post_url 2025-01-02-other %}\n")
    site = load(tmp_path, CONFIG)
    assert sorted(d.file for d in of(site.diagnostics, ERROR)) == ["posts/2025-01-02-other.md",
                                                                    "posts/2025-01-05-main.md"]


# ---------------------------------------------------------------- site variables and URL filters

def test_site_variables_and_url_filters():
    body = ('{{ site.baseurl }}/a | {{site.url}} | {{ "/x/" | relative_url }} | '
            "{{ 'y.html' | absolute_url }} | {{ site.author }}")
    out, issues = render(body, baseurl="/blog", site_url="https://example.com/blog/",
                         site_vars={"author": "編集部", "nested": {"a": 1}})
    assert out == "/blog/a | https://example.com/blog | /blog/x/ | https://example.com/blog/y.html | 編集部"
    assert issues == []


def test_empty_baseurl_gives_root_relative_urls():
    out, issues = render('[x]({{ site.baseurl }}/about/) [y]({{ "/x/" | relative_url }})')
    assert out == "[x](/about/) [y](/x/)"
    assert issues == []


def test_site_variables_through_the_site(tmp_path):
    write(tmp_path, "2025-01-02-vars.md",
          '---\ntitle: vars\n---\n\n[home]({{ site.baseurl }}/) [x]({{ "/x/" | relative_url }})\n')
    site = load(tmp_path, SiteConfig(posts_dir="posts", baseurl="/blog", url="https://example.com/blog/"))
    post = post_named(site, "2025-01-02-vars.md")
    assert '<a href="/blog/">home</a>' in post.html
    assert '<a href="/blog/x/">x</a>' in post.html
    assert not site.diagnostics.has_warnings


def test_unknown_site_variable_is_a_warning():
    out, issues = render("{{ site.repository }}/issues")
    assert html.unescape(out) == "{{ site.repository }}/issues"
    assert [i.severity for i in issues] == ["warning"]


# ---------------------------------------------------------------- unsupported Liquid

def test_unsupported_tag_is_a_warning_with_file_and_line(tmp_path):
    write(tmp_path, "2025-01-02-inc.md", "---\ntitle: t\n---\n\nIntro.\n\n{% include foo.html %}\n\nEnd.\n")
    site = load(tmp_path, CONFIG)
    post = post_named(site, "2025-01-02-inc.md")
    warnings = of(site.diagnostics, WARNING)
    assert [(d.file, d.line) for d in warnings] == [("posts/2025-01-02-inc.md", 7)]
    assert "{% include %}" in warnings[0].message
    assert "{% include foo.html %}" in html.unescape(post.html)          # shown as written
    assert not site.diagnostics.has_errors


def test_unsupported_tag_is_left_as_written():
    body = "a {% include foo.html param=1 %} b {% for x in y %}{{ x }}{% endfor %}"
    out, issues = render(body)
    assert html.unescape(out) == body  # "{" is written as &#123; so Markdown keeps it as text
    assert [i.severity for i in issues] == ["warning"] * 4
    assert [i.offset for i in issues] == [body.index(t) for t in ("{% include", "{% for", "{{ x", "{% endfor")]


def test_unsupported_tag_at_the_end_of_a_paragraph_is_still_shown(tmp_path):
    write(tmp_path, "2025-01-02-inc.md", "---\ntitle: t\n---\n\nIntro line\n{% include foo.html %}\n")
    site = load(tmp_path, CONFIG)
    post = post_named(site, "2025-01-02-inc.md")
    assert "{% include foo.html %}" in html.unescape(post.html)


def test_body_without_liquid_is_returned_unchanged():
    body = "plain {text} with braces % and percent\n"
    assert render(body) == (body, [])
