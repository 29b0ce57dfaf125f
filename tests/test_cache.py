"""The content cache and the rendered-page cache: a cached build is byte for byte a cold one,
and a change re-does exactly the work that depends on it (real MkDocs builds, real posts)."""

from __future__ import annotations

import gzip
import os
import pickle
import re
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

import benchgen
from tsuzuri import cache, excerpts, search, site
from tsuzuri.config import SiteConfig

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
SEED = ROOT / "posts" / "2025-09-18-japan-domestic-ai-push.md"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def post(title: str, date: str, body: str, **fm) -> str:
    head = {"title": title, "date": date, "categories": ["投資分析"], **fm}
    return "---\n" + yaml.safe_dump(head, allow_unicode=True) + "---\n\n" + body + "\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of this site (its own templates and docs, so tests may edit them) with varied posts."""
    for name in ("templates", "docs"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "entities.yml", tmp_path / "entities.yml")
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config["hooks"] = [str(ROOT / hook) for hook in config["hooks"]]
    config["watch"] = ["posts", "templates"]
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    posts = tmp_path / "posts"
    benchgen.generate(posts, 14)
    shutil.copy(SEED, posts / SEED.name)
    write(posts / "2025-03-01-linker.md", post("リンク元の記事", "2025-03-01 10:00:00 +0900",
                                               "前回の記事は[こちら]({% post_url 2025-03-02-target %})。"))
    write(posts / "2025-03-02-target.md", post("リンク先の記事", "2025-03-02 10:00:00 +0900", "本文です。"))
    write(posts / "2025-03-03-site-url.md", post("サイトURLの記事", "2025-03-03 10:00:00 +0900",
                                                 "トップは {{ site.url }}/ です。"))
    write(posts / "2025-03-04-draft.md", post("下書き", "2025-03-04 10:00:00 +0900", "未公開。", published=False))
    return tmp_path


def mkdocs(project: Path, *args: str, cache_on: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", TSUZURI_CACHE="1" if cache_on else "0")
    return subprocess.run([PY, "-m", "mkdocs", *args], cwd=project, capture_output=True, text=True,
                          env=env, timeout=300)


def build(project: Path, out: str, *args: str, cache_on: bool = True) -> tuple[Path, set[str], str]:
    """Build into project/out; (the folder, pages rendered rather than served from the cache, log)."""
    result = mkdocs(project, "build", "-v", "-d", out, *args, cache_on=cache_on)
    assert result.returncode == 0, result.stderr[-3000:]
    rendered = set(re.findall(r"tsuzuri: rendered (\S+)", result.stderr))
    return project / out, rendered, result.stderr


def cold(project: Path, out: str) -> Path:
    """The reference: the same inputs built with no cache at all."""
    return build(project, out, cache_on=False)[0]


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def assert_same_tree(a: Path, b: Path) -> None:
    files_a, files_b = _files(a), _files(b)
    assert files_a == files_b
    differ = [f for f in files_a if (a / f).read_bytes() != (b / f).read_bytes()]
    assert differ == [], f"differ from a cold build: {differ[:5]}"
    assert len(files_a) > 20


def post_pages(site_dir: Path) -> set[str]:
    return {p.relative_to(site_dir).as_posix() for p in site_dir.glob("20*/*/*/*/index.html")}


# -- whole builds ----------------------------------------------------------------------------------

def test_cached_build_is_byte_identical_to_a_cold_one(project):
    first, rendered_first, log_first = build(project, "a")
    assert "posts rendered, 0 from .cache/" in log_first and len(rendered_first) > 20
    second, rendered_second, log = build(project, "b")
    assert "0 posts rendered" in log and rendered_second == set()      # everything from .cache/
    assert_same_tree(first, second)
    assert_same_tree(cold(project, "ref"), second)
    assert not (second / "2025/03/04").exists()                        # unpublished stays out


def test_editing_a_post_rerenders_it_and_the_lists_that_show_it(project):
    build(project, "a")
    path = project / "posts" / benchgen.post_name(3)
    path.write_text(benchgen.post_text(3, edit=1)[1], encoding="utf-8")
    out, rendered, log = build(project, "b")
    assert "1 posts rendered" in log
    url = benchgen.post_url(3)
    assert f"{url}index.html" in rendered
    assert {"index.html", "archive/index.html"} <= rendered             # its title is listed there
    # only pages that show the post are rendered again (lists, tag and entity pages, and posts
    # that list it as related): each of them links to it, before or after the edit
    slug = url.rstrip("/").rsplit("/", 1)[-1]
    for page in rendered:
        assert any(slug in (d / page).read_text(encoding="utf-8") for d in (project / "a", out)), page
    assert len(rendered & post_pages(out)) < len(post_pages(out)) / 2  # most posts come from .cache/
    assert_same_tree(cold(project, "ref"), out)


def test_editing_a_template_rerenders_only_pages_that_use_it(project):
    build(project, "a")
    meta = project / "templates/partials/tz-list.html"
    meta.write_text(meta.read_text(encoding="utf-8").replace('<ul class="tz-list">', '<ul class="tz-list tz-x">'),
                    encoding="utf-8")
    out, rendered, log = build(project, "b")
    assert "0 posts rendered" in log                                    # no Markdown converted again
    assert "index.html" in rendered and not rendered & post_pages(out)  # list pages only
    assert "tz-x" in (out / "index.html").read_text(encoding="utf-8")
    assert_same_tree(cold(project, "ref"), out)

    post_tpl = project / "templates/post.html"
    post_tpl.write_text(post_tpl.read_text(encoding="utf-8").replace("class=\"tz-post\"", "class=\"tz-post tz-y\""), encoding="utf-8")
    out, rendered, _ = build(project, "c")
    assert rendered == post_pages(out)                                  # post pages only
    assert_same_tree(cold(project, "ref2"), out)


def test_config_change_rerenders_pages_but_not_posts(project):
    build(project, "a")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("paginate: 10", "paginate: 4"), encoding="utf-8")
    out, rendered, log = build(project, "b")
    assert "0 posts rendered" in log                                    # paginate does not touch a post
    assert (out / "page/3/index.html").exists() and len(rendered) > 20  # every page shows the config
    assert_same_tree(cold(project, "ref"), out)


