"""Shared fixtures: one strict build of the seed site per test session (in a copy of the project:
never the checkout's .cache/ or site/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_build import mkdocs, seed_project


@pytest.fixture(scope="session")
def seed_site(tmp_path_factory) -> Path:
    project = seed_project(tmp_path_factory.mktemp("seed-project"))
    out = tmp_path_factory.mktemp("seed") / "site"
    result = mkdocs(["build", "--strict", "-d", str(out)], project)
    assert result.returncode == 0, result.stderr
    return out
