"""The Liquid Jekyll posts use: tsuzuri.liquid.render alone, and through tsuzuri.site.load."""

from __future__ import annotations

import html

from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

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
    assert not [d for d in site.diagnostics if not _dead_link(d)]


def _dead_link(d) -> bool:
    """These tiny sites link to pages they do not have; the link checker's own tests cover that."""
    return "leads to no page of the site" in d.message


def test_unknown_site_variable_renders_nothing_with_a_warning():
    out, issues = render("{{ site.repository }}/issues")
    assert out == "/issues"                          # Jekyll renders an undefined variable as ""
    assert [i.severity for i in issues] == ["warning"]
    assert "site.repository" in issues[0].message


# ---------------------------------------------------------------- real Liquid

PAGE = {"title": "記事", "tags": ["AI", "半導体"], "n": 3}


def test_if_for_assign_and_filters():
    body = ("{% assign t = page.title | append: '!' %}{{ t }} "
            "{% for tag in page.tags %}[{{ tag | downcase }}]{% endfor %} "
            "{% if page.n > 2 %}many{% else %}few{% endif %} "
            "{{ page.tags | join: ', ' }} {{ page.missing | default: 'd' }}")
    out, issues = render(body, page_vars=PAGE)
    assert out == "記事! [ai][半導体] many AI, 半導体 d"
    assert issues == []


def test_jekyll_filters():
    import datetime as dt
    body = ("{{ 'Hello World 2025' | slugify }}|{{ d | date_to_string }}|{{ '<a & b>' | xml_escape }}|"
            "{{ page.tags | jsonify }}|{{ '/x/' | relative_url }}|{{ '/x/' | absolute_url }}|"
            "{{ '**b**' | markdownify }}|{{ d | date: '%Y年%m月' }}")
    out, issues = render("{% assign d = page.date %}" + body, baseurl="/blog", site_url="https://e.jp/blog/",
                         page_vars={**PAGE, "date": dt.datetime(2025, 1, 2, 9)})
    assert out.split("|") == ["hello-world-2025", "2 Jan 2025", "&lt;a &amp; b&gt;", '["AI", "半導体"]',
                              "/blog/x/", "https://e.jp/blog/x/", "<p><strong>b</strong></p>", "2025年01月"]
    assert issues == []


def includes(files: dict):
    def resolve(kind, arg):
        return files.get(arg) if kind == "include" else None
    return resolve


def test_include_with_jekyll_params():
    files = {"cta.html": '<a class="cta" href="{{ include.url }}">{{ include.label | upcase }}</a>{{ include.n }}'}
    out, issues = render('x {% include cta.html url="/contact/" label=page.title n=3 %} y',
                         resolve=includes(files), page_vars={"title": "go"})
    assert out == 'x <a class="cta" href="/contact/">GO</a>3 y'
    assert issues == []


def test_include_can_include_and_reads_site_variables():
    files = {"outer.html": "<{% include inner.html v=include.v %}>", "inner.html": "{{ include.v }}-{{ site.name }}",
             "ads.html": "{% if site.adsense %}AD {{ site.adsense }}{% endif %}\n"}
    out, issues = render("{% include outer.html v='a' %}{% include ads.html %}", resolve=includes(files),
                         site_vars={"name": "n"})
    assert out == "<a-n>\n"                        # an unset site variable in {% if %} is no warning
    assert issues == []


def test_missing_include_is_a_warning_and_renders_nothing():
    body = "Intro.\n\n{% include nope.html %}\n\nEnd.\n"
    out, issues = render(body, resolve=includes({}))
    assert out == "Intro.\n\n\n\nEnd.\n"
    assert [(i.severity, body.count("\n", 0, i.offset) + 1) for i in issues] == [("warning", 3)]
    assert "nope.html" in issues[0].message


def test_recursive_include_stops_with_a_warning():
    out, issues = render("{% include a.html %}", resolve=includes({"a.html": "a{% include a.html %}"}))
    assert out == "a" * 10
    assert len(issues) == 1 and "nest" in issues[0].message


