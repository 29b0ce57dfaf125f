"""The GitHub Actions workflow: every pull request (each new post) is checked, tested and built
strictly; only main deploys; pip and the build cache are cached."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = yaml.safe_load((ROOT / ".github/workflows/site.yml").read_text(encoding="utf-8"))
ON = WORKFLOW[True]  # YAML 1.1 reads the key `on` as True


def _runs(job: dict) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def test_pull_requests_with_a_post_run_check_tests_and_strict_build():
    assert "posts/**" in ON["pull_request"]["paths"] and ON["push"]["branches"] == ["main"]
    runs = _runs(WORKFLOW["jobs"]["build"])
    order = [next(i for i, r in enumerate(runs) if cmd in r)
             for cmd in ("python -m tsuzuri check posts/", "python -m pytest", "mkdocs build --strict")]
    assert order == sorted(order)


def test_only_main_deploys():
    build, deploy = WORKFLOW["jobs"]["build"], WORKFLOW["jobs"]["deploy"]
    upload = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    for condition in (upload["if"], deploy["if"]):
        assert "github.event_name != 'pull_request'" in condition and "refs/heads/main" in condition
    assert deploy["needs"] == "build" and deploy["permissions"] == {"pages": "write", "id-token": "write"}


def test_pip_and_build_cache_are_cached():
    steps = WORKFLOW["jobs"]["build"]["steps"]
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))
    assert python["with"]["cache"] == "pip"
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache"))
    assert cache["with"]["path"] == ".cache"
    assert cache["with"]["key"].endswith("${{ github.sha }}") and cache["with"]["restore-keys"].strip()
    build = next(i for i, s in enumerate(steps) if "mkdocs build" in s.get("run", ""))
    assert steps.index(cache) < build          # restored before the build, saved after the job
