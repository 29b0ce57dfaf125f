"""Real MkDocs builds: the seed site, pagination, strictness, determinism, and the CLI."""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
BASE = urlparse(yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["site_url"]).path
PY = sys.executable


class _Page(HTMLParser):
    """Collects h1 text, links and the text of the post body."""

    def __init__(self):
        super().__init__()
        self.h1, self.links, self.body, self._in = [], [], [], []
        self.refs = []  # what the page loads: src of any element, href of <link>

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        if attrs.get("src"):
            self.refs.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.refs.append(attrs["href"])
        if tag == "h1" or (tag == "div" and attrs.get("class") == "tz-body"):
            self._in.append(tag)
        elif self._in and tag == "div":
            self._in.append("div")

    def handle_endtag(self, tag):
        if self._in and tag == self._in[-1]:
            self._in.pop()

    def handle_data(self, data):
        if self._in and self._in[0] == "h1":
            self.h1.append(data)
        elif self._in:
            self.body.append(data)


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.title = "".join(page.h1).strip()
    page.text = "".join(page.body)
    return page


def mkdocs(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run([PY, "-m", "mkdocs", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def tsuzuri(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([PY, "-m", "tsuzuri", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def make_project(tmp: Path, posts: dict[str, str], **tsuzuri_extra) -> Path:
    """A site in tmp using this repo's hook, templates and docs, with its own posts."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config["hooks"] = [str(ROOT / hook) for hook in config["hooks"]]
    config["theme"]["custom_dir"] = str(ROOT / "templates")
    config["docs_dir"] = str(ROOT / "docs")
    config["watch"] = []
    config["extra"]["tsuzuri"].update(tsuzuri_extra)
    (tmp / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    for name, text in posts.items():
        path = tmp / "posts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return tmp


def seed_project(tmp: Path) -> Path:
    """This site (its posts, registry, docs and templates) as a project in tmp: a test never
    builds in the checkout, whose .cache/ and site/ belong to whoever ran mkdocs there."""
    tmp.mkdir(parents=True, exist_ok=True)
    make_project(tmp, {})
    shutil.copytree(ROOT / "posts", tmp / "posts", dirs_exist_ok=True)
    shutil.copy(ROOT / "entities.yml", tmp / "entities.yml")
    return tmp


def post(title: str, date: str, body: str = "本文の段落です。内容はここに書かれています。", **fm) -> str:
    head = {"title": title, "date": date, "categories": ["投資分析"], **fm}
    return "---\n" + yaml.safe_dump(head, allow_unicode=True) + "---\n\n" + body + "\n"


SEED_PAGES = {
    "2025/09/18/japan-domestic-ai-push": "日本、国産AIに本腰を入れる？ その真意と、私たちが注視すべきポイントとは",
    "2025/11/22/hon-hai-openai-ai-infrastructure": "Hon HaiとOpenAIの提携：AIインフラの未来はどこへ向かうのか？",
    "2025/11/23/openai-foxconn-ai-hardware": "OpenAIとFoxconnが手を組む真意：AIハードウェアの地政学が変革するのか？",
    "2025/11/04/hon-hai-sharp-rapidus-ai-servers": None,
    "2025/12/21/japan-1-trillion-yen-domestic-ai-model": "ソフトバンクら10社、国内最大級AI基盤モデル開発へ——政府が1兆円支援",
}


@pytest.mark.parametrize("url,title", SEED_PAGES.items())
def test_seed_posts_have_clean_titles_and_bodies(seed_site, url, title):
    page = parse(seed_site / url / "index.html")
    if title:
        assert page.title == title
    assert "\ufffd" not in page.title and not page.title.startswith("#")
    assert "---END---" not in page.text
    assert page.text.strip(), "empty body"
    # the body does not open by repeating the title
    assert not page.text.strip().startswith(page.title[:15])


def test_seed_post_shows_date_author_reading_time(seed_site):
    html = (seed_site / "2025/11/23/openai-foxconn-ai-hardware/index.html").read_text(encoding="utf-8")
    assert "2025年11月23日（日） 21:54" in html          # 12:54:57 +0000 in Asia/Tokyo
    assert "ALLFORCES編集部" in html and "約6分で読めます" in html
    assert 'href="../../../../categories/投資分析/"' in html or "categories/%E6%8A%95" in html


def test_seed_repeats_are_gone_from_pages(seed_site):
    text = parse(seed_site / "2025/09/18/japan-domestic-ai-push/index.html").text
    assert text.count("さて、あなたはこの日本のAIの「本気」を、どう評価しますか？") == 1
    assert text.count("人材不足という最大の壁をどう乗り越えるか") == 1
    assert "といった巨大テック企業" in text and "熟練技術者のノウ\n" not in text


def test_home_archive_categories(seed_site):
    home = parse(seed_site / "index.html")
    posts = [link for link in home.links if link.startswith("2025/")]
    assert posts[:5] == ["2025/12/21/japan-1-trillion-yen-domestic-ai-model/", "2025/11/23/openai-foxconn-ai-hardware/",
                         "2025/11/22/hon-hai-openai-ai-infrastructure/", "2025/11/04/hon-hai-sharp-rapidus-ai-servers/",
                         "2025/09/18/japan-domestic-ai-push/"]
    archive = (seed_site / "archive/index.html").read_text(encoding="utf-8")
    # the month headings run newest first (the chart above them runs oldest first)
    assert archive.index('id="y2025-12"') < archive.index('id="y2025-11"') < archive.index('id="y2025-9"')
    assert (seed_site / "categories/投資分析/index.html").exists()
    assert (seed_site / "categories/ニュース/index.html").exists()
    # posts stay out of the navigation: the home page's nav lists only the four sections
    assert "2025/09/18" not in (seed_site / "about/index.html").read_text(encoding="utf-8").split("md-content")[0]


def test_internal_links_resolve(seed_site):
    """Crawl the seed site: every internal href and src names a file in site/."""
    checked = 0
    for html in seed_site.rglob("*.html"):
        page = parse(html)
        for link in page.links + page.refs:
            if link.startswith(("http:", "https:", "#", "mailto:")):
                continue
            path = unquote(link.split("#")[0].split("?")[0])
            if path.startswith("/"):  # absolute links (404 page) carry the site's base path
                assert path.startswith(BASE), f"{html} links outside the site: {link}"
                target = (seed_site / path[len(BASE):]).resolve()
            else:
                target = (html.parent / path).resolve()
            if link.endswith("/") or target.is_dir():
                target = target / "index.html"
            assert target.exists(), f"{html.relative_to(seed_site)} links to missing {link}"
            checked += 1
    assert checked > 200


def test_pagination_and_unpublished(tmp_path):
    posts = {f"2025-01-{d:02d}-post-{d}.md": post(f"記事{d}", f"2025-01-{d:02d} 10:00:00 +0900") for d in range(1, 13)}
    posts["2025-02-01-secret.md"] = post("非公開の記事タイトル", "2025-02-01 10:00:00 +0900", published=False)
    project = make_project(tmp_path, posts, paginate=5)
    result = mkdocs(["build", "--strict"], project)
    assert result.returncode == 0, result.stderr
    site = project / "site"

    def listed(page: str) -> list[int]:
        return [int(l.split("post-")[1].strip("/")) for l in parse(site / page).links if "/post-" in l]
    # pages are anchored to the oldest post: page/1/ holds the oldest five, the front the rest
    assert listed("index.html") == [12, 11, 10, 9, 8, 7, 6]
    assert listed("page/1/index.html") == [5, 4, 3, 2, 1]
    assert not (site / "page/2").exists()
    assert "2025年1月1日〜1月5日" in (site / "page/1/index.html").read_text(encoding="utf-8")
    assert listed("categories/投資分析/page/1/index.html") == [5, 4, 3, 2, 1]
    for f in site.rglob("*"):
        if f.is_file() and f.suffix in (".html", ".xml", ".json"):
            assert "非公開の記事タイトル" not in f.read_text(encoding="utf-8", errors="ignore"), f
            assert "secret" not in f.read_text(encoding="utf-8", errors="ignore"), f

    # new posts never shift an older page: it keeps its posts, its URL and its bytes
    before = (site / "page/1/index.html").read_bytes()
    for d in (13, 14, 15):
        (project / "posts" / f"2025-01-{d:02d}-post-{d}.md").write_text(
            post(f"記事{d}", f"2025-01-{d:02d} 10:00:00 +0900"), encoding="utf-8")
        assert mkdocs(["build", "--strict"], project).returncode == 0
        if d < 15:
            assert (site / "page/1/index.html").read_bytes() == before
    assert listed("index.html") == [15, 14, 13, 12, 11]
    assert listed("page/2/index.html") == [10, 9, 8, 7, 6]
    assert listed("page/1/index.html") == [5, 4, 3, 2, 1]


def test_strict_fails_on_warning_but_non_strict_publishes_good_posts(tmp_path):
    project = make_project(tmp_path, {
        "2025-03-01-good.md": post("良い記事", "2025-03-01 10:00:00 +0900"),
        "2025-03-02-no-front-matter.md": "前付けのない記事です。本文だけがあります。\n",
        "2025-03-03-broken.md": "---\ntitle: [壊れた\n---\n本文\n",
    })
    strict = mkdocs(["build", "--strict"], project)
    assert strict.returncode != 0
    assert "posts/2025-03-02-no-front-matter.md:1: warning: no front matter" in strict.stderr
    assert "posts/2025-03-03-broken.md:2: error: front matter is not valid YAML" in strict.stderr
    loose = mkdocs(["build"], project)
    assert loose.returncode == 0, loose.stderr
    assert (project / "site/2025/03/01/good/index.html").exists()
    assert (project / "site/2025/03/02/no-front-matter/index.html").exists()
    assert not (project / "site/2025/03/03/broken").exists()


def test_build_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    project = seed_project(tmp_path / "project")
    for out in (a, b):
        assert mkdocs(["build", "-d", str(out)], project).returncode == 0
    cmp = filecmp.dircmp(a, b)

    def diffs(c):
        return c.diff_files + c.left_only + c.right_only + [d for sub in c.subdirs.values() for d in diffs(sub)]
    assert diffs(cmp) == []
    assert sum(1 for _ in a.rglob("*.html")) > 10


# -- CLI ----------------------------------------------------------------------------------------

def test_check_passes_on_seeds_and_lists_changes(tmp_path):
    result = tsuzuri(["check", "posts/"], seed_project(tmp_path))
    assert result.returncode == 0, result.stdout
    assert "posts/2025-09-18-japan-domestic-ai-push.md:55: note: stitched line 55" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("check: 5 posts built; 0 errors, 0 warnings")


def test_check_exit_codes(tmp_path):
    make_project(tmp_path, {"2025-03-02-no-front-matter.md": "本文だけの記事です。\n"})
    assert tsuzuri(["check", "posts"], tmp_path).returncode == 0
    strict = tsuzuri(["check", "--strict", "posts"], tmp_path)
    assert strict.returncode == 1 and "no front matter" in strict.stdout
    (tmp_path / "posts/2025-03-03-bad.md").write_text("---\ndate: 2025-02-30\n---\n本文\n", encoding="utf-8")
    bad = tsuzuri(["check", "posts"], tmp_path)
    assert bad.returncode == 1 and "posts/2025-03-03-bad.md:2: error: date '2025-02-30' does not exist" in bad.stdout


def test_clean_out_write_and_json(tmp_path):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    original = (ROOT / "posts/2025-11-23-openai-foxconn-ai-hardware.md").read_text(encoding="utf-8")
    (src / "sub/a.md").write_text(original, encoding="utf-8")
    (src / "b.md").write_text("---\ntitle: x\n---\n\n問題のない本文です。\n", encoding="utf-8")
    out = tmp_path / "out"
    assert tsuzuri(["clean", str(src), "--out", str(out)], tmp_path).returncode == 0
    cleaned = (out / "sub/a.md").read_text(encoding="utf-8")
    head = original[: original.index("---\n", 4) + 4]
    assert cleaned.startswith(head) and "---END---" not in cleaned
    assert (out / "b.md").read_text(encoding="utf-8") == (src / "b.md").read_text(encoding="utf-8")
    reports = json.loads(tsuzuri(["clean", "--json", str(src)], tmp_path).stdout)
    assert {r["file"].split("/")[-1]: r["fragments"] for r in reports} == {"a.md": 3, "b.md": 1}
    assert tsuzuri(["clean", "--write", str(src / "sub/a.md")], tmp_path).returncode == 0
    assert (src / "sub/a.md").read_text(encoding="utf-8") == cleaned
    again = json.loads(tsuzuri(["clean", "--json", str(src / "sub/a.md")], tmp_path).stdout)
    assert again[0]["changes"] == [] and again[0]["fragments"] == 1


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 60), st.integers(1, 7), st.integers(1, 12))
def test_paginate_partitions_and_older_pages_never_change(n, per_page, added):
    from tsuzuri.pages import paginate

    def pages(count: int) -> dict[str, list[int]]:
        items = [{"n": i, "url": f"p{i}/", "date_iso": f"2025-01-{1 + i % 28:02d}T10:00:00+09:00"}
                 for i in range(count - 1, -1, -1)]  # newest first
        return {s.dest_uri: [it["n"] for it in s.context["items"]] for s in paginate(items, "t/", "見出し", per_page)}
    old, new = pages(n), pages(n + added)
    for got, count in ((old, n), (new, n + added)):
        order = [i for items in got.values() for i in items]
        assert order == list(range(count - 1, -1, -1))              # every item once, newest first
        front = got["t/index.html"]
        assert len(front) == count if count < per_page else per_page <= len(front) < 2 * per_page
        assert all(len(v) == per_page for k, v in got.items() if k != "t/index.html")
    for dest, items in old.items():
        if dest != "t/index.html":
            assert new[dest] == items                               # an older page keeps its posts
