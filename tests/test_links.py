"""Internal links (tsuzuri/links.py): broken ones named with file, line and the closest post URL,
in `check` and in the build (warnings, so --strict fails); `check --fix` rewrites the sure ones
only, byte for byte otherwise, and a second run changes nothing."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_build import make_project, mkdocs, post, tsuzuri
from tsuzuri import links
from tsuzuri.config import SiteConfig
from tsuzuri.diagnostics import NOTE, WARNING
from tsuzuri.render import Renderer
from tsuzuri.site import load

LINKING = """## 見出しA

- [正しいリンク](/2025/01/10/alpha-report/)
- [日付違い](/2024/12/31/alpha-report/)
- [末尾のハイフン](/2025/01/10/alpha-report-/)
- [自サイトの絶対URL](https://blog.example.jp/2025/01/10/alpha-report)
- [存在しないページ](/no/such/page/)
- [参照リンク][r]
- <a href="/2025/01/10/gamma-cut-short">途中で切れたスラッグ</a>
- [同じスラッグが二つ](/2025/03/09/dup-post/)
- [相対リンク](../../../../2025/01/10/alpha-report/)
- [ページ内](#見出しa) と [ない見出し](#nowhere)
- [別記事の見出し](/2025/01/10/alpha-report/#存在しない)
- [画像ファイル](/assets/images/og-default.jpg) と [ないファイル](/assets/missing.pdf)
- [タグ](/tags/ai/) [アーカイブ](/archive/) [外部](https://example.com/x) [メール](mailto:a@example.com)
- [旧URL](/old/alpha/)
- ![画像はここでは見ない](/no/image.png)

`[コードの中](/no/code/)`

```
[フェンスの中](/no/fence/)
```

[r]: /2023/05/05/alpha-report/
"""

POSTS = {
    "2025-01-10-alpha-report.md": post("アルファ", "2025-01-10 10:00:00 +0900", "本文です。\n\n## 見出し\n\n段落。",
                                       tags=["AI"]),
    "2025-01-10-gamma-cut-short-of-its-name.md": post("ガンマ", "2025-01-10 11:00:00 +0900"),
    "2025-03-01-dup-post.md": post("重複その一", "2025-03-01 10:00:00 +0900"),
    "2025-03-01-dup-post-b.md": post("重複その二", "2025-03-01 12:00:00 +0900", slug="dup-post"),
    "2025-01-05-moved.md": post("移動した記事", "2025-01-05 10:00:00 +0900", redirect_from=["/old/alpha/"]),
    "2025-02-01-linking.md": post("リンクする記事", "2025-02-01 10:00:00 +0900", LINKING),
}


def _site(tmp_path: Path, posts=POSTS):
    project = make_project(tmp_path, posts)
    config = SiteConfig.from_mkdocs_yml(project / "mkdocs.yml")
    return project, load(project, config)


def _link_warnings(site, severity=WARNING) -> list:
    return [d for d in site.diagnostics if d.severity == severity and d.message.startswith("link ")]


def test_broken_links_named_with_line_and_closest_post(tmp_path):
    _, site = _site(tmp_path)
    found = {d.message.split("'")[1]: d for d in _link_warnings(site)}
    body_line = 8  # post() writes 6 lines of front matter, then a blank line: the body starts on line 8
    assert set(found) == {
        "/2024/12/31/alpha-report/", "/2025/01/10/alpha-report-/", "/no/such/page/", "/2023/05/05/alpha-report/",
        "/2025/01/10/gamma-cut-short", "/2025/03/09/dup-post/", "#nowhere", "/assets/missing.pdf"}
    # another post's missing anchor: the reader still gets the page, so only a note
    [other] = _link_warnings(site, NOTE)
    assert other.line == body_line + 12 and "#存在しない; the reader lands at its top" in other.message
    d = found["/2024/12/31/alpha-report/"]
    assert d.file == "posts/2025-02-01-linking.md" and d.line == body_line + 3
    assert "did you mean '/2025/01/10/alpha-report/' (the same slug on another date)" in d.message
    assert "--fix" in d.hint
    assert found["/2023/05/05/alpha-report/"].line == body_line + 24  # the reference definition's line
    assert "a slug cut short on the same day" in found["/2025/01/10/gamma-cut-short"].message
    dup = found["/2025/03/09/dup-post/"]
    assert "'/2025/03/01/dup-post/'" in dup.message and "'/2025/03/01/dup-post-2/'" in dup.message
    assert "--fix" not in dup.hint                       # two candidates: not sure
    assert found["/no/such/page/"].message.endswith("leads to no page of the site")   # nothing close
    assert "no heading or anchor" in found["#nowhere"].message


def test_fix_rewrites_sure_links_only_byte_for_byte_and_is_idempotent(tmp_path):
    project = make_project(tmp_path, POSTS)
    path = project / "posts" / "2025-02-01-linking.md"
    before = path.read_bytes()
    first = tsuzuri(["check", "--fix", "posts/"], project)
    assert "Traceback" not in first.stderr
    after = path.read_bytes()
    expected = before
    for old, new in [(b"(/2024/12/31/alpha-report/)", b"(/2025/01/10/alpha-report/)"),
                     (b"(/2025/01/10/alpha-report-/)", b"(/2025/01/10/alpha-report/)"),
                     (b'"/2025/01/10/gamma-cut-short"', b'"/2025/01/10/gamma-cut-short-of-its-name/"'),
                     (b"[r]: /2023/05/05/alpha-report/", b"[r]: /2025/01/10/alpha-report/")]:
        assert expected.count(old) == 1
        expected = expected.replace(old, new)
    assert after == expected
    assert "4 links fixed" in first.stdout
    assert "fixed posts/2025-02-01-linking.md:11: '/2024/12/31/alpha-report/' -> '/2025/01/10/alpha-report/'" \
        in first.stdout
    assert "/2024/12/31/alpha-report/" not in first.stdout.split("fixed ")[-1].split("\n", 1)[1]  # warning gone
    assert "dup-post" in first.stdout and "/no/such/page/" in first.stdout   # not sure: still warned
    second = tsuzuri(["check", "--fix", "posts/"], project)
    assert path.read_bytes() == expected and "0 links fixed" in second.stdout
    for other in POSTS:
        if other != path.name:
            assert (project / "posts" / other).read_bytes() == POSTS[other].encode()


def test_build_warns_so_strict_fails_and_passes_once_fixed(tmp_path):
    good = {k: v for k, v in POSTS.items() if k != "2025-02-01-linking.md" and "dup" not in k}
    good["2025-02-02-fine.md"] = post("正しいリンクだけ", "2025-02-02 10:00:00 +0900",
                                      "[アルファ](/2025/01/10/alpha-report/) と [旧](/old/alpha/) と "
                                      "[自社](https://www.blog.example.jp/2025/01/10/alpha-report/#見出し)")
    bad = dict(good, **{"2025-02-03-broken.md": post("壊れたリンク", "2025-02-03 10:00:00 +0900",
                                                       "前置き。\n\n[古い](/2024/01/10/alpha-report/)")})
    (tmp_path / "bad").mkdir()
    (tmp_path / "good").mkdir()
    project = make_project(tmp_path / "bad", bad)
    result = mkdocs(["build", "--strict", "-d", str(tmp_path / "out-bad")], project)
    assert result.returncode != 0
    assert ("posts/2025-02-03-broken.md:10: warning: link '/2024/01/10/alpha-report/' leads to no page of the site"
            in result.stderr)
    project = make_project(tmp_path / "good", good)
    result = mkdocs(["build", "--strict", "-d", str(tmp_path / "out-good")], project)
    assert result.returncode == 0, result.stderr


def test_same_slug_on_several_dates_is_sure_only_a_day_apart(tmp_path):
    """A link dated in UTC lands a day before the post's Asia/Tokyo date: with the same slug on
    other dates too, only the one a day apart is sure."""
    posts = {"2025-01-20-beta-note.md": post("B1", "2025-01-20 08:00:00 +0900"),
             "2025-03-20-beta-note.md": post("B2", "2025-03-20 08:00:00 +0900"),
             "2025-04-01-c.md": post("C", "2025-04-01 10:00:00 +0900",
                                     "[前日付](/2025/01/19/beta-note/) [遠い日付](/2025/02/10/beta-note/)")}
    _, site = _site(tmp_path, posts)
    findings = {f.url: f for f in links.check(site)}
    assert findings["/2025/01/19/beta-note/"].fix == "/2025/01/20/beta-note/"
    assert "a day apart" in findings["/2025/01/19/beta-note/"].message
    assert findings["/2025/02/10/beta-note/"].fix is None
    assert len(findings["/2025/02/10/beta-note/"].suggestions) == 2


def test_a_link_made_by_liquid_is_checked_from_the_page(tmp_path):
    posts = {"2025-01-10-alpha-report.md": POSTS["2025-01-10-alpha-report.md"],
             "2025-02-01-l.md": post("L", "2025-02-01 10:00:00 +0900",
                                     "[良い]({{ site.baseurl }}/2025/01/10/alpha-report/) "
                                     "[悪い]({{ site.baseurl }}/2025/01/11/alpha-report/)")}
    _, site = _site(tmp_path, posts)
    [d] = _link_warnings(site)
    assert d.file == "posts/2025-02-01-l.md" and d.line is None
    assert "'/2025/01/11/alpha-report/'" in d.message and "Liquid" in d.hint


def test_base_path_and_own_domain(tmp_path):
    posts = {"2025-01-10-alpha-report.md": POSTS["2025-01-10-alpha-report.md"],
             "2025-02-01-b.md": post("B", "2025-02-01 10:00:00 +0900",
                                     "[ok](/blog/2025/01/10/alpha-report/) [no base](/2025/01/10/alpha-report/) "
                                     "[abs](https://blog.example.jp/blog/2025/01/10/alpha-report/) "
                                     "[abs no base](https://blog.example.jp/2025/01/10/alpha-report/)")}
    project = make_project(tmp_path, posts)
    text = (project / "mkdocs.yml").read_text(encoding="utf-8").replace("https://blog.example.jp/",
                                                                         "https://blog.example.jp/blog/")
    (project / "mkdocs.yml").write_text(text, encoding="utf-8")
    site = load(project, SiteConfig.from_mkdocs_yml(project / "mkdocs.yml"))
    found = {d.message.split("'")[1]: d for d in _link_warnings(site)}
    assert set(found) == {"/2025/01/10/alpha-report/", "https://blog.example.jp/2025/01/10/alpha-report/"}
    assert all("outside the site's base path '/blog/'" in d.message for d in found.values())
    assert "'/blog/2025/01/10/alpha-report/'" in found["/2025/01/10/alpha-report/"].hint


def test_seed_posts_have_no_broken_links():
    root = Path(__file__).resolve().parents[1]
    site = load(root, SiteConfig.from_mkdocs_yml(root / "mkdocs.yml"))
    assert _link_warnings(site) == []


# -- the scanner against Python-Markdown ------------------------------------------------------------

_RENDER = Renderer()
_word = st.text(alphabet="あいうabc 　", min_size=1, max_size=6).map(str.strip).filter(bool)
_url = st.builds(lambda parts, tail: "/" + "/".join(parts) + tail,
                 st.lists(st.text(alphabet="abz09-_.日本~", min_size=1, max_size=5)
                          .filter(lambda s: s not in (".", "..")), min_size=1, max_size=3),
                 st.sampled_from(["", "/", "/#x", "?q=1", "/?a=1&b=2"]))


@st.composite
def _document(draw):
    """A Markdown body of links in every form (and in code, and images) with the URLs the
    rendered page must link to."""
    parts, expected, refs = [], set(), []
    for i in range(draw(st.integers(1, 8))):
        url, text = draw(_url), draw(_word)
        form = draw(st.sampled_from(["inline", "title", "angle", "ref", "html", "code", "fence", "image"]))
        if form == "inline":
            parts.append(f"{text} [{text}]({url}) 。")
        elif form == "title":
            parts.append(f"[{text}]({url} \"題\")")
        elif form == "angle":
            parts.append(f"[{text}](<{url}>)")
        elif form == "ref":
            parts.append(f"[{text}][r{i}]")
            refs.append(f"[r{i}]: {url}")
        elif form == "html":
            parts.append(f'<a href="{url.replace("&", "&amp;")}">{text}</a>')
        elif form == "code":
            parts.append(f"`[{text}]({url})`")
            continue
        elif form == "fence":
            parts.append(f"```\n[{text}]({url})\n```")
            continue
        else:
            parts.append(f"![{text}]({url})")
            continue
        expected.add(url)
    return "\n\n".join(parts + refs) + "\n", expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_document())
def test_scanner_finds_exactly_the_links_markdown_renders(doc):
    body, expected = doc
    rendered = set(links.rendered_hrefs(_RENDER(body).html))
    assert rendered == expected
    assert {link.target for link in links.scan(body)} == expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_document(), st.data())
def test_rewrite_changes_only_the_chosen_links_and_is_reversible(doc, data):
    body, _ = doc
    written = sorted({link.url for link in links.scan(body)})   # the fix is keyed by the URL as written
    if not written:
        return
    old = data.draw(st.sampled_from(written))
    new = "/moved" + old
    out, made = links.rewrite(body, {old: new})
    assert made and all(m[1] == old for m in made)
    assert links.rewrite(out, {old: new})[1] == [] or old.startswith("/moved")   # idempotent
    if new not in body:
        assert links.rewrite(out, {new: old})[0] == body                           # nothing else changed


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="[]()<>`!\\\n -/a:#\"'", max_size=300))
def test_scanner_never_fails_and_links_point_into_the_text(text):
    for link in links.scan(text):
        assert text[link.start:link.end] == link.url


def test_scanner_is_linear_on_hostile_shapes():
    for shape in ("[a](" * 20000, "<a " * 20000, "`" * 30001, "](" * 20000, "<!--" * 10000, "[" * 25000 + "](/x)"):
        start = time.process_time()   # CPU time: the machine is shared, wall time is not ours
        links.scan(shape)
        assert time.process_time() - start < 1.0, shape[:8]


# -- the real blog (read by path, skipped when absent) ----------------------------------------------

REAL = Path("/work/realblog/today/_posts")


@pytest.mark.skipif(not REAL.is_dir(), reason="the real blog is not on this machine")
def test_real_blog_bodies_scan_without_error():
    count = 0
    for path in sorted(REAL.iterdir())[:400]:
        text = path.read_text(encoding="utf-8", errors="replace")
        for link in links.scan(text):
            assert text[link.start:link.end] == link.url
            count += 1
    assert count > 100
