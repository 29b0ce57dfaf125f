"""Front matter `image:`: a thumbnail on list pages, a cover on the post, the share card, and a
warning naming file and line when the site does not have the file.

One site under a base path (https://example.github.io/blog/) with its own docs/, built by
`mkdocs build` and checked by `python -m tsuzuri check`; hypothesis feeds image values to
publish.images directly.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
import zlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from test_build import make_project, post
from tsuzuri.config import SiteConfig
from tsuzuri.diagnostics import Diagnostics
from tsuzuri.posts import read_post
from tsuzuri.publish import check, image_path, images

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://example.github.io/blog/"
HOSTILE_ALT = '"><script>alert(1)</script>'
HOSTILE = 'javascript:alert("x")//" onerror="alert(2)'


def png(width: int = 120, height: int = 63, rgb: tuple[int, int, int] = (40, 90, 200)) -> bytes:
    """A real PNG of one colour (the browser test decodes it)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


# file -> (title, image value); the image: key is on line 5 of each (post() writes date,
# categories, image, title in that order after "---").
POSTS = {
    "2025-07-01-present.md": ("画像のある記事 アルファベット", "/assets/images/posts/present.png"),
    "2025-07-02-mapping.md": ("画像を対応表で指定した記事", {"path": "assets/images/posts/present.png", "alt": HOSTILE_ALT}),
    "2025-07-03-japanese-name.md": ("日本語のファイル名", "/assets/images/posts/国産AI-ogp.png"),
    "2025-07-04-missing.md": ("画像が無い記事", "/assets/images/posts/missing.png"),
    "2025-07-05-hostile.md": ('カギ"括弧の題', HOSTILE),
    "2025-07-06-external.md": ("外部の画像", 'https://cdn.example.com/a b"c.png'),
    "2025-07-07-no-image.md": ("画像を指定しない記事", None),
    "2025-07-08-wrong-case.md": ("大文字の違う画像", "/assets/images/posts/Present.png"),
    "2025-07-09-outside.md": ("サイトの外の画像", "/../../etc/passwd"),
}


def _posts() -> dict[str, str]:
    out = {}
    for name, (title, image) in POSTS.items():
        fm = {"image": image} if image is not None else {}
        out[name] = post(title, f"{name[:10]} 10:00:00 +0900", body="本文の段落です。Alphabetの話です。", **fm)
    return out


def write_site(tmp: Path, posts: dict[str, str]) -> Path:
    """A project with its own docs/ (this repo's, plus the images) under a base path."""
    make_project(tmp, posts)
    shutil.copytree(ROOT / "docs", tmp / "docs")
    (tmp / "docs/assets/images/posts").mkdir(parents=True)
    (tmp / "docs/assets/images/posts/present.png").write_bytes(png())
    (tmp / "docs/assets/images/posts/国産AI-ogp.png").write_bytes(png(rgb=(200, 60, 60)))
    config = yaml.safe_load((tmp / "mkdocs.yml").read_text(encoding="utf-8"))
    config.update(docs_dir="docs", site_url=BASE)
    (tmp / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    (tmp / "entities.yml").write_text(yaml.safe_dump(
        [{"id": "alphabet", "name": "Alphabet", "type": "company", "aliases": ["Alphabet"]}]), encoding="utf-8")
    return tmp


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return write_site(tmp_path_factory.mktemp("images"), _posts())


@pytest.fixture(scope="module")
def built(project):
    result = run(["mkdocs", "build"], project)
    assert result.returncode == 0, result.stderr[-2000:]
    return project / "site", result.stderr


@pytest.fixture(scope="module")
def checked(project):
    return run(["tsuzuri", "check", "posts"], project)


class Page(HTMLParser):
    def __init__(self, path: Path):
        super().__init__(convert_charrefs=True)
        self.imgs: list[dict] = []       # img attributes, with the classes of the enclosing elements
        self.items: list[dict] = []      # list items: {"cls", "imgs", "href"}
        self.meta: dict[str, str] = {}
        self.attrs: list[tuple[str, str, str]] = []
        self._stack: list[str] = []
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.attrs += [(tag, k, v or "") for k, v in attrs]
        if tag == "meta" and a.get("property", a.get("name")):
            self.meta[a.get("property", a.get("name"))] = a.get("content", "")
        if tag == "li" and "tz-item" in a.get("class", ""):
            self.items.append({"cls": a["class"], "imgs": [], "href": None})
        if tag == "a" and self.items and self.items[-1]["href"] is None and "tz-thumb" not in a.get("class", ""):
            self.items[-1]["href"] = a.get("href")
        if tag == "img":
            a["in"] = " ".join(self._stack)
            self.imgs.append(a)
            if self.items and any(t.startswith("li.") for t in self._stack):
                self.items[-1]["imgs"].append(a)
        if tag not in ("img", "meta", "link", "br", "hr", "input"):
            self._stack.append(tag + "." + a.get("class", "").replace(" ", "."))

    def handle_endtag(self, tag):
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i].split(".")[0] == tag:
                del self._stack[i:]
                break


