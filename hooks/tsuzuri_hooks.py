"""MkDocs adapter: wires MkDocs events to the tsuzuri engine and does nothing else.

- on_config:       read extra.tsuzuri, load the posts (read, clean, render), report diagnostics
- on_files:        add one virtual file per page of the site (posts, lists, archive)
- on_page_content: hand MkDocs the engine's HTML instead of converting Markdown again
- on_page_context: give templates the page's data as ``tsuzuri``
- on_nav/on_env/on_post_page: skip rendering pages whose inputs did not change
  (``tsuzuri.pagecache``: the stored output is handed over through a one-line template)

Diagnostics go to MkDocs' log: warnings as WARNING (so ``--strict`` fails on them), errors
as ERROR. Notes (automatic repairs) are DEBUG (``mkdocs build -v`` shows them). MkDocs does not reload hook code under
``mkdocs serve``; the engine is re-run on every rebuild, so posts, templates and the
registry are picked up, but changes to tsuzuri/ itself need a restart.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from functools import partial
from importlib.metadata import version
from pathlib import Path

# The engine lives beside hooks/; make it importable without installing the project.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jinja2 import ChoiceLoader, DictLoader  # noqa: E402
from watchdog.observers.polling import PollingObserver  # noqa: E402
from mkdocs.plugins import event_priority  # noqa: E402
from mkdocs.structure.files import File, Files  # noqa: E402
from mkdocs.structure.pages import Page  # noqa: E402
from mkdocs.structure.toc import get_toc  # noqa: E402

from tsuzuri import pagecache  # noqa: E402
from tsuzuri import pages as tz_pages  # noqa: E402
from tsuzuri import site as tz_site  # noqa: E402
from tsuzuri.config import SiteConfig  # noqa: E402
from tsuzuri.diagnostics import ERROR, WARNING  # noqa: E402

log = logging.getLogger("mkdocs.plugins.tsuzuri")
POLL_SECONDS = 0.2  # mkdocs serve: how often to look for saved files

_state: dict = {"specs": {}, "site": None, "nav": None, "pages": None, "render": {}}


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
    _state["pages"], _state["render"] = pagecache.PageCache(root), {}
    _state["site_parts"] = [  # what every page sees besides its own spec (nav: see on_env)
        Path(config.config_file_path).read_bytes(), config.site_url or "", str(config.use_directory_urls),
        json.dumps(dict(config.theme), sort_keys=True, default=repr), Path(__file__).read_bytes(),
        version("mkdocs"), version("mkdocs-material")]
    return config


def on_files(files: Files, config, **_):
    for spec in _state["specs"].values():
        meta = json.dumps({"title": spec.title, "template": spec.template}, ensure_ascii=False)  # JSON is YAML
        file = File.generated(config, spec.src_uri, content=f"---\n{meta}\n---\n")
        file.dest_uri = spec.dest_uri
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
    if page.meta.get("template") == pagecache.CACHED_TEMPLATE:  # see on_env
        fp, _ = _state["render"][page.file.src_uri]
        context["tsuzuri_cached"] = _state["pages"].get(fp)  # None if it vanished: the fallback renders
        context["tsuzuri_template"] = page.meta["tsuzuri_template"]
    return context


# -- the rendered-page cache (tsuzuri.pagecache) --------------------------------------------

class _GeneratedPage(Page):
    """A generated page's source is only front matter: skip building a Markdown parser for it."""

    def render(self, config, files):
        if (self.markdown or "").strip():
            return super().render(config, files)
        self.content, self.toc, self.present_anchor_ids = "", get_toc([]), set()


def on_serve(server, config, **_):
    """Notice a saved post sooner: MkDocs polls for changes every 0.5 s; poll every 0.2 s.

    Same kind of watcher (polling, which MkDocs chose for editors' atomic saves and network
    drives), shorter interval; only paths MkDocs watches before this event need moving.
    """
    moved = []
    for path in [config.docs_dir, config.config_file_path, *config.theme.dirs]:
        with contextlib.suppress(KeyError):
            server.unwatch(path)
            moved.append(path)
    server.observer = PollingObserver(timeout=POLL_SECONDS)
    for path in moved:
        server.watch(path)
    return server


def on_startup(command, dirty=False, **_):
    _state["dirty"], _state["command"] = dirty, command
    if dirty:  # our pages are rebuilt exactly when their inputs change: MkDocs' caveat does not apply
        logging.getLogger("mkdocs.commands.build").addFilter(
            lambda record: not str(record.msg).startswith("A 'dirty' build is being performed"))


