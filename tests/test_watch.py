"""The preview's watcher (hooks/tsuzuri_watch.py), wired through MkDocs' own hooks plugin into a
real LiveReloadServer: a saved post asks for a rebuild, with the OS's events or the poll."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.livereload import LiveReloadServer

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("mode, observer", [("", "_ChangeObserver"), ("poll", "_PollingObserver")])
def test_a_saved_post_asks_for_a_rebuild(tmp_path, monkeypatch, mode, observer):
    for name in ("mkdocs.yml", "hooks", "templates", "docs", "tsuzuri", "entities.yml"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, tmp_path / name)
    (tmp_path / "posts").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TSUZURI_WATCH", mode)
    config = load_config(str(tmp_path / "mkdocs.yml"))
    config.plugins.on_startup(command="serve", dirty=False)
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path / "site"))
    server.watch(config.docs_dir)  # what `mkdocs serve` does (mkdocs/commands/serve.py), in its order
    server.watch(config.config_file_path)
    server = config.plugins.on_serve(server, config=config, builder=lambda: None)
    for path in config.watch:  # posts/, templates/, ... (mkdocs.yml's watch:)
        server.watch(path)
    assert type(server.observer).__name__ == observer
    watched = set(server._watched_paths)
    assert os.path.abspath(config.docs_dir) in watched and os.path.abspath(config.config_file_path) in watched
    server.observer.start()
    try:
        time.sleep(0.5)
        (tmp_path / "posts" / "2025-09-18-new.md").write_text("---\ntitle: 新\ndate: 2025-09-18\n---\n本文\n",
                                                             encoding="utf-8")
        deadline = time.time() + 10
        while not server._want_rebuild and time.time() < deadline:
            time.sleep(0.05)
        assert server._want_rebuild, "the save was not heard"
    finally:
        server.observer.stop()
        server.observer.join()
