"""MkDocs adapter, incremental part: a page whose inputs did not change is not rendered again.

Works on the pages tsuzuri_hooks.py generates (each File carries its ``tsuzuri_spec``); the
logic and the fingerprints are in ``tsuzuri.pagecache``, this module only wires events.

- on_startup:    with ``--dirty`` (build or serve) unchanged pages are not even written; this is
                 exact here, so MkDocs' warning about inexact dirty builds is dropped
- on_nav:        fingerprint every generated page; tell MkDocs which ones changed (--dirty)
- on_env:        compiled-template cache; a stored page outside the nav is written here and
                 taken out of MkDocs' page loop (when no other plugin is configured: their
                 page events would miss it); one in the nav gets a one-line template that
                 prints its stored HTML (on_page_context hands it over). The theme's 404.html
                 shows the newest posts and is one page: it is always rendered
- on_post_page:  (first, before other plugins) store what Material rendered
- on_post_build: report; with --dirty remove every output an earlier build wrote that this
                 one has no File for (the pages, feeds and folders of deleted posts and terms, a
                 removed asset); remember what site/ holds for the next ``mkdocs build --dirty``
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jinja2 import ChoiceLoader, DictLoader  # noqa: E402
from mkdocs.plugins import event_priority  # noqa: E402
from mkdocs.structure.pages import Page  # noqa: E402
from mkdocs.structure.toc import get_toc  # noqa: E402

from tsuzuri import pagecache  # noqa: E402
from tsuzuri.session import current as session  # noqa: E402

log = logging.getLogger("mkdocs.plugins.tsuzuri")
# Settings templates print, compared as MkDocs read them (mkdocs.yml's bytes are compared too)
SHOWN = ("site_name", "site_description", "site_author", "copyright", "repo_url", "repo_name", "edit_uri",
         "extra", "extra_css", "extra_javascript")
STATIC = "file"  # what the written-files record holds for a File MkDocs copies or writes as is
WRITERS = 4  # threads writing stored pages (the disk's latency bounds them, not the CPU)



class _GeneratedPage(Page):
    """A generated page's source is only front matter: skip building a Markdown parser for it."""

    def render(self, config, files):
        if (self.markdown or "").strip():
            return super().render(config, files)
        self.content, self.toc, self.present_anchor_ids = "", get_toc([]), set()


def _spec(file):
    return getattr(file, "tsuzuri_spec", None)


def on_startup(command, dirty=False, **_):
    session.dirty, session.command = dirty, command
    if dirty and pagecache.enabled():  # (without the cache nothing is tracked: MkDocs' warning holds)
        logging.getLogger("mkdocs.commands.build").addFilter(
            lambda record: not str(record.msg).startswith("A 'dirty' build is being performed"))


def on_config(config, **_):
    cache = pagecache.PageCache(Path(config.config_file_path).resolve().parent)
    hooks = sorted(Path(__file__).parent.glob("*.py"))
    shown = {key: config.get(key) for key in SHOWN}  # as read: an !ENV value is not in the file's bytes
    session.pages, session.render, session.built = cache, {}, {}
    session.parts = [  # what every page sees besides its own data
        Path(config.config_file_path).read_bytes(), json.dumps(shown, sort_keys=True, default=_stable_repr),
        config.site_url or "", str(config.use_directory_urls),
        json.dumps(dict(config.theme), sort_keys=True, default=repr), version("mkdocs"),
        version("mkdocs-material"), *(h.read_bytes() for h in hooks)]
    return config


def _stable_repr(value) -> str:
    return re.sub(r" at 0x[0-9a-f]+", "", repr(value))  # (an object's address changes every run)


def on_nav(nav, config, files, **_):
    render, cache, dirty = {}, session.pages, session.dirty
    session.render, session.nav, session.files = render, nav, files
    ours = [f for f in files.documentation_pages() if _spec(f) is not None]
    session.generated = {f.src_uri: f for f in ours}  # (on_env takes stored pages out of files)
    for file in ours:
        if type(file.page) is Page:
            file.page.__class__ = _GeneratedPage
    if not cache.use:
        return nav
    cache.begin(config.theme.get_env(), [config.theme.custom_dir], *session.parts, _nav_digest(nav))
    written = session.written  # output file -> fingerprint of what it holds
    site_dir = os.path.join(os.path.abspath(config.site_dir), "")
    if not dirty:  # MkDocs empties the folder first
        for dest in [d for d in written if d.startswith(site_dir)]:
            del written[dest]
    elif session.loaded != site_dir:  # what an earlier `mkdocs build` left there
        written.update(cache.load_written(site_dir))
        session.loaded = site_dir
    for file in ours:
        render[file.src_uri] = fp, _ = cache.lookup(_spec(file))
        if dirty:
            file.is_modified = partial(_changed, file.abs_dest_path, fp)
    if dirty:  # hand-written pages: also when anything every page shows changed
        session.dests = {file.abs_dest_path for file in files}  # every output of this build
        for file in files.documentation_pages():
            if _spec(file) is None:
                file.is_modified = partial(_changed_doc, file.is_modified, file.abs_dest_path, cache.site_fp)
    return nav


def _changed(dest: str, fp: str) -> bool:
    return session.written.get(dest) != fp or not os.path.exists(dest)


def _changed_doc(modified, dest: str, site_fp: str) -> bool:
    return modified() or session.written.get(dest) != site_fp


