"""The preview's fast path (hooks/tsuzuri_watch.py, tsuzuri/refresh.py): a `mkdocs serve --dirty`
session in this process, with MkDocs' real LiveReloadServer and the OS's file events. After each
save the session's site/ must equal a cold build of the same posts, byte for byte (search index,
feeds and sitemap included), whether the save took the fast path or a whole rebuild."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.livereload import LiveReloadServer

from test_cache import ROOT, assert_same_tree, cold, post, project, write  # noqa: F401 (project: a fixture)
from tsuzuri.session import current as session


class Session:
    """mkdocs serve --dirty, as mkdocs/commands/serve.py runs it, minus the HTTP server."""

    def __init__(self, project: Path):
        self.project = project
        self.config = self.load()
        self.config.plugins.on_startup(command="serve", dirty=True)
        build(self.config, dirty=True)
        self.server = LiveReloadServer(builder=lambda: build(self.load(), dirty=True), host="127.0.0.1", port=0,
                                       root=str(project / "serve"))
        self.server.watch(self.config.docs_dir)
        self.server = self.config.plugins.on_serve(self.server, config=self.config, builder=self.server.builder)
        for path in self.config.watch:
            self.server.watch(path)
        self.watch = sys.modules[str(ROOT / "hooks/tsuzuri_watch.py")]
        self.server.observer.start()

    def load(self):
        return load_config(str(self.project / "mkdocs.yml"), site_dir=str(self.project / "serve"))

    def save(self, change) -> None:
        """Make a change, wait until the watcher hears it, rebuild, and let the rebuild settle."""
        time.sleep(0.3)
        change()
        deadline = time.time() + 10
        while not self.server._want_rebuild and time.time() < deadline:
            time.sleep(0.05)
        assert self.server._want_rebuild, "the save was not heard"
        time.sleep(0.3)  # (MkDocs' build loop waits for the saves to stop too)
        self.server._want_rebuild = False
        self.server.builder()
        for thread in self.watch._settling:
            thread.join()
        session.indexer.wait()

    def close(self):
        self.server.observer.stop()
        self.server.observer.join()


def test_saves_through_the_fast_path_give_a_cold_builds_site(project, caplog):
    caplog.set_level(logging.INFO, logger="mkdocs.plugins.tsuzuri")
    target = project / "posts/2025-03-02-target.md"
    seed = next((project / "posts").glob("2025-09-18-*.md"))
    serve = Session(project)
    quick = lambda: [r.getMessage() for r in caplog.records if "refreshed" in r.getMessage()]
    steps = [
        ("body", True, lambda: write(target, post("リンク先の記事", "2025-03-02 10:00:00 +0900",
                                                  "書き直した本文です。"))),
        ("title", True, lambda: write(target, post("新しい題のリンク先", "2025-03-02 10:00:00 +0900",
                                                   "書き直した本文です。"))),
        ("summary and snippet", True, lambda: seed.write_text(
            seed.read_text(encoding="utf-8").replace("\n\n", "\n\n冒頭に足した一文です。\n\n", 1), encoding="utf-8")),
        ("tags", False, lambda: write(target, post("新しい題のリンク先", "2025-03-02 10:00:00 +0900",
                                                   "書き直した本文です。", tags=["新タグ"]))),
        ("new post", False, lambda: write(project / "posts/2025-05-01-new.md",
                                          post("新しい記事", "2025-05-01 10:00:00 +0900", "新しい本文。"))),
        ("body after a whole rebuild", True, lambda: write(target, post(
            "新しい題のリンク先", "2025-03-02 10:00:00 +0900", "三度目の本文。", tags=["新タグ"]))),
    ]
    try:
        for step, (what, fast, change) in enumerate(steps):
            before = len(quick())
            serve.save(change)
            assert (len(quick()) > before) == fast, what
            assert_same_tree(cold(project, f"ref{step}"), project / "serve")
    finally:
        serve.close()
    assert "新しい題のリンク先" in (project / "serve/index.html").read_text(encoding="utf-8")


def test_a_post_that_cannot_be_refreshed_alone_rebuilds_the_site(project, caplog):
    """A deleted post is beyond the fast path: the whole site is built, its page goes."""
    caplog.set_level(logging.INFO, logger="mkdocs.plugins.tsuzuri")
    target = project / "posts/2025-03-02-target.md"
    serve = Session(project)
    try:
        serve.save(target.unlink)
    finally:
        serve.close()
    assert not any("refreshed" in r.getMessage() for r in caplog.records)
    assert not (project / "serve/2025/03/02/target").exists()
    assert_same_tree(cold(project, "ref"), project / "serve")


@pytest.fixture(autouse=True)
def _fresh_session():
    yield
    session.__init__()  # (the next test's session starts from nothing, as a new process would)
