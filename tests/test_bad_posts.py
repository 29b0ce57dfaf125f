"""Bad input never breaks the site, loses a post or opens a hole.

The corpus is tests/fixtures/bad/ (one file per case) plus a few files written here (large or
byte-exact ones); EXPECTED.yml says what must happen to each. Every case goes through
``python -m tsuzuri check``, ``tsuzuri.site.load`` and real MkDocs builds (one strict, one not),
shared by the whole module. Hypothesis then feeds generated front matter and bodies through the
reader, the cleaner, the renderer and the sanitiser.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse
from xml.etree import ElementTree

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_build import make_project
from tsuzuri.config import SiteConfig
from tsuzuri.diagnostics import ERROR, NOTE, WARNING
from tsuzuri.posts import read_post
from tsuzuri.render import Renderer
from tsuzuri.site import load, prepare

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "fixtures" / "bad"
EXPECTED: dict[str, dict] = yaml.safe_load((BAD / "EXPECTED.yml").read_text(encoding="utf-8"))
PY = sys.executable
HUGE = "2025-02-05-huge.md"
BODY = "この記事は壊れた入力の試験用です。本文は普通の段落で、読者に届くべき内容を含んでいます。\n"


def _fm(title: str, date: str) -> str:
    return f'---\ntitle: "{title}"\ndate: {date} 10:00:00 +0900\ncategories: ["テスト"]\n---\n\n'


def _huge() -> bytes:
    """5 MB of distinct paragraphs: a real body, not a repeat the cleaner would drop."""
    out, size, i = [_fm("5MBの記事", "2025-02-05").encode()], 0, 0
    while size < 5_000_000:
        para = (f"第{i}段落：国産AIの開発は第{i}段階に入り、各社の投資額は{i * 37 % 1000}億円に達した。"
                f"市場の反応は銘柄{i % 97}で顕著である。\n\n").encode()
        out.append(para)
        size, i = size + len(para), i + 1
    return b"".join(out)


# Files that are large or must be byte-exact (git may rewrite line endings) are made here.
GENERATED = {
    "2025-01-12-bom.md": lambda: b"\xef\xbb\xbf" + (_fm("BOM付きの記事", "2025-01-12") + BODY).encode(),
    "2025-01-13-crlf.md": lambda: (_fm("改行がCRLFの記事", "2025-01-13") + BODY + "\n## 見出し\n\n二つ目の段落です。\n")
    .replace("\n", "\r\n").encode(),
    "2025-01-14-invalid-utf8.md": lambda: (_fm("UTF-8でない記事", "2025-01-14") + "最初の段落です。\n\n").encode()
    + b"\x82\xb1\x82\xea\x82\xcd Shift_JIS \x82\xc5\x82\xb7\n",
    "2025-01-30-utf16.md": lambda: (_fm("UTF-16で保存された記事", "2025-01-30") + BODY).encode("utf-16"),
    HUGE: _huge,
    "2025-02-23-control-characters.md": lambda: (_fm("制御文字", "2025-02-23")
                                                 + "NUL\x00と\x02wzxhzdk:0\x03と\x1bの段落です。\n\n<p>\x02wzxhzdk:1\x03</p>\n").encode(),
}
# Shapes Python-Markdown renders in quadratic time (issue 18): 25-60 KB that took 31-103 s.
PATHOLOGICAL = {
    "2025-03-02-unclosed-brackets.md": ("閉じない角括弧", "[" * 25000),
    "2025-03-03-unclosed-link-targets.md": ("閉じないリンク先", "[a](" * 10000),
    "2025-03-04-unclosed-tags.md": ("閉じないタグ", "<a " * 20000),
}
for _name, (_title, _payload) in PATHOLOGICAL.items():
    GENERATED[_name] = functools.partial(
        lambda title, date, payload: (_fm(title, date) + "前の段落です。\n\n" + payload + "\n\n後の段落も残ります。\n").encode(),
        _title, _name[:10], _payload)
PUBLISHED = sorted(n for n, e in EXPECTED.items() if e["outcome"] == "published")
REFUSED = sorted(n for n, e in EXPECTED.items() if e["outcome"] == "refused")


def write_project(tmp: Path, skip: tuple[str, ...] = (), **tsuzuri_extra) -> Path:
    """A site in tmp using this repo's hook, templates and docs, whose posts are the bad corpus."""
    make_project(tmp, {}, **tsuzuri_extra)
    posts = tmp / "posts"
    posts.mkdir()
    for path in BAD.iterdir():
        if path.name in EXPECTED and path.name not in skip:
            shutil.copyfile(path, posts / path.name)
    for name, make in GENERATED.items():
        if name not in skip:
            (posts / name).write_bytes(make())
    return tmp