def _item(page: Page, href_end: str) -> dict:
    [item] = [i for i in page.items if (i["href"] or "").endswith(href_end)]
    return item


def _resolves(site: Path, page_file: Path, src: str) -> Path:
    """The file a relative src on page_file names, inside site/."""
    return (page_file.parent / unquote(urlsplit(src).path)).resolve()


# ---------------------------------------------------------------- list and post pages

@pytest.mark.parametrize("page_path", ["index.html", "categories/投資分析/index.html", "entities/alphabet/index.html"])
def test_list_pages_show_a_lazy_thumbnail_with_the_title_as_alt(built, page_path):
    site, _ = built
    page_file = site / page_path
    page = Page(page_file)
    item = _item(page, "2025/07/01/present/")
    assert "tz-has-thumb" in item["cls"]
    [img] = item["imgs"]
    assert img["alt"] == "画像のある記事 アルファベット"
    assert img["loading"] == "lazy" and (img["width"], img["height"]) == ("1200", "630")
    assert not img["src"].startswith(("/", "http")), "a relative link works under any base path"
    assert _resolves(site, page_file, img["src"]) == (site / "assets/images/posts/present.png").resolve()
    assert _resolves(site, page_file, img["src"]).is_file()
    # a mapping's alt is used (escaped), a Japanese file name is %-encoded and still found
    [mapped] = _item(page, "2025/07/02/mapping/")["imgs"]
    assert mapped["alt"] == HOSTILE_ALT
    [japanese] = _item(page, "2025/07/03/japanese-name/")["imgs"]
    assert "%E5%9B%BD%E7%94%A3AI" in japanese["src"] and _resolves(site, page_file, japanese["src"]).is_file()
    [external] = _item(page, "2025/07/06/external/")["imgs"]
    assert external["src"] == "https://cdn.example.com/a%20b%22c.png"   # URLs are not checked
    for name in ("missing", "hostile", "no-image", "wrong-case", "outside"):
        item = _item(page, f"/{name}/")
        assert item["imgs"] == [] and "tz-has-thumb" not in item["cls"], name


def test_the_post_header_shows_the_image_and_the_share_card_is_absolute(built):
    site, _ = built
    page_file = site / "2025/07/01/present/index.html"
    page = Page(page_file)
    [cover] = [i for i in page.imgs if "figure.tz-cover" in i["in"]]
    assert "header" in cover["in"] and cover["alt"] == "画像のある記事 アルファベット"
    assert (cover["width"], cover["height"]) == ("1200", "630")
    assert _resolves(site, page_file, cover["src"]).is_file()
    assert page.meta["og:image"] == page.meta["twitter:image"] == BASE + "assets/images/posts/present.png"
    assert page.meta["twitter:card"] == "summary_large_image"
    japanese = Page(site / "2025/07/03/japanese-name/index.html").meta["og:image"]
    assert japanese == BASE + "assets/images/posts/%E5%9B%BD%E7%94%A3AI-ogp.png"


