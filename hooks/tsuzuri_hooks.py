"""MkDocs adapter: wires MkDocs events to the tsuzuri engine and does nothing else.

- on_config:       read extra.tsuzuri, load the posts (read, clean, render), report diagnostics
- on_files:        add one virtual file per page of the site (posts, lists, archive), and one
                   per file published beside them (feeds, sitemap.xml(.gz), robots.txt,
                   redirect_from pages), so
                   every output is a File MkDocs writes and tsuzuri_incremental.py keeps track of
- on_page_content: hand MkDocs the engine's HTML instead of converting Markdown again
- on_page_context: give templates the page's data as ``tsuzuri`` and its <head> data as ``tz_head``
- on_template_context: the same for the 404 page (the newest posts to link to)
- on_files/on_post_build: the search index (tsuzuri/search.py), built beside MkDocs' rendering
  into site/searchindex/; under ``mkdocs serve`` it finishes in the background (the last index
  serves meanwhile), so the preview never waits for it

Each generated File carries its PageSpec as ``tsuzuri_spec``: tsuzuri_incremental.py (the
second hook) uses it to skip pages whose inputs did not change.

Diagnostics go to MkDocs' log: warnings as WARNING (so ``--strict`` fails on them), errors
as ERROR. Notes (automatic repairs) are DEBUG (``mkdocs build -v`` shows them). MkDocs does not reload hook code under
``mkdocs serve``; the engine is re-run on every rebuild, so posts, templates and the
registry are picked up, but changes to tsuzuri/ itself need a restart.
"""

from __future__ import annotations

import gc
import html
import logging
import sys
from pathlib import Path

# The engine lives beside hooks/; make it importable without installing the project.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mkdocs.exceptions import ConfigurationError, PluginError  # noqa: E402
from mkdocs.structure.files import File, Files  # noqa: E402
from mkdocs.structure.toc import get_toc  # noqa: E402

from tsuzuri import outputs as tz_outputs  # noqa: E402
from tsuzuri import cache as tz_cache  # noqa: E402
from tsuzuri import pages as tz_pages  # noqa: E402
from tsuzuri import search as tz_search  # noqa: E402
from tsuzuri import site as tz_site  # noqa: E402
from tsuzuri.config import SiteConfig  # noqa: E402
from tsuzuri.diagnostics import ERROR, WARNING  # noqa: E402
from tsuzuri.publish import Identity  # noqa: E402
from tsuzuri.session import current as session  # noqa: E402

log = logging.getLogger("mkdocs.plugins.tsuzuri")



def on_startup(command, **_):
    session.command = command


def on_config(config, **_):
    # (the preview's fast path waits for a whole build)
    session.complete, session.config, session.published = False, config, {}
    root = Path(config.config_file_path).resolve().parent
    try:
        site_config = SiteConfig.from_mapping((config.extra or {}).get("tsuzuri"), site_url=config.site_url or "",
                                              site_name=config.site_name, docs_dir=config.docs_dir,
                                              site_description=config.site_description or "")
    except (TypeError, ValueError) as exc:  # MkDocs prints this as one line, not a traceback
        raise ConfigurationError(f"mkdocs.yml: extra.tsuzuri: {exc}") from None
    site = tz_site.load(root, site_config, cache_dir=tz_cache.project_cache(root))
    gc.freeze()  # the posts stay to the end: collections need not walk them again (7% of a cold build)
    for d in site.diagnostics:
        log.log(d.log_level, d.format())
    stats = site.cache_stats
    log.info(f"tsuzuri: {len(site.posts)} posts; {site.clean_summary()}; "
             f"{site.diagnostics.count(ERROR)} errors, {site.diagnostics.count(WARNING)} warnings; "
             f"{stats.get('prepare_misses', 0)} posts rendered, {stats.get('prepare_hits', 0)} from .cache/")
    session.site = site
    specs = tz_pages.build(site)
    session.specs = {spec.src_uri: spec for spec in specs}
    if not config.site_url:
        log.warning("site_url is not set in mkdocs.yml: feeds, sitemap and share cards need the site's address")
    identity = Identity.from_config(site_config, description=config.site_description or "")
    session.plan = tz_outputs.plan(site, specs, identity)
    return config