def start(args: list[str], cwd: Path) -> subprocess.Popen:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(ROOT))
    return subprocess.Popen([PY, "-m", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def finish(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    out, err = proc.communicate(timeout=600)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return finish(start(args, cwd))


_LINE_RE = re.compile(r"^(?:\S+\s+-\s+)?(?P<file>posts/[^:\s]+)(?::(?P<line>\d+))?: (?P<sev>note|warning|error): "
                      r"(?P<message>.*?)(?: — (?P<hint>.*))?$")


def diagnostics_in(output: str) -> dict[str, list[tuple]]:
    """{file name: [(severity, line, message, hint)]} from check's or MkDocs' output."""
    found: dict[str, list[tuple]] = {}
    for text in output.splitlines():
        if m := _LINE_RE.match(text.strip()):
            name = m["file"].removeprefix("posts/")
            found.setdefault(name, []).append(
                (m["sev"], int(m["line"]) if m["line"] else None, m["message"], m["hint"] or ""))
    return found


def assert_diagnostics(name: str, actual: list[tuple], notes: bool = True) -> None:
    """Exactly the expected diagnostics (any order); errors and warnings say what to do."""
    expected = [d for d in EXPECTED[name]["diagnostics"] if notes or d[0] != "note"]
    remaining = list(actual)
    for severity, line, fragment in expected:
        match = next((a for a in remaining if a[0] == severity and a[1] == line and fragment in a[2]), None)
        assert match, f"{name}: no {severity} on line {line} containing {fragment!r}; got {actual}"
        remaining.remove(match)
    assert remaining == [], f"{name}: unexpected diagnostics {remaining}"
    for severity, _, message, hint in actual:
        if severity != "note":
            assert hint, f"{name}: {severity} {message!r} does not say what to do"


# ---------------------------------------------------------------- shared runs (once per module)

@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return write_project(tmp_path_factory.mktemp("bad"))


@pytest.fixture(scope="module")
def runs(project):
    """`check`, a non-strict build and an in-process load of the corpus, side by side."""
    check, build = start(["tsuzuri", "check", "posts"], project), start(["mkdocs", "build"], project)
    site = load(project, SiteConfig.from_mkdocs_yml(project / "mkdocs.yml"))
    return finish(check), (finish(build), project / "site"), site


@pytest.fixture(scope="module")
def checked(runs):
    return runs[0]


@pytest.fixture(scope="module")
def built(runs):
    return runs[1]


@pytest.fixture(scope="module")
def site(runs):
    return runs[2]


# ---------------------------------------------------------------- the corpus

def test_corpus_has_every_case_and_nothing_else():
    committed = {p.name for p in BAD.iterdir() if p.name != "EXPECTED.yml"}
    assert committed | set(GENERATED) == set(EXPECTED)
    assert not committed & set(GENERATED)
    assert all(bool(EXPECTED[n].get("generated")) == (n in GENERATED) for n in EXPECTED)
    assert len(EXPECTED) >= 30 and len(REFUSED) >= 10
    assert all((BAD / n).stat().st_size < 10_000 for n in committed)
    assert len(GENERATED[HUGE]()) // 100_000 == 50  # 5.0 MB


# ---------------------------------------------------------------- every case, exactly

@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_check_reports_each_case_exactly(checked, name):
    assert_diagnostics(name, diagnostics_in(checked.stdout).get(name, []))


def test_check_fails_on_the_corpus_without_a_traceback(checked):
    assert checked.returncode == 1
    assert "Traceback" not in checked.stdout + checked.stderr
    errors = sum(1 for e in EXPECTED.values() for d in e["diagnostics"] if d[0] == "error")
    published = len(PUBLISHED)
    assert checked.stdout.strip().splitlines()[-1].startswith(f"check: {published} posts built; {errors} errors")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_load_reports_and_places_each_case(site, name):
    case = EXPECTED[name]
    source = f"posts/{name}"
    actual = [(str(d.severity), d.line, d.message, d.hint) for d in site.diagnostics if d.file == source]
    assert_diagnostics(name, actual)
    posts = [p for p in site.posts if p.source == source]
    if case["outcome"] == "published":
        [post] = posts
        assert (post.url, post.title) == (case["url"], case["title"])
        assert post.html.strip() or "body" in str(case["diagnostics"])
    else:
        assert posts == [] and any(d.severity == ERROR for d in site.diagnostics if d.file == source)


def test_refused_posts_are_not_half_published(built):
    _, out = built
    pages = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.html"))
    # a merge conflict's markers, and the side of a front-matter conflict that was not used, never show
    assert "&lt;&lt;&lt;&lt;&lt;&lt;&lt; HEAD\n国内" not in pages and "feature/update-figures" not in pages
    assert "古いタイトル" not in pages and "---END---" not in pages


def test_conflicted_and_colliding_posts_are_published_whole(built):
    """As on the live Jekyll site, nothing is dropped: both sides of a conflict (each once, no
    marker) and both posts of a URL collision (the later at the URL, the other at '-2')."""
    _, out = built
    body = parse(out / "2025/02/02/conflict-in-body/index.html").text
    text = "".join(body)
    for para in ("最初の段落は共通です。", "国内AIへの投資は1兆円規模です。", "国内AIへの投資は2兆円規模です。", "最後の段落も共通です。"):
        assert text.count(para) == 1, para
    assert not re.search(r"^(<{7}|={7}|>{7})", text, re.MULTILINE)
    assert parse(out / "2025/02/03/conflict-in-front-matter/index.html").h1 == "新しいタイトル"
    assert "後の記事の本文です" in "".join(parse(out / "2025/01/29/shared-slug/index.html").text)
    assert parse(out / "2025/01/29/shared-slug-2/index.html").h1 == "同じURLの記事（先）"


def test_readme_troubleshooting_lists_every_diagnostic_of_the_corpus(checked):
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Troubleshooting", 1)[1].split("\n## ", 1)[0]
    rows = [row.split(" | ")[0] for row in section.splitlines() if row.startswith("| `")]
    patterns = [re.compile(".*?".join(re.escape(part) for part in re.split(r"…|\bN\b", snippet)))
                for row in rows for snippet in re.findall(r"`([^`]+)`", row)]
    messages = {d[2] for ds in diagnostics_in(checked.stdout).values() for d in ds}
    assert len(messages) > 30
    assert [m for m in sorted(messages) if not any(p.search(m) for p in patterns)] == []


# ---------------------------------------------------------------- real builds

def test_non_strict_build_publishes_every_good_post(built):
    result, out = built
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    for name in PUBLISHED:
        page = out / EXPECTED[name]["url"] / "index.html"
        assert page.exists(), name
        assert parse(page).h1 == EXPECTED[name]["title"], name


@pytest.mark.parametrize("name", REFUSED)
def test_build_names_each_refused_post_in_an_error(built, name):
    result, _ = built  # MkDocs logs errors as ERROR and warnings as WARNING; notes only with -v
    assert_diagnostics(name, diagnostics_in(result.stderr).get(name, []), notes=False)
    assert any(line.startswith("ERROR") and f"posts/{name}" in line for line in result.stderr.splitlines())


def test_strict_build_fails_on_errors(tmp_path):
    # the 5 MB post is left out here only to keep the suite fast; the non-strict build has it
    project = write_project(tmp_path, skip=(HUGE,))
    result = run(["mkdocs", "build", "--strict"], project)
    assert result.returncode != 0 and "in strict mode" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "posts/2025-02-02-conflict-in-body.md:9: error: unresolved git merge conflict" in result.stderr
    assert "posts/2025-02-07-script-in-body.md:9: warning: removed unsafe HTML" in result.stderr


def test_nothing_lost(project, site, built):
    """Every file in posts/ is published at its URL or named in an error of the build."""
    result, out = built
    named = {n for n, ds in diagnostics_in(result.stderr).items() if any(d[0] == "error" for d in ds)}
    files = sorted(p.name for p in (project / "posts").iterdir())
    assert len(files) == len(EXPECTED)
    by_source = {p.source: p for p in site.posts}
    for name in files:
        post = by_source.get(f"posts/{name}")
        published = post is not None and (out / post.dest_uri).exists()
        # published, or named in an error; a post published with an error (a merge conflict) is both
        assert published or name in named, f"{name}: neither published nor named in an error"
        assert published == (EXPECTED[name]["outcome"] == "published"), name
    assert len(by_source) == len(PUBLISHED)


def test_the_huge_post_is_whole(built):
    _, out = built
    text = (out / EXPECTED[HUGE]["url"] / "index.html").read_text(encoding="utf-8")
    last = GENERATED[HUGE]().decode().rstrip().rsplit("\n\n", 1)[-1]
    assert "第0段落" in text and last in text


# ---------------------------------------------------------------- security

class _Page(HTMLParser):
    """What a page would run or load: scripts, handlers, URLs; plus its h1 and visible text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: Counter = Counter()
        self.handlers: list = []
        self.urls: list[tuple[str, str]] = []
        self.scripts: list[list[str]] = []   # [type, text]
        self.text: list[str] = []
        self.h1_parts: list[str] = []
        self.title_parts: list[str] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name, value))
            if name in ("href", "src", "action", "formaction", "srcset", "poster", "data"):
                self.urls.append((name, value or ""))
        if tag == "script":
            self.scripts.append([dict(attrs).get("type") or "", ""])
        if tag in ("script", "h1", "title"):
            self._stack.append(tag)

    def handle_endtag(self, tag):
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()

    def handle_data(self, data):
        where = self._stack[-1] if self._stack else None
        if where == "script":
            self.scripts[-1][1] += data
        elif where == "h1":
            self.h1_parts.append(data)
        elif where == "title":
            self.title_parts.append(data)
        else:
            self.text.append(data)

    @property
    def h1(self) -> str:
        return "".join(self.h1_parts).strip()


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def unsafe(page: _Page, theme: bool = False) -> list:
    """Everything that would run attacker code or load a foreign frame. Material's own pages
    (``theme``) have icon <svg>s and a search <form>; a post's HTML has neither."""
    bad = [("handler", h) for h in page.handlers]
    bad += [("url", u) for u in page.urls if re.match(r"^\s*(javascript|data|vbscript)\s*:", u[1], re.I)]
    for kind, text in page.scripts:
        if kind == "application/ld+json":  # data: it must be JSON, and no "<" may end the element early
            if "<" in text:
                bad.append(("json-ld", text[:60]))
            json.loads(text)
        elif "alert(" in text:
            bad.append(("script", text[:60]))
    tags = ("iframe", "object", "embed") if theme else ("iframe", "object", "embed", "svg", "form", "script", "style")
    bad += [("tag", t) for t in tags if page.tags[t]]
    return bad


def test_no_script_or_handler_reaches_any_page(built):
    _, out = built
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > len(PUBLISHED)
    for path in pages:
        assert unsafe(parse(path), theme=True) == [], path.relative_to(out)
    feeds = list(out.rglob("*.xml"))
    assert any(p.name == "feed.xml" for p in feeds)
    for path in feeds:  # Atom: escaped HTML in type="html" elements is HTML to a feed reader
        for element in ElementTree.parse(path).iter():
            name = element.tag.rsplit("}", 1)[-1]
            assert name not in ("script", "svg", "iframe") and not any(a.startswith("on") for a in element.attrib), path
            if element.get("type") == "html" and element.text:
                page = _Page()
                page.feed(element.text)
                assert unsafe(page) == [], (path, element.text[:200])


def test_hostile_front_matter_is_shown_as_text(built):
    _, out = built
    page = parse(out / "2025/02/14/html-in-title/index.html")
    assert page.h1 == "<script>alert('title')</script>危険なタイトル"
    assert "".join(page.title_parts).startswith("<script>alert('title')</script>危険なタイトル - ")
    tags = parse(out / "2025/02/15/html-in-tags/index.html")
    assert "<img src=x onerror=alert('tag')>" in "".join(tags.text)
    meta = parse(out / "2025/02/17/html-in-author-and-category/index.html")
    assert "<a href='javascript:alert(1)'>編集部</a>" in "".join(meta.text)
    assert "<svg onload=alert('category')>" in "".join(meta.text)
    listed = "".join("".join(parse(p).text) for p in out.rglob("index.html") if "2025/" not in str(p.relative_to(out)))
    assert "<b>重要</b>な要約<script>alert('excerpt')</script>" in listed  # the excerpt, on a list page
    assert "<script>alert('title')</script>危険なタイトル" in listed


def test_sanitiser_keeps_what_markdown_makes(built):
    _, out = built
    html = (out / "2025/01/01/good-post/index.html").read_text(encoding="utf-8")
    body = html[html.index('class="tz-body"'):]
    for fragment in ('<th style="text-align:left">', '<img alt="グラフ" src="https://example.com/chart.png"',
                     '<a href="https://example.com/" title="例">', "<details>", "<summary>詳しく見る</summary>",
                     '<span class="nb">print</span>', '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">',
                     '<div class="admonition note">', '<abbr title="Hyper Text Markup Language">', "<dt>AI</dt>",
                     '<h2 id="表">'):
        assert fragment in body, fragment
    kept = parse(out / "2025/02/07/script-in-body/index.html")
    assert "普通の段落です。" in "".join(kept.text) and "その後の段落も残ります。" in "".join(kept.text)
    link = (out / "2025/02/10/javascript-link/index.html").read_text(encoding="utf-8")
    assert "<a>こちらを押してください</a>" in link and '<a href="https://example.com/">リンク</a>' in link


def test_internal_links_and_sources_resolve(built):
    """Crawl the built site: every internal href/src names a file in site/."""
    _, out = built
    base = urlparse(yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["site_url"]).path
    checked = 0
    for path in out.rglob("*.html"):
        for attr, url in parse(path).urls:
            if attr not in ("href", "src") or not url or re.match(r"^[a-z][a-z0-9+.-]*:|^#|^//", url, re.I):
                continue
            target_path = unquote(url.split("#")[0].split("?")[0])
            if target_path.startswith("/"):
                assert target_path.startswith(base), f"{path}: {url} is outside the site"
                target = (out / target_path[len(base):]).resolve()
            else:
                target = (path.parent / target_path).resolve()
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{path.relative_to(out)} links to missing {url}"
            checked += 1
    assert checked > 500


def test_config_strings_are_escaped_in_every_template(tmp_path):
    """site_name is printed by the header, the drawer and <title>: as text, never as markup."""
    project = make_project(tmp_path, {"2025-03-01-fine.md": _fm("普通の記事", "2025-03-01") + BODY})
    config = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    name = "<img src=x onerror=alert('site')>\" data-x=\"1"
    config["site_name"] = name
    docs = shutil.copytree(ROOT / "docs", project / "docs")  # a docs/ page whose title is markup
    (docs / "hostile.md").write_text(f"---\ntitle: {json.dumps(name)}\n---\n\n本文\n", encoding="utf-8")
    config["docs_dir"] = str(docs)
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    result = run(["mkdocs", "build"], project)
    assert result.returncode == 0, result.stderr[-2000:]
    for path in [project / "site/index.html", project / "site/2025/03/01/fine/index.html", project / "site/404.html",
                 project / "site/hostile/index.html"]:
        page = parse(path)
        assert unsafe(page, theme=True) == [] and page.tags["img"] == 0, path
        assert "".join(page.title_parts).endswith(" - " + name) or "".join(page.title_parts) == name, path
        assert "".join(page.text).count(name) >= 2, path  # header and drawer show it as text


@pytest.mark.parametrize("stage", ["read", "clean"])
def test_an_engine_bug_costs_one_post_named_in_an_error(tmp_path, monkeypatch, stage):
    """Fault injection (no input is known to crash the engine): the other posts still build,
    and the one that crashed is named in an error instead of a traceback ending the build."""
    import tsuzuri.cache as cache_module
    import tsuzuri.site as site_module
    real = cache_module.read_post if stage == "read" else site_module.fragments.clean

    def crash(*args, **kwargs):
        if "爆発" in str(args[0]) or "bakuhatsu" in str(args[0]):
            raise IndexError("list index out of range")
        return real(*args, **kwargs)
    if stage == "read":
        monkeypatch.setattr(cache_module, "read_post", crash)
    else:
        monkeypatch.setattr(site_module.fragments, "clean", crash)
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "2025-03-01-fine.md").write_text(_fm("普通の記事", "2025-03-01") + BODY, encoding="utf-8")
    (posts / "2025-03-02-bakuhatsu.md").write_text(_fm("爆発する記事", "2025-03-02") + "爆発\n", encoding="utf-8")
    site = load(tmp_path, SiteConfig())
    assert [p.source for p in site.posts] == ["posts/2025-03-01-fine.md"]
    [error] = [d for d in site.diagnostics if d.severity == ERROR]
    assert error.file == "posts/2025-03-02-bakuhatsu.md"
    assert error.message.startswith("internal error while building this post: IndexError: list index out of range at ")
    assert "tsuzuri bug" in error.hint


CHROMIUM = "/usr/bin/chromium"
HOSTILE_PAGES = ["/", "/archive/", "/2025/02/14/html-in-title/", "/2025/02/15/html-in-tags/",
                 "/2025/02/16/html-in-excerpt/", "/2025/02/17/html-in-author-and-category/",
                 "/2025/02/07/script-in-body/", "/2025/02/09/event-handler/", "/2025/02/13/attr-list-onclick/",
                 "/2025/03/01/toc-id-injection/"]
TOC_PAGE = "/2025/03/01/toc-id-injection/"


@pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("TSUZURI_REQUIRE_BROWSER"),
                    reason="Debian's chromium is not installed")
def test_nothing_hostile_runs_in_a_browser(built):
    """Every hostile value through a real browser: pages, tag and category pages, search results
    (Pagefind metadata) and facets. Any alert() that ran would open a dialog."""
    from playwright import sync_api

    _, out = built
    handler = type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    tag_pages = sorted("/" + p.parent.relative_to(out).as_posix() + "/" for p in out.glob("*/*/index.html")
                       if p.parent.parent.name in ("tags", "categories"))
    dialogs: list[str] = []
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
            context = browser.new_context(locale="ja-JP")
            context.route(re.compile(r"^(?!http://127\.0\.0\.1)"), lambda route: route.abort())
            page = context.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            for url in HOSTILE_PAGES + tag_pages:
                page.goto(base + url, wait_until="load")
            page.goto(base + TOC_PAGE, wait_until="load")
            page.wait_for_timeout(300)  # autofocus/onfocus would fire right after load
            links = page.eval_on_selector_all(
                ".md-sidebar--secondary a, a.md-skip",
                "els => els.map(e => [e.className, e.getAttribute('href'), e.getAttributeNames(), e.textContent.trim()])")
            anchors = page.eval_on_selector_all(".tz-body h2", "els => els.map(e => [e.id, e.getAttributeNames()])")
            page.goto(base + "/search/?q=" + "試験用", wait_until="load")
            page.wait_for_function("document.querySelector('[data-tz-search-page]').dataset.state === 'done'",
                                   timeout=20000)
            more, hits = page.locator(".tz-search-page__more"), ".tz-search-page__results .tz-hit__title"
            while more.is_visible():  # every hit, not the first page only: each title goes through the browser
                shown = page.locator(hits).count()
                more.click()
                page.wait_for_function(f"document.querySelectorAll({hits!r}).length > {shown}", timeout=20000)
            titles = page.locator(hits).all_inner_texts()
            facets = " ".join(page.locator(".tz-facet").all_inner_texts())
            browser.close()
    finally:
        server.shutdown()
    assert len(tag_pages) >= 4
    assert "<script>alert('title')</script>危険なタイトル" in [t.strip() for t in titles]
    assert "<svg onload=alert('category')>" in facets and "<img src=x onerror=alert('tag')>" in facets
    assert dialogs == []
    # the TOC and the skip link: only href and class, each href one of the body's (safe) anchors
    toc = [link for link in links if "md-nav__link" in link[0] or "md-skip" in link[0]]
    assert len(toc) >= 4 and any("md-skip" in link[0] for link in toc)
    ids = [a[0] for a in anchors]
    assert all(names == ["id"] and re.fullmatch(r"[\w\-.:]+", i) for i, names in anchors)
    for _, href, names, _ in toc:
        assert sorted(names) == ["class", "href"] and href.lstrip("#") in ids, (href, names)
    assert {"見出し", "二つ目の見出し", "HTMLの見出し"} <= {link[3] for link in toc}


# ---------------------------------------------------------------- raw HTML for trusted sites

def test_raw_html_option_keeps_scripts_for_trusted_sites(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    shutil.copyfile(BAD / "2025-02-07-script-in-body.md", posts / "2025-02-07-script-in-body.md")
    trusted = load(tmp_path, SiteConfig.from_mapping({"raw_html": True}))
    assert "<script>alert(document.cookie)</script>" in trusted.posts[0].html
    assert [d for d in trusted.diagnostics if d.severity >= WARNING] == []
    default = load(tmp_path, SiteConfig())
    assert "<script" not in default.posts[0].html and "alert" not in default.posts[0].html


def test_raw_html_must_be_a_boolean(tmp_path):
    with pytest.raises(ValueError, match="raw_html must be true or false"):
        SiteConfig.from_mapping({"raw_html": "false"})
    project = write_project(tmp_path, skip=tuple(EXPECTED), raw_html="false")
    result = run(["mkdocs", "build"], project)
    assert result.returncode != 0
    assert "extra.tsuzuri: extra.tsuzuri.raw_html must be true or false" in result.stderr
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------- fuzzing

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                     st.text(max_size=30), st.sampled_from(["2025-02-30", "2025-01-01 10:00:00 +2500", "/../x",
                                                            "javascript:alert(1)", "<script>x</script>", "#", ": ",
                                                            "---", "{% raw %}", "\ufffd", "2025-09-18 04:37:41 +0000"]))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                       max_leaves=10)