def test_a_missing_or_refused_image_shows_nothing_and_the_share_card_falls_back(built):
    site, _ = built
    for name in ("missing", "hostile", "wrong-case", "outside", "no-image"):
        [page_file] = site.glob(f"2025/07/*/{name}/index.html")
        page = Page(page_file)
        assert [i for i in page.imgs if "tz-cover" in i["in"]] == [], name
        assert page.meta["og:image"] == BASE + "assets/images/og-default.jpg", name


def test_hostile_values_are_escaped_and_never_used(built):
    site, _ = built
    for page_file in site.rglob("*.html"):
        page = Page(page_file)
        assert not [a for a in page.attrs if a[1].startswith("on")], page_file
        assert not [a for a in page.attrs if "javascript:" in a[2].lower()], page_file
        text = page_file.read_text(encoding="utf-8")
        assert "<script>alert(1)" not in text and 'a b"c' not in text, page_file


# ---------------------------------------------------------------- diagnostics

def test_check_warns_on_each_image_the_site_lacks_naming_file_and_line(checked, built):
    _, log = built
    for output in (checked.stdout, log):
        lines = [l for l in output.splitlines() if "image" in l and "warning" in l]
        assert len(lines) == 4, lines
        assert any("posts/2025-07-04-missing.md:5: warning: image '/assets/images/posts/missing.png' "
                   "does not exist in the site" in l for l in lines)
        assert any("posts/2025-07-05-hostile.md:5: warning: image" in l and "is not a path or URL" in l for l in lines)
        assert any("posts/2025-07-08-wrong-case.md:5:" in l and "'assets/images/posts/present.png' differs only by case"
                   in l for l in lines)
        assert any("posts/2025-07-09-outside.md:5:" in l and "is outside the site" in l for l in lines)
        assert all("add the file under docs/" in l or "write image:" in l for l in lines)
    assert "4 warnings" in checked.stdout.splitlines()[-1]


def test_strict_builds_fail_on_a_missing_image_and_pass_with_it_present(tmp_path):
    posts = {k: v for k, v in _posts().items() if k in ("2025-07-01-present.md", "2025-07-04-missing.md")}
    project = write_site(tmp_path, posts)
    failed = run(["mkdocs", "build", "--strict"], project)
    assert failed.returncode != 0 and "posts/2025-07-04-missing.md:5: warning: image" in failed.stderr
    strict_check = run(["tsuzuri", "check", "--strict", "posts"], project)
    assert strict_check.returncode == 1
    (project / "docs/assets/images/posts/missing.png").write_bytes(png())   # the editor adds the file
    ok = run(["mkdocs", "build", "--strict"], project)
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert "image" not in ok.stderr
    assert run(["tsuzuri", "check", "--strict", "posts"], project).returncode == 0


# ---------------------------------------------------------------- any value (hypothesis)

_PIECES = st.sampled_from(["/", "..", ".", "assets", "images", "present.png", "javascript:", "data:", "http:",
                           "https://", "//", '"', "'", "<", ">", " ", "%2e%2e", "%22", "?v=1", "#x", "\\", "\t",
                           "国産", "Present.png", "\n", "&", ":"])
