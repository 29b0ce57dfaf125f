"""Shared fixtures: one strict build of the seed site per test session (in a copy of the project:
never the checkout's .cache/ or site/)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from test_build import mkdocs, seed_project


@pytest.fixture(scope="session")
def seed_site(tmp_path_factory) -> Path:
    project = seed_project(tmp_path_factory.mktemp("seed-project"))
    out = tmp_path_factory.mktemp("seed") / "site"
    # Search shards of two posts: the browser tests then search three merged Pagefind indexes,
    # as a site of thousands of posts does.
    os.environ["TSUZURI_SEARCH_SHARD"] = "2"
    try:
        result = mkdocs(["build", "--strict", "-d", str(out)], project)
    finally:
        del os.environ["TSUZURI_SEARCH_SHARD"]
    assert result.returncode == 0, result.stderr
    return out
