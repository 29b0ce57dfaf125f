"""MkDocs adapter, preview part: ``mkdocs serve`` hears a saved post at once.

MkDocs' own watcher polls every watched file twice a second; this hook swaps in the operating
system's file events (see on_serve).
"""

from __future__ import annotations

import contextlib
import os

from watchdog import events
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

POLL_SECONDS = 0.2  # mkdocs serve with TSUZURI_WATCH=poll: how often to look for saved files


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
    server.observer = PollingObserver(timeout=POLL_SECONDS) if poll else _ChangeObserver()
    for path in moved:
        server.watch(path)
    return server


class _ChangeObserver(Observer):
    """The OS's observer, passing on changes only: it also reports files being opened and read,
    and every build reads posts and templates, so each build would trigger the next."""
    CHANGES = [events.FileCreatedEvent, events.FileModifiedEvent, events.FileMovedEvent, events.FileDeletedEvent,
               events.FileClosedEvent, events.FileAttribEvent]

    def schedule(self, handler, path, *, recursive=False, event_filter=None, **kwargs):
        return super().schedule(handler, path, recursive=recursive, event_filter=event_filter or self.CHANGES,
                                **kwargs)