def _nav_digest(nav) -> str:
    """Titles and URLs of the navigation, which every page shows (with its neighbours' titles).

    A page listed without a title in mkdocs.yml gets one from its source, not read yet: its
    source stands in for the title.
    """
    def title(item):
        if item.title is not None or not isinstance(item, Page):
            return str(item.title)
        spec = _spec(item.file)
        return spec.title if spec is not None else pagecache.digest(item.file.content_bytes)

    def walk(items):
        return [[type(i).__name__, title(i), getattr(i, "url", None), walk(getattr(i, "children", None) or [])]
                for i in items]
    return json.dumps(walk(nav.items), ensure_ascii=False)


def on_env(env, config, files, **_):
    """Pages are read; before they are rendered, hand the unchanged ones their stored HTML."""
    session.env = env
    if not session.pages.use:
        return env
    env.bytecode_cache = pagecache.template_code(Path(config.config_file_path).resolve().parent)
    env.loader = ChoiceLoader([DictLoader({pagecache.CACHED_TEMPLATE: pagecache.CACHED_SOURCE}), env.loader])
    direct = _direct_ok(config)
    in_nav = {id(page) for page in session.nav.pages}
    stored, outside = [], []
    for src_uri, (fp, hit) in session.render.items():
        file = files.get_file_from_path(src_uri)
        if not hit or file.page.markdown is None:  # to render (with --dirty, unchanged ones are not read)
            continue
        (outside if direct and id(file.page) not in in_nav else stored).append((file, fp))
    for (file, fp), written in zip(outside, _write_stored(outside)):
        if written:
            files.remove(file)  # MkDocs need not build it
        else:
            stored.append((file, fp))
    for file, _ in stored:  # rendered by MkDocs as its stored HTML
        file.page.meta["tsuzuri_template"] = file.page.meta.get("template", "main.html")
        file.page.meta["template"] = pagecache.CACHED_TEMPLATE
    return env


def _direct_ok(config) -> bool:
    """Stored pages may skip MkDocs' page loop only when no other plugin could want to see them
    (its on_page_* events would not run for them). Pages in the nav always go through MkDocs."""
    root = Path(config.config_file_path).resolve().parent
    return all((root / name).resolve().parent == Path(__file__).resolve().parent for name in config.plugins)


def _write_stored(pages: list) -> list[bool]:
    """Write stored pages ((file, fingerprint) pairs) where MkDocs would, as MkDocs would; False
    for one whose entry is gone. Several threads: on a disk where creating a file or folder
    takes half a millisecond, waiting for them one at a time was a third of a warm build."""
    def write(page) -> bool:
        file, fp = page
        html = session.pages.get(fp)
        if html is None:
            return False
        if html.strip():  # (MkDocs skips an empty page too)
            os.makedirs(os.path.dirname(file.abs_dest_path), exist_ok=True)
            with open(file.abs_dest_path, "wb") as out:
                out.write(html.encode("utf-8", "xmlcharrefreplace"))
        return True
    with ThreadPoolExecutor(WRITERS) as pool:
        done = list(pool.map(write, pages))
    for (file, fp), written in zip(pages, done):
        if written:
            session.built[file.src_uri] = True
            session.written[file.abs_dest_path] = fp
    return done


def on_page_context(context, page, **_):
    if page.meta.get("template") == pagecache.CACHED_TEMPLATE:
        fp, _ = session.render[page.file.src_uri]
        context["tsuzuri_cached"] = session.pages.get(fp)  # None if it vanished: the fallback renders
        context["tsuzuri_template"] = page.meta["tsuzuri_template"]
    return context


@event_priority(100)  # first: store what the template rendered, before any plugin changes it
def on_post_page(output, page, **_):
    fp, hit = session.render.get(page.file.src_uri, (None, True))
    if fp is not None:
        session.built[page.file.src_uri] = hit
    if not hit:
        session.pages.put(fp, output)
        log.debug(f"tsuzuri: rendered {page.file.dest_uri}")
    if session.pages.use:
        session.written[page.file.abs_dest_path] = fp or session.pages.site_fp
    return output


def on_post_build(config, **_):
    cache = session.pages
    if not cache.use:
        return
    built = session.built
    rendered = sum(1 for hit in built.values() if not hit)
    unchanged = len(session.render) - len(built)
    log.info(f"tsuzuri: {rendered} pages rendered, {len(built) - rendered} from .cache/"
             + (f", {unchanged} unchanged (--dirty)" if session.dirty else ""))
    cache.finish()
    site_dir = os.path.join(os.path.abspath(config.site_dir), "")
    written = session.written
    for file in session.files:  # feeds, sitemap, assets: pages are recorded as they are written
        if not file.is_documentation_page():
            written[file.abs_dest_path] = STATIC
    if session.dirty:  # outputs of removed posts and terms: MkDocs' --dirty would leave them behind
        for dest in [d for d in written if d.startswith(site_dir) and d not in session.dests]:
            del written[dest]
            with contextlib.suppress(OSError):
                os.remove(dest)
            _remove_empty_folders(os.path.dirname(dest), site_dir)
    if session.command == "build":  # for a later `mkdocs build --dirty`
        cache.save_written(config.site_dir, session.written)


def _remove_empty_folders(folder: str, site_dir: str) -> None:
    """The folders a removed output leaves empty, up to site/ (a cold build has none of them)."""
    while folder.startswith(site_dir) and os.path.join(folder, "") != site_dir:
        try:
            os.rmdir(folder)
        except OSError:  # not empty (or gone)
            return
        folder = os.path.dirname(folder)
