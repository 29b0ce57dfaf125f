"""Shared fixtures: one strict build of the seed site per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_build import ROOT, mkdocs


@pytest.fixture(scope="session")
def seed_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("seed") / "site"
    result = mkdocs(["build", "--strict", "-d", str(out)], ROOT)
    assert result.returncode == 0, result.stderr
    return out