_VALUES = st.one_of(st.lists(_PIECES, max_size=8).map("".join), st.text(max_size=30),
                    st.fixed_dictionaries({"path": st.lists(_PIECES, max_size=6).map("".join)},
                                          optional={"alt": st.text(max_size=10)}),
                    st.integers(), st.lists(st.text(max_size=5), max_size=2), st.none())


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("docs")
    (root / "assets/images").mkdir(parents=True)
    (root / "assets/images/present.png").write_bytes(png())
    return root


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=_VALUES)
@example(value="/assets/images/present.png")
@example(value={"path": "assets/./images/../images/present.png?v=1", "alt": '"><b>'})
@example(value='https://x.example/a"b <c>.png')
@example(value="/assets/images/Present.png")
@example(value='/assets/images/present.png?v=" <x>')
@example(value="/assets/images/present.png/")
@example(value=" JAVASCRIPT:alert(1)")
@example(value="java\tscript:alert(1)")
@example(value="http:\t//..")
def test_any_image_value_is_a_file_in_the_site_an_http_url_or_a_warning(docs, tmp_path_factory, value):
    folder = tmp_path_factory.mktemp("p")
    (folder / "2025-07-01-x.md").write_text("---\ntitle: t\n" + yaml.safe_dump({"image": value}) + "---\n本文\n",
                                            encoding="utf-8")
    config = SiteConfig()
    p, _ = read_post(folder / "2025-07-01-x.md", config, folder)
    p.url = "2025/07/01/x/"
    diags = Diagnostics()
    found = images([p], docs, "docs", diags)
    image = found.get(p.url)
    if image is None:  # nothing shown: a warning says why, unless there was no value
        said = [d for d in [*diags, *check(p)] if d.message.startswith("image ") and d.line == 3]
        assert said or value in (None, "") or isinstance(value, dict) and value["path"] == "" \
            or isinstance(value, str) and not value.strip() and not image_path(value)
        return
    assert not re.search(r"[\s\"'<>\\]", image.src.replace("'", "")) and diags == []
    parts = urlsplit(image.src)
    if parts.scheme:
        assert parts.scheme in ("http", "https") and parts.netloc
    else:
        assert not image.src.startswith("/")
        path = (docs / unquote(parts.path)).resolve()
        assert path.is_relative_to(docs.resolve()) and path.is_file()


# ---------------------------------------------------------------- in a browser

CHROMIUM = "/usr/bin/chromium"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("TSUZURI_REQUIRE_BROWSER"),
                    reason="Debian's chromium is not installed")
@pytest.mark.parametrize("width,scheme", [(1280, "default"), (375, "slate")])
def test_a_list_with_thumbnails_renders_on_desktop_and_phone(built, tmp_path, width, scheme):
    from playwright import sync_api
    site, _ = built
    # the site is built for /blog/: serve it there
    served = tmp_path / "www"
    served.mkdir()
    shutil.copytree(site, served / "blog")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(served)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
            context = browser.new_context(locale="ja-JP", viewport={"width": width, "height": 900})
            context.route(re.compile(r"^(?!http://127\.0\.0\.1)"), lambda route: route.abort())
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/blog/")
            page.evaluate(f"document.body.setAttribute('data-md-color-scheme', '{scheme}')")
            page.evaluate("Promise.all([...document.images].map(i => i.decode().catch(() => null)))")
            boxes = page.evaluate("""[...document.querySelectorAll('li.tz-has-thumb')].map(li => {
                const r = e => { const b = li.querySelector(e).getBoundingClientRect();
                                 return {x: b.x, y: b.y, w: b.width, h: b.height}; };
                const img = li.querySelector('.tz-thumb img');
                return {img: r('.tz-thumb img'), title: r('.tz-item-title'), text: r('.tz-summary'),
                        loaded: img.complete && img.naturalWidth > 0};
            })""")
            page.screenshot(path=str(Path(os.environ.get("TSUZURI_SHOTS", tmp_path)) / f"list-{width}-{scheme}.png"),
                            full_page=True)
            browser.close()
    finally:
        server.shutdown()
    local = [b for b in boxes if b["img"]["w"] and b["loaded"]]
    assert len(boxes) == 4 and len(local) >= 3       # the external image is blocked here
    for b in boxes:
        img, title, text = b["img"], b["title"], b["text"]
        assert abs(img["w"] / img["h"] - 1200 / 630) < 0.05      # the box has its shape, loaded or not
        assert (80 if width < 500 else 150) <= img["w"] <= (130 if width < 500 else 200)
        assert text["x"] >= img["x"] + img["w"]                   # the summary beside the thumbnail
        if width < 500:
            assert title["y"] + title["h"] <= img["y"] + 1       # a phone: the title above, full width
        else:
            assert title["x"] >= img["x"] + img["w"]