_KEYS = st.sampled_from(["title", "date", "tags", "tag", "categories", "category", "author", "excerpt",
                         "permalink", "slug", "published", "layout"])
_PIECES = st.sampled_from([
    "本文の段落です。", "---END---", "\n", "\n\n", "# 見出し", "- 項目", "| a | b |\n|---|---|\n| 1 | 2 |",
    "```\n<<<<<<< HEAD\n```", "<<<<<<< HEAD", "=======", ">>>>>>> b", "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))", "<a href=\"data:text/html,x\">d</a>",
    "{% if x %}", "{{ site.title", "{% raw %}", "{% post_url nope %}", "{: onclick=\"alert(1)\" }",
    "<details><summary>s</summary>d</details>", "<svg onload=alert(1)>", "\x00", "\x02wzxhzdk:0\x03", "\r\n",
    "<iframe src=//x>", "<style>*{}</style>", "<!-- c -->", "&#106;avascript:", "    indented code",
])
_BODIES = st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=25).map(" ".join)
_RENDERER = Renderer()
SCALE = int(os.environ.get("TSUZURI_STRESS", "1"))  # as in test_fragments: a soak, not for CI
_CONFIG = SiteConfig()


def _front_matter(data: dict) -> str:
    try:
        return yaml.safe_dump(data, allow_unicode=True)
    except yaml.YAMLError:
        return "title: x\n"


