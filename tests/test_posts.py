"""tsuzuri.posts: reading real post files the way Jekyll does, with a diagnostic for every problem."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tsuzuri import frontmatter
from tsuzuri.config import SiteConfig
from tsuzuri.diagnostics import ERROR, NOTE, WARNING, Diagnostics
from tsuzuri.posts import as_list, discover, read_post
from tsuzuri.site import load

TOKYO = ZoneInfo("Asia/Tokyo")
CONFIG = SiteConfig(posts_dir="posts")

FM = "---\ntitle: {title}\ndate: 2025-09-18 10:00:00 +0900\n{extra}---\n\nbody text\n"


def write(root: Path, name: str, content: str | bytes) -> Path:
    path = root / "posts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))
    else:
        path.write_bytes(content)
    return path


def read(root: Path, name: str, content: str | bytes, config: SiteConfig = CONFIG):
    path = write(root, name, content)
    return read_post(path, config, root / "posts", root)


def post_with(root: Path, extra: str, name: str = "2025-09-18-post.md"):
    post, diags = read(root, name, FM.format(title="T", extra=extra))
    assert post is not None, [d.format() for d in diags]
    return post, diags


def of(diags, severity):
    return [d for d in diags if d.severity == severity]


# ---------------------------------------------------------------- which files are posts

def test_discover_reads_md_markdown_txt_and_subfolders(tmp_path):
    for name in ["2025-01-01-a.md", "2025-01-02-b.markdown", "2025-01-03-c.txt", "blog/2025-01-04-d.md",
                 "release/deep/2025-01-05-e.markdown", "2025-01-06-f.MD"]:
        write(tmp_path, name, FM.format(title="x", extra=""))
    diags = Diagnostics()
    found = discover(tmp_path / "posts", CONFIG, diags, tmp_path)
    rel = [p.relative_to(tmp_path / "posts").as_posix() for p in found]
    assert sorted(rel) == sorted(["2025-01-01-a.md", "2025-01-02-b.markdown", "2025-01-03-c.txt",
                                  "blog/2025-01-04-d.md", "release/deep/2025-01-05-e.markdown",
                                  "2025-01-06-f.MD"])
    assert diags == []


def test_discover_warns_about_dated_files_with_other_extensions(tmp_path):
    write(tmp_path, "2025-01-01-a.md", FM.format(title="x", extra=""))
    write(tmp_path, "2008-02-03-wrong-extension.yml", "---\ntitle: x\n---\n")
    write(tmp_path, "2011-04-12-text-extension.text", "hello")
    write(tmp_path, "include_relative/params.html", "<p>not a post</p>")   # undated: silently ignored
    write(tmp_path, ".drafts/2025-01-02-hidden.md", FM.format(title="x", extra=""))
    write(tmp_path, ".2025-01-03-hidden.md", FM.format(title="x", extra=""))
    diags = Diagnostics()
    found = discover(tmp_path / "posts", CONFIG, diags, tmp_path)
    assert [p.name for p in found] == ["2025-01-01-a.md"]
    warned = sorted(d.file for d in diags)
    assert warned == ["posts/2008-02-03-wrong-extension.yml", "posts/2011-04-12-text-extension.text"]
    assert all(d.severity == WARNING and "not a post extension" in d.message for d in diags)


def test_discover_warning_reaches_site_load(tmp_path):
    write(tmp_path, "2025-01-01-a.md", FM.format(title="x", extra=""))
    write(tmp_path, "2025-01-02-b.mkdn", "---\ntitle: x\n---\n")
    site = load(tmp_path, CONFIG)
    assert [p.slug for p in site.posts] == ["a"]
    assert [d.file for d in site.diagnostics if d.severity == WARNING] == ["posts/2025-01-02-b.mkdn"]


# ---------------------------------------------------------------- categories and tags

@pytest.mark.parametrize("value, expected", [
    (["a", "b"], ["a", "b"]),
    ("foo bar baz", ["foo", "bar", "baz"]),
    ("  single  ", ["single"]),
    (None, []),
    ("", []),
    (2013, ["2013"]),
    (1.5, ["1.5"]),
    ([2013, "x", None, ["nested"], {"k": "v"}, "  "], ["2013", "x"]),
    ({"k": "v"}, []),
])
def test_as_list(value, expected):
    assert as_list(value) == expected


@pytest.mark.parametrize("extra, categories", [
    ('categories: ["投資分析", "AI"]\n', ["投資分析", "AI"]),
    ("categories:\n  - foo\n  - bar\n", ["foo", "bar"]),
    ("categories: foo bar baz\n", ["foo", "bar", "baz"]),
    ("categories: null\n", []),
    ("categories:\n", []),
    ("categories: 2013\n", ["2013"]),
    ("category: 2013\n", ["2013"]),
    ("category: blog\n", ["blog"]),
    ("category: foo bar\n", ["foo bar"]),        # singular key: one category, not split
    ("category:\n", []),
    ("categories: [a, b]\ncategory: c\n", ["a", "b", "c"]),   # Jekyll 4 merges both keys
    ("categories: [a, a, b]\n", ["a", "b"]),
    ("", []),
])
def test_categories_from_front_matter(tmp_path, extra, categories):
    post, _ = post_with(tmp_path, extra)
    assert post.categories == categories


@pytest.mark.parametrize("extra, tags", [
    ('tags: ["AI", "最新ニュース"]\n', ["AI", "最新ニュース"]),
    ("tags: vim neovim\n", ["vim", "neovim"]),
    ("tags: null\n", []),
    ("tags:\n", []),
    ("tags: 42\n", ["42"]),
    ("tags: [1, two]\n", ["1", "two"]),
])
def test_tags_from_front_matter(tmp_path, extra, tags):
    post, diags = post_with(tmp_path, extra)
    assert post.tags == tags
    assert of(diags, WARNING) == []


def test_odd_items_in_a_list_are_skipped_with_a_warning(tmp_path):
    post, diags = post_with(tmp_path, "tags:\n  - ok\n  - {a: b}\n  - [x]\n")
    assert post.tags == ["ok"]
    warnings = of(diags, WARNING)
    assert len(warnings) == 1
    assert "'tags'" in warnings[0].message
    assert warnings[0].line == 4          # the `tags:` line of the file


def test_folders_above_posts_folder_are_categories(tmp_path):
    post, _ = read(tmp_path, "news/_posts/2025-01-01-x.md",
                   "---\ntitle: x\ncategories: [extra]\n---\nbody\n")
    assert post.categories == ["news", "extra"]
    nested, _ = read(tmp_path, "a/b/_posts/sub/2025-01-02-y.md", "---\ntitle: y\n---\nbody\n")
    assert nested.categories == ["a", "b"]         # folders below _posts are not categories
    plain, _ = read(tmp_path, "blog/2025-01-03-z.md", "---\ntitle: z\n---\nbody\n")
    assert plain.categories == []                  # an ordinary subfolder is not a category
    dup, _ = read(tmp_path, "news/_posts/2025-01-04-w.md", "---\ntitle: w\ncategory: news\n---\nbody\n")
    assert dup.categories == ["news"]


# ---------------------------------------------------------------- published

@pytest.mark.parametrize("value", ["false", "no", "off", '"false"', "'no'", "0"])
def test_unpublished_post_is_kept_aside(tmp_path, value):
    write(tmp_path, "2025-01-01-draft.md", f"---\ntitle: draft\npublished: {value}\n---\nbody\n")
    write(tmp_path, "2025-01-02-live.md", "---\ntitle: live\n---\nbody\n")
    site = load(tmp_path, CONFIG)
    assert [p.slug for p in site.posts] == ["live"]
    assert [p.slug for p in site.unpublished] == ["draft"]
    assert site.unpublished[0].published is False
    assert not site.diagnostics.has_errors
    assert any(d.file == "posts/2025-01-01-draft.md" and d.severity == NOTE for d in site.diagnostics)


@pytest.mark.parametrize("value", ["true", "yes", '"true"', "null"])
def test_published_true_or_null_is_published(tmp_path, value):
    write(tmp_path, "2025-01-01-post.md", f"---\ntitle: t\npublished: {value}\n---\nbody\n")
    site = load(tmp_path, CONFIG)
    assert [p.slug for p in site.posts] == ["post"]
    assert site.unpublished == []


# ---------------------------------------------------------------- front matter shapes

def test_no_front_matter_builds_with_a_warning(tmp_path):
    post, diags = read(tmp_path, "2009-06-22-no-yaml.md", "Just a body.\n\nSecond paragraph.\n")
    assert post is not None
    assert post.body == "Just a body.\n\nSecond paragraph.\n"
    assert post.date == dt.datetime(2009, 6, 22, tzinfo=TOKYO)
    warnings = of(diags, WARNING)
    assert len(warnings) == 1
    assert warnings[0].file == "posts/2009-06-22-no-yaml.md"
    assert "no front matter" in warnings[0].message
    assert not diags.has_errors


def test_empty_front_matter_is_fine(tmp_path):
    post, diags = read(tmp_path, "2009-06-22-empty-yaml.md", "---\n---\n\nbody\n")
    assert post is not None and post.data == {}
    assert post.body_line == 3
    assert diags == []


def test_yaml_syntax_error_is_an_error_with_file_and_line(tmp_path):
    text = "---\ntitle: ok\ndate: 2025-01-01\nfoo: bar: baz\n---\nbody\n"
    post, diags = read(tmp_path, "2025-01-01-bad-yaml.md", text)
    assert post is None
    errors = of(diags, ERROR)
    assert len(errors) == 1
    assert errors[0].file == "posts/2025-01-01-bad-yaml.md"
    assert errors[0].line == 4
    assert "YAML" in errors[0].message
    assert errors[0].format().startswith("posts/2025-01-01-bad-yaml.md:4: error:")


def test_yaml_error_points_at_the_line_where_the_broken_construct_begins(tmp_path):
    # The "[" left open on line 3 is where the editor must look, not where YAML gave up.
    text = "---\ntitle: ok\ntags: [a, b\ndate: x\n---\nbody\n"
    post, diags = read(tmp_path, "2025-01-01-bad-list.md", text)
    assert post is None
    assert [d.line for d in of(diags, ERROR)] == [3]


def test_yaml_error_keeps_the_post_out_of_the_site(tmp_path):
    write(tmp_path, "2025-01-01-bad.md", "---\ntitle: \"a\" b\n---\nbody\n")
    write(tmp_path, "2025-01-02-good.md", "---\ntitle: good\n---\nbody\n")
    site = load(tmp_path, CONFIG)
    assert [p.slug for p in site.posts] == ["good"]
    assert [(d.file, d.line) for d in site.diagnostics if d.severity == ERROR] == [("posts/2025-01-01-bad.md", 2)]


def test_front_matter_that_is_not_a_mapping_is_an_error(tmp_path):
    post, diags = read(tmp_path, "2025-01-01-list.md", "---\n- a\n- b\n---\nbody\n")
    assert post is None
    assert "key: value" in of(diags, ERROR)[0].message


def test_unclosed_front_matter_is_an_error(tmp_path):
    post, diags = read(tmp_path, "2025-01-01-open.md", "---\ntitle: never closed\n\nbody\n")
    assert post is None
    errors = of(diags, ERROR)
    assert len(errors) == 1
    assert errors[0].file == "posts/2025-01-01-open.md"
    assert "not closed" in errors[0].message


def test_dots_close_front_matter(tmp_path):
    post, diags = read(tmp_path, "2025-01-01-dots.md", "---\ntitle: dots\n...\nbody\n")
    assert post.title == "dots" and post.body == "body\n" and post.body_line == 4
    assert diags == []


def test_one_line_front_matter_is_read_with_a_warning(tmp_path):
    text = '--- layout: post title: "日本のAI：本腰" date: 2025-09-18 04:37:41 +0000 --- 本文です。\n'
    post, diags = read(tmp_path, "2025-09-18-one-line.md", text)
    assert post is not None
    assert post.title == "日本のAI：本腰"
    assert post.data["layout"] == "post"
    assert post.date == dt.datetime(2025, 9, 18, 13, 37, 41, tzinfo=TOKYO)
    assert post.body.startswith("本文です。")
    warnings = of(diags, WARNING)
    assert len(warnings) == 1
    assert (warnings[0].file, warnings[0].line) == ("posts/2025-09-18-one-line.md", 1)
    assert "one line" in warnings[0].message


def test_one_line_front_matter_keeps_the_body_lines(tmp_path):
    text = '--- layout: post title: "一行" date: 2025-09-18 --- 最初の段落です。\n## 見出し\n\n{% include x.html %}\n'
    write(tmp_path, "2025-09-18-one-line.md", text)
    site = load(tmp_path, CONFIG)
    [post] = site.posts
    assert "<h2" in post.html and "見出し</h2>" in post.html
    include = [d for d in site.diagnostics if "include" in d.message]
    assert [d.line for d in include] == [4]


def test_bom_is_stripped(tmp_path):
    post, diags = read(tmp_path, "2025-01-01-bom.md", b"\xef\xbb\xbf" + FM.format(title="BOM", extra="").encode())
    assert post.title == "BOM"
    assert post.data["title"] == "BOM"
    assert "\ufeff" not in post.body
    assert diags == []                 # front matter recognised: no "no front matter" warning


def test_crlf_file_keeps_its_title_and_front_matter(tmp_path):
    text = "---\r\ntitle: CRLF のタイトル\r\ndate: 2025-09-18 04:37:41 +0000\r\ncategories: a b\r\n---\r\n\r\n本文\r\n"
    post, diags = read(tmp_path, "2025-09-18-crlf.md", text)
    assert post.title == "CRLF のタイトル"
    assert post.categories == ["a", "b"]
    assert post.date == dt.datetime(2025, 9, 18, 13, 37, 41, tzinfo=TOKYO)
    assert post.body_line == 6
    assert post.body.strip() == "本文"
    assert diags == []


def test_crlf_file_builds_through_the_site(tmp_path):
    write(tmp_path, "2025-09-18-crlf.md", "---\r\ntitle: CRLF title\r\n---\r\n\r\nHello **world**\r\n")
    site = load(tmp_path, CONFIG)
    [post] = site.posts
    assert post.title == "CRLF title"
    assert "<strong>world</strong>" in post.html
    assert not site.diagnostics.has_errors and not site.diagnostics.has_warnings


def test_invalid_utf8_is_replaced_with_a_warning(tmp_path):
    raw = FM.format(title="bytes", extra="").encode() + b"ok line\nbad \xff\xfe here\n"
    post, diags = read(tmp_path, "2025-01-01-bytes.md", raw)
    assert post is not None
    assert post.title == "bytes"
    assert "bad \ufffd\ufffd here" in post.body
    warnings = of(diags, WARNING)
    assert len(warnings) == 1
    assert warnings[0].file == "posts/2025-01-01-bytes.md"
    assert warnings[0].line == 8            # the line holding the first bad byte
    assert "UTF-8" in warnings[0].message
    assert not diags.has_errors


def test_invalid_utf8_post_is_still_published(tmp_path):
    write(tmp_path, "2025-01-01-bytes.md", b"---\ntitle: x\n---\ncut \xe3\x81 off\n")
    site = load(tmp_path, CONFIG)
    [post] = site.posts
    assert "\ufffd" in post.html
    assert [d.line for d in site.diagnostics if "UTF-8" in d.message] == [4]


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"\xef\xbb\xbf"])
def test_empty_file_is_an_error(tmp_path, content):
    post, diags = read(tmp_path, "2025-01-01-empty.md", content)
    assert post is None
    errors = of(diags, ERROR)
    assert len(errors) == 1
    assert errors[0].file == "posts/2025-01-01-empty.md"
    assert "empty" in errors[0].message


# ---------------------------------------------------------------- dates and slugs

def test_filename_date_is_used_when_front_matter_has_none(tmp_path):
    post, diags = read(tmp_path, "2019-1-7-my-post.md", "---\ntitle: x\n---\nbody\n")
    assert post.date == dt.datetime(2019, 1, 7, tzinfo=TOKYO)
    assert post.slug == "my-post"
    assert diags == []


def test_empty_date_key_falls_back_to_the_filename(tmp_path):
    post, _ = read(tmp_path, "2019-01-07-my-post.md", "---\ntitle: x\ndate:\n---\nbody\n")
    assert post.date == dt.datetime(2019, 1, 7, tzinfo=TOKYO)


def test_front_matter_date_wins_over_the_filename(tmp_path):
    post, _ = read(tmp_path, "2019-01-07-my-post.md", "---\ntitle: x\ndate: 2025-09-18 20:00:00 +0000\n---\nb\n")
    assert post.date == dt.datetime(2025, 9, 19, 5, 0, tzinfo=TOKYO)
    assert post.slug == "my-post"


def test_no_date_anywhere_is_an_error_naming_the_file(tmp_path):
    post, diags = read(tmp_path, "about-me.md", "---\ntitle: x\n---\nbody\n")
    assert post is None
    errors = of(diags, ERROR)
    assert len(errors) == 1
    assert errors[0].file == "posts/about-me.md"
    assert "no date" in errors[0].message


def test_unreadable_front_matter_date_is_an_error_on_its_line(tmp_path):
    post, diags = read(tmp_path, "2025-02-01-x.md", "---\ntitle: x\ndate: 2025-02-30\n---\nbody\n")
    assert post is None
    errors = of(diags, ERROR)
    assert [(d.file, d.line) for d in errors] == [("posts/2025-02-01-x.md", 3)]
    assert "2025-02-30" in errors[0].message


def test_stray_year_date_warns_on_its_line(tmp_path):
    post, diags = read(tmp_path, "2023-01-29-x.md", "---\ntitle: x\ndate: 2023-01-29 18:30:22 2023 -0800\n---\nb\n")
    assert post.date == dt.datetime(2023, 1, 30, 11, 30, 22, tzinfo=TOKYO)
    assert [(d.line, d.severity) for d in diags] == [(3, WARNING)]


def test_out_of_range_date_is_an_error_not_a_crash(tmp_path):
    post, diags = read(tmp_path, "2025-01-01-x.md", "---\ntitle: x\ndate: 9999-12-31 23:00:00 +0000\n---\nb\n")
    assert post is None
    assert diags.has_errors


def test_slug_front_matter_overrides_filename_slug(tmp_path):
    post, _ = read(tmp_path, "2025-01-01-file-slug.md", "---\ntitle: x\nslug: chosen\n---\nbody\n")
    assert post.slug == "chosen"


def test_non_string_permalink_is_an_error(tmp_path):
    post, diags = read(tmp_path, "2025-01-01-x.md", "---\ntitle: x\npermalink: [a, b]\n---\nbody\n")
    assert post is None
    assert [d.line for d in of(diags, ERROR)] == [3]


def test_title_that_is_not_text_warns(tmp_path):
    post, diags = read(tmp_path, "2025-01-01-x.md", "---\ntitle: [a, b]\n---\nbody\n")
    assert post.title == ""
    assert [d.line for d in of(diags, WARNING)] == [2]


def test_numeric_title_is_text(tmp_path):
    post, diags = read(tmp_path, "2025-01-01-x.md", "---\ntitle: 2025\n---\nbody\n")
    assert post.title == "2025"
    assert diags == []


def test_split_keeps_body_line_numbers():
    split = frontmatter.split("---\na: 1\nb: 2\n---\nline five\n")
    assert split.has_front_matter and split.data == {"a": 1, "b": 2}
    assert split.body == "line five\n"
    assert split.body_line == 5