def test_a_setting_read_from_the_environment_rerenders_pages(project, monkeypatch):
    """mkdocs.yml's bytes are not all of the config: an !ENV value pages print is in their key."""
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "copyright: !ENV [TZ_TEST_COPYRIGHT, '']\n",
                      encoding="utf-8")
    monkeypatch.setenv("TZ_TEST_COPYRIGHT", "著作権表示その一")
    build(project, "a")
    monkeypatch.setenv("TZ_TEST_COPYRIGHT", "著作権表示その二")
    out, rendered, _ = build(project, "b")
    assert "著作権表示その二" in (out / "index.html").read_text(encoding="utf-8") and len(rendered) > 20
    assert_same_tree(cold(project, "ref"), out)


def test_registry_edit_redoes_no_per_post_work(project):
    build(project, "a")
    registry = project / "entities.yml"
    registry.write_text(registry.read_text(encoding="utf-8") + "\n- id: \"x-test\"\n  name: \"テスト社\"\n"
                        "  type: \"company\"\n  aliases: [\"テスト社\"]\n", encoding="utf-8")
    out, _, log = build(project, "b")
    # mention finding reads the registry after the cached steps, on every build: nothing cached is stale
    assert "0 posts rendered" in log
    assert_same_tree(cold(project, "ref"), out)


def test_warnings_fail_strict_builds_from_the_cache_too(project):
    write(project / "posts/2025-03-05-no-front-matter.md", "前付けのない記事です。本文だけがあります。\n")
    for _ in range(2):
        result = mkdocs(project, "build", "--strict")
        assert result.returncode != 0
        assert "posts/2025-03-05-no-front-matter.md:1: warning: no front matter" in result.stderr
    assert "0 posts rendered" in result.stderr                          # the second came from .cache/


def test_corrupt_or_missing_cache_entries_are_recomputed(project):
    first = build(project, "a")[0]
    entries = sorted((project / ".cache").rglob("*.pkl")) + sorted((project / ".cache/pages").rglob("*.html"))
    assert len(entries) > 30
    for i, path in enumerate(entries):
        if i % 4 == 0:
            path.write_bytes(b"\x80\x05garbage")
        elif i % 4 == 1:  # well sealed, wrong shape
            path.write_bytes(cache.seal(pickle.dumps({"format": cache.FORMAT, "read": b"x", "read_deps": []})))
        elif i % 4 == 2:  # cut short (still valid UTF-8 for a page)
            path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
        else:
            path.unlink()
    out, _, log = build(project, "b")
    assert "Traceback" not in log
    assert_same_tree(first, out)
    shutil.rmtree(project / ".cache")
    assert_same_tree(first, build(project, "c")[0])