def _through_the_pipeline(tmp: Path, raw: bytes) -> None:
    """Read and prepare one file; it must come out as a post or be refused with an error."""
    path = tmp / "posts" / "2025-03-01-fuzz.md"
    path.write_bytes(raw)
    post, diags = read_post(path, _CONFIG, tmp / "posts", tmp)
    assert all(d.file == "posts/2025-03-01-fuzz.md" for d in diags)
    if post is None:
        assert diags.has_errors
        return
    prepare(post, _CONFIG, _RENDERER, lambda kind, arg: None)
    assert isinstance(post.html, str) and post.title
    assert not [d for d in post.diagnostics if "internal error" in d.message]
    assert all(d.file == "posts/2025-03-01-fuzz.md" and d.severity in (NOTE, WARNING, ERROR) for d in post.diagnostics)
    page = _Page()
    page.feed(post.html)
    assert unsafe(page) == [], post.html


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fuzz")
    (path / "posts").mkdir()
    return path


@settings(max_examples=150 * SCALE, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_KEYS, _VALUES, max_size=6), _BODIES, st.booleans())
def test_fuzz_front_matter_and_body(fuzz_dir, data, body, one_line):
    head = _front_matter(data)
    if one_line:  # the collapsed form seen in the real blog
        text = "--- " + " ".join(head.splitlines()) + " --- " + body
    else:
        text = "---\n" + head + "---\n\n" + body
    _through_the_pipeline(fuzz_dir, text.encode("utf-8", errors="surrogatepass"))


