"""MkDocs adapter, preview part: ``mkdocs serve`` hears a saved post at once and, when it can,
rebuilds only what the save changed.

- on_serve: watch with the OS's file events instead of MkDocs' poll, and wrap MkDocs' builder
  with ``_rebuild``: saved posts go through the fast path (``tsuzuri.refresh``), anything else
  through MkDocs' whole build.

The fast path re-reads the saved posts alone, re-derives the page set in memory, renders the
pages whose inputs changed with the last build's MkDocs objects (``tsuzuri.session``) and lets
MkDocs reload the browsers. The files that follow from every post (feeds, sitemap, llms.txt,
the search index) are brought up to date after that, in the background: the next rebuild
waits for them.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mkdocs.commands.build import _build_page, _populate_page  # noqa: E402
from watchdog import events  # noqa: E402
from watchdog.observers import Observer  # noqa: E402
from watchdog.observers.polling import PollingObserver  # noqa: E402

from tsuzuri import outputs as tz_outputs  # noqa: E402
from tsuzuri import pages as tz_pages  # noqa: E402
from tsuzuri import refresh as tz_refresh  # noqa: E402
from tsuzuri import search as tz_search  # noqa: E402
from tsuzuri.session import current as session  # noqa: E402

log = logging.getLogger("mkdocs.plugins.tsuzuri")
POLL_SECONDS = 0.2  # mkdocs serve with TSUZURI_WATCH=poll: how often to look for saved files

_changes: set[str] = set()          # paths saved since the last rebuild began
_changes_lock = threading.Lock()
_settling: list[threading.Thread] = []   # the fast path's background step, joined by the next rebuild


def on_serve(server, config, **_):
    """Watch with the OS's file events (inotify, FSEvents, ...) instead of MkDocs' poll, which
    walks every watched file twice a second: with 1,000 posts that walk competes with each
    rebuild for the interpreter, and a save waits up to 0.5 s to be seen. TSUZURI_WATCH=poll
    polls every 0.2 s instead, for folders that send no events (network drives, some VMs).
    The paths MkDocs watched before this event are moved over."""
    moved = []
    for path in [config.docs_dir, config.config_file_path, *config.theme.dirs]:
        with contextlib.suppress(KeyError):
            server.unwatch(path)
            moved.append(path)
    poll = os.environ.get("TSUZURI_WATCH", "").strip().lower() == "poll"
    server.observer = _PollingObserver(timeout=POLL_SECONDS) if poll else _ChangeObserver()
    for path in moved:
        server.watch(path)
    whole = server.builder
    server.builder = lambda: _rebuild(whole)
    gc.freeze()  # the site just built stays: collections need not walk it (~0.3 s a save at 2,500 posts)
    return server


def _rebuild(whole) -> None:
    """MkDocs' rebuild, or the fast path when the saves were only to posts it can refresh."""
    for thread in _settling:
        thread.join()
    _settling.clear()
    with _changes_lock:
        paths = sorted(_changes)
        _changes.clear()
    started = time.perf_counter()
    try:
        done = _fast(paths)
    except Exception as exc:  # a bug in the fast path costs its speed, never the preview
        log.warning(f"tsuzuri: quick rebuild failed ({type(exc).__name__}: {exc}); rebuilding the site")
        done = False
    if done:
        log.info(f"tsuzuri: {done} in {time.perf_counter() - started:.2f} s")
        return
    session.complete = False
    gc.unfreeze()  # the last site becomes garbage: let the collector see it again
    whole()
    gc.freeze()


def _fast(paths: list[str]) -> str | None:
    """Refresh the saved posts and render the pages that show them; None when the whole site
    must be built (see tsuzuri.refresh), before anything was written."""
    site = session.site
    if not (session.complete and site is not None and paths and session.nav is not None):
        return None
    posts_dir = (site.root / site.config.posts_dir).resolve()
    if not all(Path(p).resolve().is_relative_to(posts_dir) for p in paths):
        return None
    diags = tz_refresh.refresh(site, [Path(p) for p in paths])
    if diags is None:
        return None
    session.complete = False  # the site is changing: until this ends, the next rebuild is whole
    for d in diags:
        log.log(d.log_level, d.format())
    specs = tz_pages.build(site)
    if [s.src_uri for s in specs] != list(session.specs):
        return None
    changed = [new for new in specs if not session.specs[new.src_uri].shows_the_same(new)]
    in_nav = {page.file.src_uri for page in session.nav.pages}
    if any(new.title != session.specs[new.src_uri].title and new.src_uri in in_nav for new in changed):
        return None  # every page shows the navigation
    for new in changed:
        session.specs[new.src_uri] = new
    session.plan = tz_outputs.plan(site, list(session.specs.values()), session.plan.identity)
    config, docs = session.config, session.files.documentation_pages()
    for new in changed:
        file = session.generated[new.src_uri]
        file.tsuzuri_spec = new
        file.content_string = new.source()
        if session.pages is not None and session.pages.use:
            session.render[new.src_uri] = session.pages.lookup(new)
        _populate_page(file.page, config, session.files)
        _build_page(file.page, config, docs, session.nav, session.env)
    thread = threading.Thread(target=_settle, name="tsuzuri-settle", daemon=True)
    _settling.append(thread)
    thread.start()
    return f"{len(paths)} saved post{'s' if len(paths) > 1 else ''} refreshed, {len(changed)} pages written"


def _settle() -> None:
    """After a fast rebuild: the files that follow from every post, then the search index."""
    try:
        site_dir = Path(session.config.site_dir)
        for path, data in tz_outputs.files(session.plan, session.docs_urls).items():
            if session.published.get(path) != data:
                (site_dir / path).write_bytes(data)
                session.published[path] = data
        if session.pages is not None and session.pages.use:
            session.pages.finish()
        session.indexer.start(tz_search.docs_from_site(session.site), site_dir / tz_search.BUNDLE)
        session.complete = True
    except Exception as exc:  # reported; the next rebuild is a whole one
        log.warning(f"tsuzuri: feeds and search not updated ({type(exc).__name__}: {exc}); "
                    "save again to rebuild the site")


def _recording(handler):
    """The handler MkDocs schedules, noting each changed file's path first."""
    inner = handler.on_any_event

    def on_any_event(event):
        if not event.is_directory:
            with _changes_lock:
                _changes.add(os.fsdecode(event.src_path))
                if getattr(event, "dest_path", ""):
                    _changes.add(os.fsdecode(event.dest_path))
        inner(event)
    handler.on_any_event = on_any_event
    return handler


class _ChangeObserver(Observer):
    """The OS's observer, passing on changes only: it also reports files being opened and read,
    and every build reads posts and templates, so each build would trigger the next."""
    CHANGES = [events.FileCreatedEvent, events.FileModifiedEvent, events.FileMovedEvent, events.FileDeletedEvent,
               events.FileClosedEvent, events.FileAttribEvent]

    def schedule(self, handler, path, *, recursive=False, event_filter=None, **kwargs):
        return super().schedule(_recording(handler), path, recursive=recursive,
                                event_filter=event_filter or self.CHANGES, **kwargs)


class _PollingObserver(PollingObserver):
    def schedule(self, handler, path, *, recursive=False, **kwargs):
        return super().schedule(_recording(handler), path, recursive=recursive, **kwargs)