def test_dirty_build_rewrites_exactly_what_changed(project):
    build(project, "site")
    (project / "posts" / benchgen.post_name(5)).write_text(benchgen.post_text(5, edit=1)[1], encoding="utf-8")
    (project / "posts" / benchgen.post_name(7)).unlink()
    tampered = project / "site" / benchgen.post_url(9) / "index.html"
    tampered.write_text("damaged", encoding="utf-8")                    # changed behind tsuzuri's back
    out, rendered, log = build(project, "site", "--dirty")
    assert "1 posts rendered" in log and "dirty' build" not in log
    assert f"{benchgen.post_url(5)}index.html" in rendered
    assert not (out / benchgen.post_url(7)).joinpath("index.html").exists()
    assert tampered.read_text(encoding="utf-8") != "damaged"
    assert int(re.search(r"tsuzuri: \d+ pages rendered, \d+ from .cache/, (\d+) unchanged", log)[1]) > 10
    assert_same_tree(cold(project, "ref"), out)
    # a hand-written page: its own output only (mkdocs.yml gives it its title in the navigation) ...
    about = project / "docs/about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\n追記。\n", encoding="utf-8")
    out, rendered, log = build(project, "site", "--dirty")
    assert "追記。" in (out / "about/index.html").read_text(encoding="utf-8") and rendered == set()
    assert_same_tree(cold(project, "ref2"), out)
    # ... unless the navigation takes its title from it: then every page shows the change
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("- このブログについて: about.md", "- about.md"),
                      encoding="utf-8")
    build(project, "site", "--dirty")
    about.write_text(about.read_text(encoding="utf-8").replace("# ", "# 新しい題 ", 1), encoding="utf-8")
    out, rendered, _ = build(project, "site", "--dirty")
    assert "新しい題" in (out / "index.html").read_text(encoding="utf-8") and len(rendered) > 20
    assert_same_tree(cold(project, "ref3"), out)


def _everything(root: Path) -> dict[str, bytes]:
    """Every file under site/, search index included, gzip (its word files) undone: the text
    a reader can fetch."""
    def text(data: bytes) -> bytes:
        try:
            return gzip.decompress(data)
        except (OSError, EOFError):
            return data
    return {p.relative_to(root).as_posix(): text(p.read_bytes()) for p in root.rglob("*") if p.is_file()}


def test_dirty_builds_after_edits_additions_and_deletions_equal_cold_builds(project):
    """Each step of a sequence of edits, additions and deletions, built with --dirty in one
    site/ (a new process each time: the written-files record is read back from .cache/), gives
    the tree a cold build gives: every file (pages, feeds, sitemap, robots.txt, term and entity
    pages, assets, the search index) byte for byte, no file and no folder more; nothing is
    time-dependent."""
    secret = "撤回された記事だけにある文章"
    extra = project / "docs/assets/extra.txt"
    retracted = project / "posts/2025-04-01-retracted.md"
    target = project / "posts/2025-03-02-target.md"
    config = project / "mkdocs.yml"

    def add():  # (before the first build: the post is in the main search index)
        write(retracted, post("撤回される記事", "2025-04-01 10:00:00 +0900", f"{secret}。ソニーグループの話。",
                              categories=["臨時カテゴリー"], tags=["撤回タグ", "AI"]))
        write(extra, "an asset\n")

    def edit():
        write(retracted, retracted.read_text(encoding="utf-8").replace("撤回タグ", "別の撤回タグ"))
        write(target, post("リンク先の記事", "2025-03-02 10:00:00 +0900", "書き直した本文です。", tags=["新タグ"]))
        config.write_text(config.read_text(encoding="utf-8").replace("paginate: 10", "paginate: 4"), encoding="utf-8")

    def delete():
        retracted.unlink()           # the last post of its category and of its tags
        extra.unlink()
        (project / "posts" / benchgen.post_name(7)).unlink()
        write(target, post("リンク先の記事", "2025-03-02 10:00:00 +0900", "本文です。"))
        config.write_text(config.read_text(encoding="utf-8").replace("paginate: 4", "paginate: 10"), encoding="utf-8")

    def new_post():
        name, text = benchgen.post_text(-1)
        write(project / "posts" / name, text)

    add()
    build(project, "site")
    for step, change in enumerate([edit, delete, new_post]):
        change()
        out, _, log = build(project, "site", "--dirty")
        assert "Traceback" not in log
        reference = cold(project, f"ref{step}")
        assert_same_tree(reference, out)
        folders = lambda root: sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir())
        assert folders(out) == folders(reference)
    assert not (out / "categories/臨時カテゴリー").exists() and not (out / "tags/撤回タグ").exists()
    assert not (out / "assets/extra.txt").exists()
    pair = "撤回".encode()  # a word of the search index: only the retracted post had it
    leaked = [name for name, data in _everything(out).items() if secret.encode() in data or pair in data]
    assert leaked == []


