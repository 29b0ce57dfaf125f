"""What the MkDocs adapter keeps between builds, in one declared object.

``mkdocs serve`` runs many builds in one process; the hooks (hooks/*.py) keep no state of
their own but read and write ``current``. A ``mkdocs build`` is a session of one build. The
engine's own memos (unchanged posts' HTML, feeds, scans) are keyed by content and live with the
code that fills them; this object holds what the adapter needs to find its way back to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Session:
    command: str = "build"        # on_startup's: "build" or "serve"
    dirty: bool = False           # --dirty: unchanged pages are not written

    # The engine's last build (tsuzuri_hooks.py)
    site: Any = None              # site.Site
    specs: dict = field(default_factory=dict)       # src_uri -> pages.PageSpec
    plan: Any = None              # outputs.Plan
    docs_urls: list = field(default_factory=list)   # URLs of docs/ pages (the sitemap lists them)
    indexer: Any = None           # search.Indexer: its process serves every rebuild
    published: dict = field(default_factory=dict)   # path in site/ -> bytes of feeds, sitemap, llms

    # The page cache (tsuzuri_incremental.py)
    pages: Any = None             # pagecache.PageCache
    parts: list = field(default_factory=list)       # what every page sees besides its own data
    render: dict = field(default_factory=dict)      # src_uri -> (fingerprint, stored?) this build
    built: dict = field(default_factory=dict)       # src_uri -> stored? for pages written this build
    written: dict = field(default_factory=dict)     # output file -> fingerprint of what it holds
    loaded: str | None = None     # the site/ whose written-files record was read (--dirty)
    dests: set = field(default_factory=set)         # every output of this build (--dirty)

    # MkDocs' objects of the last full build: the preview renders changed pages with them
    complete: bool = False        # the last build ran to its end (else the preview rebuilds all)
    generated: dict = field(default_factory=dict)   # src_uri -> File of each generated page
    config: Any = None
    nav: Any = None
    files: Any = None
    env: Any = None


current = Session()