def test_error_inside_an_include_names_the_include_and_its_line():
    files = {"bad.html": "ok\n{% if %}", "undef.html": "\n\n{{ include.nope }}"}
    out, issues = render("a\n{% include bad.html %}\n{% include undef.html %}", resolve=includes(files))
    assert out == "a\n\n\n\n"
    assert [("bad.html" in i.message, "line 2" in i.message) for i in issues][0] == (True, True)
    assert "include undef.html, line 3" in issues[1].message and "include.nope" in issues[1].message


@pytest.mark.parametrize("body, out, message", [
    ("a\n{% if page.x %}\nb\n\nc\n", "a\n\nb\n\nc\n", "{% if %} is never closed"),
    ("a {% endif %} b", "a  b", "{% endif %} closes nothing"),
    ("{% for x in %}y{% endfor %} z", "y z", "Liquid syntax error in {% for x in %}"),
    ("a {% frob %} b", "a  b", "unknown Liquid tag {% frob %}"),
    ("a {% else %} b", "a  b", "{% else %} is outside"),
    ("サイト {{ site.title の\n\n次", "サイト  site.title の\n\n次", "'{{' is never closed"),
    ("{{ 'x' | nofilter }} y", " y", "unknown filter 'nofilter'"),
    ("{% if a %}{% for %}{% endif %}x", "x", "Liquid syntax error in {% for %}"),
])
def test_syntax_errors_remove_only_the_bad_tag(body, out, message):
    got, issues = render(body)
    assert got == out
    assert issues and message in issues[0].message
    assert all(i.severity == "warning" for i in issues)


def test_liquid_in_code_stays_as_written():
    body = "`{{ page.title }}` and\n\n```liquid\n{% include x.html %}\n{{ y }}\n```\n\n{{ page.title }}"
    out, issues = render(body, page_vars=PAGE)
    assert out == body.replace("\n\n{{ page.title }}", "\n\n記事")
    assert issues == []


def test_line_numbers_after_code_and_raw_blocks():
    body = "```\n{{ a }}\n```\n{% raw %}\n{{ b }}\n{% endraw %}\n{% frob %}\n"
    out, issues = render(body)
    assert [body.count("\n", 0, i.offset) + 1 for i in issues] == [7]


def test_a_loop_cannot_run_for_ever():
    out, issues = render("{% for i in (1..100000000) %}x{% endfor %}after")
    assert out.endswith("after")
    assert issues and "limit" in issues[0].message


_PIECES = ["{%", "%}", "{{", "}}", "{", "}", "%", " if x ", " endif ", " for i in (1..2) ", " endfor ", "assign",
           " include a.html ", "raw", "endraw", "|", " upcase ", "-", "a", "本文", "\n", "\n\n", " ", "'", '"', "=", ".", "`"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30))
def test_any_liquid_renders_without_raising(pieces):
    body = "".join(pieces)
    out, issues = render(body, resolve=includes({"a.html": "[{{ include.x }}]"}))
    assert isinstance(out, str)
    assert all(0 <= i.offset <= len(body) for i in issues)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_text_without_liquid_delimiters_is_unchanged(text):
    assume("{%" not in text and "{{" not in text)
    assert render(text) == (text, [])


# ---------------------------------------------------------------- through the site

def test_missing_include_is_a_warning_with_file_and_line(tmp_path):
    write(tmp_path, "2025-01-02-inc.md", "---\ntitle: t\n---\n\nIntro.\n\n{% include foo.html %}\n\nEnd.\n")
    site = load(tmp_path, CONFIG)
    post = post_named(site, "2025-01-02-inc.md")
    warnings = of(site.diagnostics, WARNING)
    assert [(d.file, d.line) for d in warnings] == [("posts/2025-01-02-inc.md", 7)]
    assert "{% include foo.html %}" in warnings[0].message
    assert "{%" not in html.unescape(post.html) and "End." in post.html
    assert not site.diagnostics.has_errors


def test_missing_include_at_the_end_of_a_paragraph_shows_nothing(tmp_path):
    write(tmp_path, "2025-01-02-inc.md", "---\ntitle: t\n---\n\nIntro line\n{% include foo.html %}\n")
    site = load(tmp_path, CONFIG)
    post = post_named(site, "2025-01-02-inc.md")
    assert "{%" not in html.unescape(post.html) and "Intro line" in post.html