def test_a_cache_that_cannot_be_written_only_costs_time(project):
    reference = cold(project, "ref")
    (project / ".cache").write_text("not a folder", encoding="utf-8")  # every write fails
    for out in ("a", "b"):
        result = mkdocs(project, "build", "--strict", "-d", out)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-2000:]
        assert_same_tree(reference, project / out)


# -- what a post's work depends on (in-process: exact counts) ------------------------------------------

def load_site(project: Path, **changes) -> site.Site:
    config = replace(SiteConfig.from_mkdocs_yml(project / "mkdocs.yml"), **changes)
    return site.load(project, config, cache_dir=project / ".cache")


def load(project: Path, **changes) -> dict:
    return load_site(project, **changes).cache_stats


def test_each_input_invalidates_exactly_its_posts(project):
    n = len(list((project / "posts").glob("*.md"))) - 1                 # published posts
    first = load(project)  # (posts other tests built with the same bytes and paths are hits already)
    assert first["prepare_misses"] + first["prepare_hits"] == n
    assert load(project)["prepare_misses"] == 0
    # the site URL only matters to posts with Liquid markup (the {{ site.url }} and post_url ones)
    assert load(project, url="https://other.example/")["prepare_misses"] == 2
    # the summary length matters to posts without an excerpt of their own (or with a template
    # one), and to no post's reading
    posts = load_site(project).posts
    own = sum(bool(p.excerpt.strip()) and not excerpts.is_template(p.excerpt.strip()) for p in posts)
    stats = load(project, excerpt_chars=60)
    assert (stats["prepare_misses"], stats["read_misses"]) == (n - own, 0) and own < n
    # the timezone changes how every post is read (dates, URLs)
    assert load(project, timezone="UTC")["read_misses"] == n + 1
    load(project)
    # a linked post moves: the target is read again, the post linking to it is re-rendered
    target = project / "posts/2025-03-02-target.md"
    target.write_text(target.read_text(encoding="utf-8").replace("title:", "slug: moved\ntitle:"), encoding="utf-8")
    stats = load(project)
    assert (stats["read_misses"], stats["prepare_misses"]) == (1, 2)
    linker = next(p for p in load_site(project).posts if p.title == "リンク元の記事")
    assert "2025/03/02/moved/" in linker.html


def test_cache_off_and_on_give_identical_posts(project, monkeypatch):
    config = SiteConfig.from_mkdocs_yml(project / "mkdocs.yml")
    monkeypatch.setenv("TSUZURI_CACHE", "0")
    plain = site.load(project, config)
    monkeypatch.setenv("TSUZURI_CACHE", "1")
    site.load(project, config, cache_dir=project / ".cache")
    cached = site.load(project, config, cache_dir=project / ".cache")
    assert cached.cache_stats["prepare_hits"] == len(plain.posts)
    fields = ("title", "url", "html", "text", "content", "summary", "reading_time", "toc", "tags", "body")
    for a, b in zip(plain.posts, cached.posts):
        assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]
        assert a.clean_report.as_dict() == b.clean_report.as_dict()
    assert list(plain.diagnostics) == list(cached.diagnostics)


