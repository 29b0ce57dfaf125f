"""MkDocs adapter: wires MkDocs events to the tsuzuri engine and does nothing else.

- on_config:       read extra.tsuzuri, load the posts (read, clean, render), report diagnostics
- on_files:        add one virtual file per page of the site (posts, lists, archive)
- on_page_content: hand MkDocs the engine's HTML instead of converting Markdown again
- on_page_context: give templates the page's data as ``tsuzuri``

Each generated File carries its PageSpec as ``tsuzuri_spec``: tsuzuri_incremental.py (the
second hook) uses it to skip pages whose inputs did not change.

Diagnostics go to MkDocs' log: warnings as WARNING (so ``--strict`` fails on them), errors
as ERROR. Notes (automatic repairs) are DEBUG (``mkdocs build -v`` shows them). MkDocs does not reload hook code under
``mkdocs serve``; the engine is re-run on every rebuild, so posts, templates and the
registry are picked up, but changes to tsuzuri/ itself need a restart.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

# The engine lives beside hooks/; make it importable without installing the project.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mkdocs.structure.files import File, Files  # noqa: E402
from mkdocs.structure.toc import get_toc  # noqa: E402

from tsuzuri import pages as tz_pages  # noqa: E402
from tsuzuri import site as tz_site  # noqa: E402
from tsuzuri.config import SiteConfig  # noqa: E402
from tsuzuri.diagnostics import ERROR, WARNING  # noqa: E402

log = logging.getLogger("mkdocs.plugins.tsuzuri")

_state: dict = {"specs": {}, "site": None}


def on_config(config, **_):
    root = Path(config.config_file_path).resolve().parent
    site_config = SiteConfig.from_mapping((config.extra or {}).get("tsuzuri"),
                                          site_url=config.site_url or "", site_name=config.site_name)
    site = tz_site.load(root, site_config)
    for d in site.diagnostics:
        level = logging.ERROR if d.severity >= ERROR else logging.WARNING if d.severity == WARNING else logging.DEBUG
        log.log(level, d.format())
    stats = site.cache_stats
    log.info(f"tsuzuri: {len(site.posts)} posts; {site.clean_summary()}; "
             f"{site.diagnostics.count(ERROR)} errors, {site.diagnostics.count(WARNING)} warnings; "
             f"{stats.get('prepare_misses', 0)} posts rendered, {stats.get('prepare_hits', 0)} from .cache/")
    _state["site"] = site
    _state["specs"] = {spec.src_uri: spec for spec in tz_pages.build(site)}
    return config


def on_files(files: Files, config, **_):
    for spec in _state["specs"].values():
        meta = json.dumps({"title": spec.title, "template": spec.template}, ensure_ascii=False)  # JSON is YAML
        file = File.generated(config, spec.src_uri, content=f"---\n{meta}\n---\n")
        file.dest_uri = spec.dest_uri
        file.tsuzuri_spec = spec
        existing = files.get_file_from_path(spec.src_uri)
        if existing is not None:
            log.error(f"docs/{spec.src_uri} collides with a page tsuzuri generates; rename or remove it")
            files.remove(existing)
        files.append(file)
    return files


def on_page_content(html, page, **_):
    spec = _state["specs"].get(page.file.src_uri)
    if spec is None or spec.post is None:
        return html
    page.toc = get_toc(spec.toc)
    return spec.html


def on_page_context(context, page, **_):
    spec = _state["specs"].get(page.file.src_uri)
    if spec is not None:
        context["tsuzuri"] = spec.context
    return context