@settings(max_examples=150 * SCALE, deadline=None, database=None)
@given(st.sampled_from([b"", b"---\n", b"\xef\xbb\xbf---\n", b"\xff\xfe"]), st.binary(max_size=400),
       st.sampled_from([b"", b"\n---\n", b"\n---\n\xe6\x9c\xac"]))
def test_fuzz_raw_bytes(fuzz_dir, start, middle, end):
    _through_the_pipeline(fuzz_dir, start + middle + end)


# ---------------------------------------------------------------- pathological Markdown (issue 18)

_SHAPES = {name: payload for name, (_, payload) in PATHOLOGICAL.items()} | {
    "deep list": "- " * 1000 + "x",
    "deep quote": ">" * 1000 + " x",
    "indented list": "\n".join("    " * i + "- x" for i in range(300)),     # 190 s before, then RecursionError
    "quote per line": "\n".join(">" * i + " x" for i in range(1, 1001)),   # 30 s before
    "nested html blocks": '<div markdown="1">\n' * 400 + "x\n" + "</div>\n" * 400,  # RecursionError
}


@pytest.mark.parametrize("name", sorted(_SHAPES))
def test_pathological_markdown_is_published_as_plain_text(name):
    # Correctness only: the time is measured by bench/pathological_bench.py, not asserted here.
    text = "前の段落です。\n\n" + _SHAPES[name] + "\n\n後の段落も残ります。\n"
    rendered = Renderer()(text)
    [problem] = rendered.problems
    assert "published as plain text" in problem.message and problem.hint
    squash = lambda t: re.sub(r"\s+", "", t)  # noqa: E731
    assert squash(rendered.text) == squash(text)  # nothing lost
    page = _Page()
    page.feed(rendered.html)
    assert unsafe(page) == [] and set(page.tags) <= {"p", "br"}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_check_on_one_pathological_post_names_it(tmp_path, name):
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / name).write_bytes(GENERATED[name]())
    result = run(["tsuzuri", "check", "posts"], tmp_path)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert_diagnostics(name, diagnostics_in(result.stdout).get(name, []))