def on_nav(nav, config, files, **_):
    """Fingerprint every generated page; with --dirty, MkDocs skips the unchanged ones entirely."""
    _state["nav"], render = nav, {}
    _state["render"] = render
    for src_uri in _state["specs"]:
        file = files.get_file_from_path(src_uri)
        if file is not None and type(file.page) is Page:
            file.page.__class__ = _GeneratedPage
    cache = _state["pages"]
    if cache is None or not cache.use:
        return nav
    cache.begin(config.theme.get_env(), [config.theme.custom_dir], *_state["site_parts"], _nav_digest(nav))
    written = _state.setdefault("written", {})  # output file -> fingerprint of what it holds
    site_dir = os.path.join(os.path.abspath(config.site_dir), "")
    if not _state.get("dirty"):  # MkDocs empties the folder first
        for dest in [d for d in written if d.startswith(site_dir)]:
            del written[dest]
    elif _state.get("loaded") != site_dir:  # what an earlier `mkdocs build` left there
        written.update(cache.load_written(site_dir))
        _state["loaded"] = site_dir
    for src_uri, spec in _state["specs"].items():
        file = files.get_file_from_path(src_uri)
        if file is None or file.page is None:
            continue
        render[src_uri] = fp, _ = cache.lookup(spec)
        if _state.get("dirty"):
            file.is_modified = partial(_changed, file.abs_dest_path, fp)
    if _state.get("dirty"):  # hand-written pages: also when anything every page shows changed
        _state["dests"] = {file.abs_dest_path for file in files.documentation_pages()}
        for file in files.documentation_pages():
            if file.src_uri not in _state["specs"]:
                file.is_modified = partial(_changed_doc, file.is_modified, file.abs_dest_path, cache.site_fp)
    return nav


def _changed(dest: str, fp: str) -> bool:
    return _state["written"].get(dest) != fp or not os.path.exists(dest)


def _changed_doc(modified, dest: str, site_fp: str) -> bool:
    return modified() or _state["written"].get(dest) != site_fp


def on_env(env, config, files, **_):
    """Pages are read; before they are rendered, serve the unchanged ones from the cache."""
    _state["env"] = env
    if _state["pages"] is None or not _state["pages"].use:
        return env
    env.bytecode_cache = pagecache.template_code(Path(config.config_file_path).resolve().parent)
    env.loader = ChoiceLoader([DictLoader({pagecache.CACHED_TEMPLATE: pagecache.CACHED_SOURCE}), env.loader])
    for src_uri, (fp, hit) in _state["render"].items():
        page = files.get_file_from_path(src_uri).page
        if hit and page.markdown is not None:  # read this build (with --dirty, unchanged ones are not)
            page.meta["tsuzuri_template"] = page.meta.get("template", "main.html")
            page.meta["template"] = pagecache.CACHED_TEMPLATE
    return env


def on_pre_template(template, template_name, **_):
    """The theme's 404 page is a page like the others: serve it from the cache too."""
    if template_name != "404.html" or _state["pages"] is None or not _state["pages"].use:
        return template
    _state["render"][template_name] = fp, hit = _state["pages"].lookup_template(template_name)
    return _state["env"].get_template(pagecache.CACHED_TEMPLATE) if hit else template


def on_template_context(context, template_name, **_):
    fp, hit = _state["render"].get(template_name, (None, False))
    if hit:
        context["tsuzuri_cached"], context["tsuzuri_template"] = _state["pages"].get(fp), template_name
    return context


@event_priority(100)  # first: store what the template rendered, before any plugin changes it
def on_post_page(output, page, **_):
    fp, hit = _state["render"].get(page.file.src_uri, (None, True))
    if fp is not None:
        _state.setdefault("built", {})[page.file.src_uri] = hit
    if not hit:
        _state["pages"].put(fp, output)
        log.debug(f"tsuzuri: rendered {page.file.dest_uri}")
    if _state["pages"] is not None and _state["pages"].use:
        _state["written"][page.file.abs_dest_path] = fp or _state["pages"].site_fp
    return output


@event_priority(100)
def on_post_template(output, template_name, **_):
    fp, hit = _state["render"].get(template_name, (None, True))
    if not hit:
        _state["pages"].put(fp, output)
    return output


def on_post_build(config, **_):
    cache = _state["pages"]
    if cache is None or not cache.use:
        return
    built = _state.pop("built", {})
    rendered = sum(1 for hit in built.values() if not hit)
    unchanged = f", {len(_state['render']) - len(built)} unchanged (--dirty)" if _state.get("dirty") else ""
    log.info(f"tsuzuri: {rendered} pages rendered, {len(built) - rendered} from .cache/{unchanged}")
    cache.finish()
    if _state.get("dirty"):  # pages of removed posts: --dirty would leave their files behind
        site_dir = os.path.join(os.path.abspath(config.site_dir), "")
        for dest in [d for d in _state["written"] if d.startswith(site_dir) and d not in _state["dests"]]:
            del _state["written"][dest]
            with contextlib.suppress(OSError):
                os.remove(dest)
    if _state.get("command") == "build":  # for a later `mkdocs build --dirty`
        cache.save_written(config.site_dir, _state["written"])


def _nav_digest(nav) -> str:
    """Titles and URLs of the navigation, which every page shows (with its neighbours' titles).

    A page listed without a title in mkdocs.yml gets one from its source, not read yet: its
    source stands in for the title.
    """
    def title(item):
        if item.title is not None or not isinstance(item, Page):
            return str(item.title)
        spec = _state["specs"].get(item.file.src_uri)
        return spec.title if spec is not None else pagecache.digest(item.file.content_bytes)

    def walk(items):
        return [[type(i).__name__, title(i), getattr(i, "url", None), walk(getattr(i, "children", None) or [])]
                for i in items]
    return json.dumps(walk(nav.items if nav is not None else []), ensure_ascii=False)