def _include_project(root: Path, folder: str = "includes") -> None:
    (root / folder).mkdir(parents=True, exist_ok=True)
    (root / folder / "cta.html").write_text(
        '<div class="cta"><a href="{{ include.url | relative_url }}">{{ include.label }}</a></div>\n'
        '{% if site.adsense %}<script>ads()</script>{% endif %}\n', encoding="utf-8")
    write(root, "2025-01-02-inc.md", "---\ntitle: t\n---\n\nIntro.\n\n"
          '{% include cta.html url="/contact/" label="相談する" %}\n\nEnd.\n')


@pytest.mark.parametrize("folder", ["includes", "_includes"])
def test_include_through_the_site(tmp_path, folder):
    _include_project(tmp_path, folder)
    site = load(tmp_path, SiteConfig(posts_dir="posts", baseurl="/blog"))
    post = post_named(site, "2025-01-02-inc.md")
    assert '<div class="cta"><a href="/blog/contact/">相談する</a></div>' in post.html
    assert not [d for d in site.diagnostics if not _dead_link(d)]


def test_include_output_is_sanitised(tmp_path):
    _include_project(tmp_path)
    site = load(tmp_path, SiteConfig(posts_dir="posts", extra={"adsense": "ca-pub-1"}))
    post = post_named(site, "2025-01-02-inc.md")
    assert "<script" not in post.html and "ads()" not in post.html
    assert any("removed unsafe HTML" in d.message for d in of(site.diagnostics, WARNING))


def test_includes_dir_setting_and_no_escape(tmp_path):
    _include_project(tmp_path, "parts")
    (tmp_path / "secret.html").write_text("SECRET", encoding="utf-8")
    write(tmp_path, "2025-01-03-esc.md", "---\ntitle: e\n---\n\ntext\n\n{% include ../secret.html %}\n")
    site = load(tmp_path, SiteConfig(posts_dir="posts", extra={"includes_dir": "parts"}))
    assert "相談する" in post_named(site, "2025-01-02-inc.md").html
    assert "SECRET" not in post_named(site, "2025-01-03-esc.md").html
    assert [d.file for d in of(site.diagnostics, WARNING) if not _dead_link(d)] == ["posts/2025-01-03-esc.md"]


def test_an_edited_include_re_renders_cached_posts(tmp_path, monkeypatch):
    monkeypatch.setenv("TSUZURI_CACHE", "1")
    _include_project(tmp_path)
    cache = tmp_path / ".cache"
    assert "相談する" in post_named(load(tmp_path, CONFIG, cache_dir=cache), "2025-01-02-inc.md").html
    (tmp_path / "includes" / "cta.html").write_text("<p>{{ include.label }}!!</p>\n", encoding="utf-8")
    site = load(tmp_path, CONFIG, cache_dir=cache)
    assert "<p>相談する!!</p>" in post_named(site, "2025-01-02-inc.md").html
    assert site.cache_stats["prepare_misses"] == 1


def test_page_and_site_variables_through_the_site(tmp_path):
    write(tmp_path, "2025-01-02-vars.md", "---\ntitle: 題\nauthor: 著者\n---\n\n"
          "{{ page.title }} / {{ page.author }} / {{ page.url }} / {{ site.title }} / {{ site.description }}\n")
    site = load(tmp_path, SiteConfig(posts_dir="posts", title="ブログ", description="説明"))
    assert "題 / 著者 / /2025/01/02/vars/ / ブログ / 説明" in post_named(site, "2025-01-02-vars.md").html
    assert not site.diagnostics.has_warnings


def test_syntax_error_line_through_the_site(tmp_path):
    write(tmp_path, "2025-01-02-if.md", "---\ntitle: t\n---\n\npara\n\n{% if page.draft %}\ndraft\n\nlast\n")
    site = load(tmp_path, CONFIG)
    post = post_named(site, "2025-01-02-if.md")
    assert [(d.line, "never closed" in d.message) for d in of(site.diagnostics, WARNING)] == [(7, True)]
    assert "last" in post.html and "{%" not in post.html


def test_body_without_liquid_is_returned_unchanged():
    body = "plain {text} with braces % and percent\n"
    assert render(body) == (body, [])