def on_files(files: Files, config, **_):
    _start_search(config)
    for spec in session.specs.values():
        file = File.generated(config, spec.src_uri, content=spec.source())
        file.dest_uri = spec.dest_uri
        file.tsuzuri_spec = spec
        existing = files.get_file_from_path(spec.src_uri)
        if existing is not None:
            log.error(f"docs/{spec.src_uri} collides with a page tsuzuri generates; rename or remove it")
            files.remove(existing)
        files.append(file)
    session.docs_urls = [f.url for f in files.documentation_pages()
                           if f.src_uri not in session.specs and f.url is not None]
    plan = session.plan
    if plan is not None and plan.identity.url:  # feeds, sitemap, robots.txt: Files like any other output
        # ours replaces MkDocs' sitemap (lastmod from the posts, not the build time); the theme's
        # files are listed by now, so its sitemap template is not taken for a static file
        config.theme.static_templates.discard("sitemap.xml")
        session.published = tz_outputs.files(plan, session.docs_urls)
        for path, data in session.published.items():
            existing = files.get_file_from_path(path)
            if existing is not None:
                if existing.abs_src_path and Path(existing.abs_src_path).is_relative_to(config.docs_dir):
                    log.error(f"docs/{path} collides with a file tsuzuri publishes; rename or remove it")
                files.remove(existing)
            files.append(File.generated(config, path, content=data))
    if plan is not None:  # redirect_from pages: checked against every other output by the engine
        for path, data in tz_outputs.redirect_pages(plan).items():
            if files.get_file_from_path(path) is not None:  # (a theme file the engine cannot know)
                log.error(f"redirect_from page {path} collides with a file MkDocs publishes; it was not written")
                continue
            files.append(File.generated(config, path, content=data))
    return files


def on_page_markdown(markdown, page, **_):
    """A docs/ page's front-matter title, escaped like the titles of generated pages: templates
    print page.meta.title as HTML."""
    meta = page.meta or {}
    if page.file.src_uri not in session.specs and isinstance(meta.get("title"), str):
        meta["title"] = html.escape(meta["title"])
    return markdown


def on_page_content(html, page, **_):
    spec = session.specs.get(page.file.src_uri)
    if spec is None or spec.post is None:
        return html
    page.toc = get_toc(spec.toc)
    return spec.html


def on_page_context(context, page, **_):
    spec = session.specs.get(page.file.src_uri)
    if spec is not None:
        context["tsuzuri"] = spec.context
        head = dict(url=spec.url, title=spec.title, post=spec.post)
    else:
        head = dict(url=page.url, title=html.unescape((page.meta or {}).get("title") or "") or page.title or "",
                    description=(page.meta or {}).get("description") or "")
    if session.plan is not None:
        context["tz_head"] = tz_outputs.head(session.plan, **head)
    return context


def _start_search(config) -> None:
    """Index the posts in a thread while MkDocs renders pages (the engine has all it needs)."""
    root = Path(config.config_file_path).resolve().parent
    out = Path(config.site_dir) / tz_search.BUNDLE
    if session.indexer is None:
        session.indexer = tz_search.Indexer(_search_cache(root), on_done=_search_done)
    if session.command == "serve" and session.indexer.cache_dir:
        tz_search.install_last(session.indexer.cache_dir, out)  # usable now, replaced when done
    try:
        session.indexer.start(tz_search.docs_from_site(session.site), out)
    except Exception as exc:  # e.g. .cache/search cannot be written
        raise _search_failed(exc) from None


def _search_cache(root: Path) -> Path | None:
    """.cache/search, or None (index from scratch) when the cache is off or cannot be written."""
    if not tz_cache.enabled():
        return None
    try:
        (tz_cache.project_cache(root) / "search").mkdir(parents=True, exist_ok=True)
        return tz_cache.project_cache(root) / "search"
    except OSError:
        return None


def _search_done(stats, error, out) -> None:
    if session.command != "serve":
        return  # on_post_build reports it
    if error:
        log.warning(f"search index not updated: {error}")
    else:
        log.info(stats.summary())


def on_template_context(context, template_name, **_):
    if template_name == "404.html" and session.plan is not None:
        context["tsuzuri"] = {"recent": tz_outputs.recent(session.plan)}
        context["tz_head"] = tz_outputs.head(session.plan, url=None, title="ページが見つかりません")
    return context


def on_post_build(config, **_):
    _finish_search()
    session.complete = True


def _finish_search() -> None:
    """A build without its search index fails (not only under --strict): CI must never deploy
    a site whose search box says it could not load."""
    if session.command == "serve":
        return
    try:
        log.info(session.indexer.wait().summary())
    except Exception as exc:  # a file could not be written, the indexing process died, or a bug: one line, no traceback
        raise _search_failed(exc) from None


def _search_failed(exc: Exception) -> PluginError:
    what = str(exc) if isinstance(exc, tz_search.SearchError) else f"{type(exc).__name__}: {exc}"
    return PluginError(f"search index not built: {what} — fix the cause and build again; "
                       "without it the site's search cannot load")