def test_nesting_the_renderer_cannot_handle_is_a_warning_not_an_internal_error(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "2025-03-07-divs.md").write_text(_fm("入れ子のdiv", "2025-03-07") + _SHAPES["nested html blocks"] + "\n",
                                              encoding="utf-8")
    site = load(tmp_path, SiteConfig())
    [post] = site.posts
    assert "x" in post.text
    [warning] = [d for d in site.diagnostics if d.severity >= WARNING]
    assert warning.severity == WARNING and "nests blocks too deeply" in warning.message and "flatten" in warning.hint


_MARKUP = st.lists(st.sampled_from(["[", "]", "(", ")", "](", "<a ", ">", "<!--", "\n", "\n\n", "- ", "> ", "    ",
                                    "1. ", "`", "```\n", "x", "見"]), max_size=60).map("".join)


@settings(max_examples=200 * SCALE, deadline=None, database=None)
@given(_MARKUP, st.integers(0, 2))
def test_fuzz_markup_shapes_render_or_fall_back_losing_nothing(text, repeat):
    text = text * (10 ** repeat)  # up to ~20 KB of one shape
    rendered = _RENDERER(text)
    if rendered.problems:
        assert re.sub(r"\s+", "", rendered.text) == re.sub(r"\s+", "", text)
    page = _Page()
    page.feed(rendered.html)
    assert unsafe(page) == []