def test_process_pool_gives_the_same_posts_as_one_process(tmp_path, monkeypatch):
    benchgen.generate(tmp_path / "posts", cache.POOL_MIN + 10)
    config = SiteConfig()
    monkeypatch.setenv("TSUZURI_CACHE", "0")
    monkeypatch.setenv("TSUZURI_WORKERS", "1")
    one = site.load(tmp_path, config)
    monkeypatch.setenv("TSUZURI_WORKERS", "2")
    two = site.load(tmp_path, config)
    assert two.cache_stats["workers"] == 2 and one.cache_stats["workers"] == 1
    assert [(p.url, p.title, p.html, p.text, p.summary, p.reading_time) for p in one.posts] == \
           [(p.url, p.title, p.html, p.text, p.summary, p.reading_time) for p in two.posts]
    assert list(one.diagnostics) == list(two.diagnostics) and len(one.diagnostics) > 10


# -- mkdocs serve --dirty: every rebuild equals a cold build ------------------------------------------

@pytest.mark.parametrize("watch", ["events", "poll"])  # the OS's file events; TSUZURI_WATCH=poll
def test_dirty_serve_rebuilds_equal_cold_builds(project, tmp_path_factory, watch):
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = project / "mkdocs.yml"  # the reference builds get the address serve gives the site
    config.write_text(config.read_text(encoding="utf-8").replace("https://blog.example.jp/", f"http://127.0.0.1:{port}/"),
                      encoding="utf-8")
    tmp = tmp_path_factory.mktemp("serve-tmp")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", TMPDIR=str(tmp), TSUZURI_WATCH=watch)
    server = subprocess.Popen([PY, "-m", "mkdocs", "serve", "--dirty", "-a", f"127.0.0.1:{port}"], cwd=project,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def get(url: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/{url}", timeout=60) as r:
                return r.status, r.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            return e.code, ""
        except OSError:
            return 0, ""

    def until(url: str, check) -> None:
        deadline = time.time() + 120
        while time.time() < deadline:
            status, body = get(url)
            if check(status, body):
                time.sleep(0.3)  # another change event for the same save would start a rebuild now
                get(url)         # ... and a request waits for a rebuild to finish
                return
            time.sleep(0.1)
        raise AssertionError(f"serve never showed the change at {url}")

    try:
        until("", lambda status, _: status == 200)
        served = next(tmp.glob("mkdocs_*"))
        steps = 0

        def compare():
            nonlocal steps
            steps += 1
            assert_same_tree(cold(project, f"ref{steps}"), served)

        compare()
        url = benchgen.post_url(5)
        (project / "posts" / benchgen.post_name(5)).write_text(benchgen.post_text(5, edit=1)[1], encoding="utf-8")
        until(url, lambda _, body: "（改訂1）" in body)
        compare()
        name, text = benchgen.post_text(-1)
        write(project / "posts" / name, text)
        until("", lambda _, body: "第-1回分析" in body)
        compare()
        (project / "posts" / benchgen.post_name(7)).unlink()
        until(benchgen.post_url(7), lambda status, _: status == 404)
        compare()
        tpl = project / "templates/post.html"
        tpl.write_text(tpl.read_text(encoding="utf-8").replace("class=\"tz-post\"", "class=\"tz-post tz-z\""), encoding="utf-8")
        until(url, lambda _, body: "tz-z" in body)
        compare()
    finally:
        server.send_signal(2)
        try:
            _, err = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            _, err = server.communicate()
    assert "Traceback" not in err and "dirty' build" not in err
    if watch == "events":  # one rebuild per change: files the build reads never trigger another
        # (not "Documentation built in …": MkDocs drops a repeat of the same message, same seconds);
        # the edited post took the fast path (hooks/tsuzuri_watch.py), the other changes MkDocs' build
        assert err.count("Building documentation...") == 4, err[-3000:]
        assert err.count("saved post refreshed") == 1, err[-3000:]


def test_by_identity_hashes_a_string_object_once_per_two_builds():
    from tsuzuri.cache import ByIdentity
    calls = []
    memo = ByIdentity(lambda text: calls.append(text) or f"d{len(text)}")
    text = "".join(["記事"] * 1000)          # built at run time: a fresh object
    assert memo(text) == memo(text) == "d2000" and len(calls) == 1
    assert memo("".join(["記事"] * 1000)) == "d2000" and len(calls) == 2   # equal, another object
    memo.new_build()
    assert memo(text) == "d2000" and len(calls) == 2                        # the last build's: kept
    memo.new_build()
    memo.new_build()
    assert memo(text) == "d2000" and len(calls) == 3                        # unused for a build: gone
