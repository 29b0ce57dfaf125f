"""Content cache: a post's read + clean + render work is done once per content.

An entry is keyed by the file's bytes, its path, the engine's own source and the versions
of what renders Markdown. What a post's work read besides its file is recorded while it
runs and checked on every use, so the key never has to guess it:

- the config attributes it read (``timezone`` for dates, ``excerpt_chars`` for summaries;
  ``url``/``baseurl``/``extra`` only matter to posts with Liquid markup), compared by value;
- every ``{% post_url %}``/``{% link %}`` it resolved, re-resolved against this build's posts.

A stale dependency means the work is redone, never served. Entries live in
``.cache/posts/`` of the project being built (the folder holding mkdocs.yml), never of the
folder the posts are read from: reading posts writes nothing beside them. A missing,
unreadable or corrupt entry is a miss (and is replaced), so the folder can be deleted at any
time. ``TSUZURI_CACHE=0`` turns the cache off. Entries are pickles: the folder is as trusted
as the project's own code.

Cold work is spread over a process pool when there is enough of it (``TSUZURI_WORKERS``
sets the number of processes; 1 = none).
"""

from __future__ import annotations

import contextlib
import copy
import gc
import hashlib
import multiprocessing
import os
import pickle
import sys
import time
import zlib
from concurrent.futures.process import BrokenProcessPool
from dataclasses import fields
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

from . import __version__
from .diagnostics import Diagnostics
from .posts import Post, _display, read_post

FORMAT = 1                          # bump when the entry layout changes
LIQUID_ONLY = ("url", "baseurl", "extra")   # config a post without Liquid markup never uses
POOL_MIN = 48                       # fewer cold posts than this are not worth a pool's start-up
# fork: no re-import of the main script (spawn would re-run an unguarded caller's script);
# gc.freeze() keeps the workers' collector off the parent's objects, so they stay shared.
START_METHOD = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
KEEP_UNUSED = 24 * 3600             # entries unused for a day are pruned (other branches, old edits)
_POST_FIELDS = tuple(f.name for f in fields(Post))


def project_cache(root: Path) -> Path:
    """The cache folder of the project whose root (the folder holding mkdocs.yml) is ``root``."""
    return Path(root) / ".cache"


@lru_cache(maxsize=None)
def engine_digest() -> str:
    """The engine's source and the renderer's versions: a code change never serves old output.

    Computed once per process, i.e. for the code that is actually running (``mkdocs serve``
    does not reload it).
    """
    import markdown
    import pygments
    import pymdownx
    import yaml

    h = hashlib.blake2b(digest_size=16)
    h.update(f"{FORMAT}|{__version__}|{sys.version_info[:2]}|{markdown.__version__}|"
             f"{pymdownx.__version__}|{pygments.__version__}|{yaml.__version__}".encode())
    from .liquid import VERSION as liquid_version
    h.update(f"|liquid {liquid_version}".encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


class ByIdentity:
    """``fn(text)`` remembered by the string's identity, for this build and the last: under
    ``mkdocs serve`` an unchanged post keeps its strings (this module's memory), so a rebuild
    does not hash megabytes of unchanged text again. ``new_build()`` starts a generation."""

    def __init__(self, fn: Callable[[str], str]) -> None:
        self.fn = fn
        self.generations: list[dict[int, tuple[str, str]]] = [{}, {}]

    def new_build(self) -> None:
        self.generations = [{}, self.generations[0]]

    def __call__(self, text: str) -> str:
        for generation in self.generations:
            known = generation.get(id(text))
            if known is not None and known[0] is text:
                self.generations[0][id(text)] = known
                return known[1]
        value = self.fn(text)
        self.generations[0][id(text)] = (text, value)
        return value


def enabled() -> bool:
    return os.environ.get("TSUZURI_CACHE", "1").strip().lower() not in ("0", "off", "false", "no")


class _Recording:
    """A read-only view of the config that remembers which attributes were read."""

    def __init__(self, config, skip: tuple[str, ...] = ()) -> None:
        self._config, self._skip, self.used = config, skip, {}

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._config, name)
        if name not in self._skip:
            self.used.setdefault(name, value)
        return value


def _deps_hold(used: dict, config) -> bool:
    try:
        return all(getattr(config, name) == value for name, value in used.items())
    except AttributeError:  # a field the current engine no longer has
        return False


def _has_liquid(post: Post) -> bool:
    return "{{" in post.body or "{%" in post.body


def prepare_one(post: Post, config, renderer, resolve, prepare: Callable) -> dict:
    """Run ``prepare`` on post; return what it changed and what it depended on."""
    before = {name: getattr(post, name) for name in _POST_FIELDS}
    start = len(post.diagnostics)
    recording = _Recording(config, () if _has_liquid(post) else LIQUID_ONLY)
    links: list[tuple[str, str, str | None]] = []

    def tracked(kind: str, arg: str) -> str | None:
        target = resolve(kind, arg)
        links.append((kind, arg, target))
        return target

    prepare(post, recording, renderer, tracked)
    changed = {name: getattr(post, name) for name in _POST_FIELDS
               if name != "diagnostics" and getattr(post, name) is not before[name]}
    return {"fields": changed, "diags": list(post.diagnostics[start:]),
            "deps": recording.used, "links": links}


def apply(post: Post, prep: dict) -> None:
    for name, value in prep["fields"].items():
        setattr(post, name, type(value)(value) if type(value) in (list, dict) else value)
    post.diagnostics.extend(prep["diags"])


MAGIC = b"TZC1"


def write_atomic(path: Path, data: bytes) -> bool:
    """Write data to path whole or not at all (readers never see half a file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return True
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False


def seal(data: bytes) -> bytes:
    """Data with a checksum: a damaged entry is found out rather than served."""
    return MAGIC + zlib.crc32(data).to_bytes(4, "big") + data


def unseal(blob: bytes) -> bytes:
    data = blob[8:]
    if blob[:4] != MAGIC or zlib.crc32(data).to_bytes(4, "big") != blob[4:8]:
        raise ValueError("damaged cache entry")
    return data


def _well_formed(entry) -> bool:
    if not (isinstance(entry, dict) and entry.get("format") == FORMAT and isinstance(entry.get("read"), bytes)
            and isinstance(entry.get("read_deps"), dict)):
        return False
    deps = entry.get("prep_deps")
    if deps is None:
        return True
    return (isinstance(deps, tuple) and len(deps) == 2 and isinstance(deps[0], dict)
            and isinstance(deps[1], list) and all(isinstance(x, tuple) and len(x) == 3 for x in deps[1])
            and isinstance(entry.get("prep"), bytes))


def _pickle(value) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


class _Utf8:
    """A long non-ASCII str, pickled as UTF-8 bytes encoded here.

    Pickling a str itself makes CPython keep a UTF-8 copy inside the string for as long as it
    lives: +150% for every Japanese body, HTML and text a cold build pickles (about 200 MB
    at 3,000 posts). Unpickling gives a plain str.
    """

    __slots__ = ("data",)

    def __init__(self, text: str) -> None:
        self.data = text.encode("utf-8", "surrogatepass")

    def __reduce__(self):
        return _from_utf8, (self.data,)


def _wire_read(read: tuple) -> tuple:
    post, diags = read
    return (_wire(post) if post is not None else None, diags)


def _from_utf8(data: bytes) -> str:
    return data.decode("utf-8", "surrogatepass")


def _wire(value):
    """value, with its long texts (a Post's fields, a dict's values) ready to pickle (_Utf8)."""
    def text(v):
        return _Utf8(v) if isinstance(v, str) and len(v) > 200 and not v.isascii() else v
    if isinstance(value, Post):
        c = copy.copy(value)
        for name in _POST_FIELDS:
            setattr(c, name, text(getattr(c, name)))
        return c
    if isinstance(value, dict):
        return {k: _wire(v) if isinstance(v, dict) else text(v) for k, v in value.items()}
    return text(value)


def _unpickled(entry: dict, part: str):
    """An entry's read or prep part as objects, unpickled once per process (then bytes dropped)."""
    if part + "_obj" not in entry:
        entry[part + "_obj"] = pickle.loads(entry[part])
        del entry[part]
    return entry[part + "_obj"]


def _fresh(post: Post) -> Post:
    """A copy whose lists and dicts are its own: later build steps may change them in place."""
    copy_ = copy.copy(post)
    for name in _POST_FIELDS:
        value = getattr(post, name)
        if isinstance(value, (list, dict)):
            setattr(copy_, name, type(value)(value))
    return copy_


# This process's memory of entries (``mkdocs serve`` rebuilds without reading them again)
# and of which key each unchanged file has.
_MEMO: dict[str, dict] = {}
_SEEN: dict[Path, tuple[tuple, str]] = {}
_TOUCHED: set[str] = set()


class PostCache:
    """Per-build view of ``<cache_dir>/posts``: wraps ``read_post`` and ``prepare``. Without a
    ``cache_dir`` (posts read outside a project) nothing is stored, in memory or on disk."""

    def __init__(self, cache_dir: Path | None, use: bool | None = None) -> None:
        self.dir = Path(cache_dir or ".") / "posts"
        self.use = cache_dir is not None and (enabled() if use is None else use)
        self.writable = True
        self._entries: dict[Post, tuple[str, dict]] = {}
        self._used: set[str] = set()
        self.stats = {"read_hits": 0, "read_misses": 0, "prepare_hits": 0, "prepare_misses": 0,
                      "workers": 1, "errors": 0}

    # -- storage --------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.pkl"

    def _load(self, key: str) -> dict | None:
        path = self._path(key)
        try:
            entry = pickle.loads(unseal(path.read_bytes()))
            if _well_formed(entry):
                return entry
        except FileNotFoundError:
            return None
        except Exception:  # corrupt or from another Python: recompute and replace it
            pass
        self.stats["errors"] += 1
        try:
            path.unlink()
        except OSError:
            pass
        return None

    def _store(self, key: str, entry: dict) -> None:
        if self.writable and not write_atomic(self._path(key), seal(_pickle(entry))):
            self.writable = False  # read-only checkout, full disk: the build goes on uncached
            self.stats["errors"] += 1

    # -- read -----------------------------------------------------------------------------

    def read(self, path: Path, config, posts_dir: Path, root: Path | None = None
             ) -> tuple[Post | None, Diagnostics]:
        """``posts.read_post``, served from the cache when the file and its inputs are unchanged."""
        if not self.use:
            return read_post(path, config, posts_dir, root)
        key = self._key(path, posts_dir, root)
        if key is None:
            return read_post(path, config, posts_dir, root)  # unreadable: it reports the problem
        self._used.add(key)
        entry = _MEMO.get(key) or self._load(key)
        if entry is not None and _deps_hold(entry["read_deps"], config):
            try:
                post, diags = _unpickled(entry, "read")
            except Exception:
                self.stats["errors"] += 1
            else:
                self.stats["read_hits"] += 1
                _MEMO[key] = entry
                if post is None:
                    return None, Diagnostics(diags)
                post = _fresh(post)
                post.path = path
                self._entries[post] = (key, entry)
                return post, post.diagnostics
        self.stats["read_misses"] += 1
        recording = _Recording(config)
        post, diags = read_post(path, recording, posts_dir, root)
        entry = {"format": FORMAT, "read_deps": recording.used, "read": _pickle(_wire_read((post, diags))),
                 "prep_deps": None}
        self._store(key, entry)
        if post is not None and post.published:
            self._entries[post] = (key, None)  # completed once prepared (memory: not held till then)
        return post, diags

    def _key(self, path: Path, posts_dir: Path, root: Path | None) -> str | None:
        """The file's bytes and what read_post derives from its path (date, slug, display path).

        Unchanged files (same inode, size, mtime and ctime) are not read again in this process.
        """
        try:
            st = path.stat()
        except OSError:
            return None
        signature = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, str(root), str(posts_dir))
        known = _SEEN.get(path)
        if known is not None and known[0] == signature:
            return known[1]
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        h = hashlib.blake2b(digest_size=20)
        h.update(f"{engine_digest()}|{path.relative_to(posts_dir).as_posix()}|{_display(path, root)}\0".encode())
        h.update(raw)
        _SEEN[path] = (signature, h.hexdigest())
        return _SEEN[path][1]

    # -- prepare --------------------------------------------------------------------------

    def prepare_all(self, posts: list[Post], config, prepare: Callable, make_resolver: Callable,
                    renderer_factory: Callable) -> None:
        """``prepare`` every post (in place), from the cache where its dependencies still hold."""
        resolve = make_resolver(posts, config)
        todo = []
        for post in posts:
            key, entry = self._entries.get(post, (None, None))
            prep = self._cached_prep(entry, config, resolve)
            if prep is not None:
                apply(post, prep)
                self.stats["prepare_hits"] += 1
            else:
                todo.append(post)
        self.stats["prepare_misses"] = len(todo)
        workers, done = _workers(len(todo)), 0
        if workers > 1:
            self.stats["workers"] = workers
            try:
                for post, prep in zip(todo, _pool_map(todo, posts, config, prepare, make_resolver,
                                                      renderer_factory, workers)):
                    apply(post, prep)  # one at a time: a cold build holds no backlog
                    self._keep(post, prep)
                    done += 1
            except (BrokenProcessPool, OSError) as exc:  # no processes here: the rest on this one
                self.stats["pool_error"] = f"{type(exc).__name__}: {exc}"
        renderer = renderer_factory() if done < len(todo) else None
        for post in todo[done:]:
            self._keep(post, prepare_one(post, config, renderer, resolve, prepare))

    def _keep(self, post: Post, prep: dict) -> None:
        """Complete a post's entry with its prepared part."""
        if not self.use or post not in self._entries:
            return
        key, entry = self._entries.pop(post)
        entry = entry or self._load(key)  # a post read this build: its entry is on disk already
        if entry is None:
            return
        self._store(key, {"format": FORMAT, "read_deps": entry["read_deps"],
                          "read": entry["read"] if "read" in entry else _pickle(_wire_read(entry["read_obj"])),
                          "prep_deps": (prep["deps"], prep["links"]), "prep": _pickle(_wire(prep))})
        # (not kept in memory: a cold build of 10,000 posts would hold them all; a later
        # rebuild reads each once)

    def _cached_prep(self, entry: dict | None, config, resolve) -> dict | None:
        if not self.use or entry is None or entry.get("prep_deps") is None:
            return None
        deps, links = entry["prep_deps"]
        if not _deps_hold(deps, config) or any(resolve(k, a) != t for k, a, t in links):
            return None
        try:
            return _unpickled(entry, "prep")
        except Exception:
            self.stats["errors"] += 1
            return None

    # -- housekeeping ---------------------------------------------------------------------

    def finish(self, prune: bool) -> None:
        """Mark this build's entries as used; after a whole-site build, drop long-unused ones."""
        if not self.use:
            return
        if prune:  # the memory copy keeps what this build used (mkdocs serve: the next rebuild)
            for key in set(_MEMO) - self._used:
                del _MEMO[key]
        if not self.dir.is_dir():
            return
        now = time.time()
        for key in self._used - _TOUCHED:
            try:
                os.utime(self._path(key), (now, now))
                _TOUCHED.add(key)
            except OSError:
                pass
        if prune:
            prune_hourly(self.dir)


def prune_hourly(folder: Path) -> None:
    """At most once an hour, drop the entries under folder unused for KEEP_UNUSED."""
    stamp, now = folder / ".pruned", time.time()
    try:
        if not stamp.exists() or stamp.stat().st_mtime < now - 3600:
            prune_unused(folder, now - KEEP_UNUSED)
            stamp.touch()
    except OSError:  # read-only: nothing to tidy
        pass


def prune_unused(folder: Path, before: float) -> int:
    """Delete cache files (and stray temporaries) last used before ``before``."""
    removed = 0
    for path in folder.rglob("*"):
        try:
            if path.is_file() and path.parent != folder and path.stat().st_mtime < before:  # entries only
                path.unlink()
                removed += 1
        except OSError:
            pass
    return removed


# -- process pool -----------------------------------------------------------------------------

def _workers(todo: int) -> int:
    wanted = os.environ.get("TSUZURI_WORKERS")
    try:
        cores = int(wanted) if wanted else len(os.sched_getaffinity(0))
    except (ValueError, AttributeError):
        cores = os.cpu_count() or 1
    if cores <= 1 or todo < POOL_MIN:
        return 1
    return min(cores, todo // (POOL_MIN // 2))


_worker: dict = {}


def _init_worker(table, config, prepare, make_resolver, renderer_factory) -> None:
    stubs = [SimpleNamespace(rel=rel, url=url) for rel, url in table]
    _worker.update(config=config, prepare=prepare, resolve=make_resolver(stubs, config),
                   renderer=renderer_factory())


def _work(post: Post) -> dict:
    w = _worker
    return prepare_one(post, w["config"], w["renderer"], w["resolve"], w["prepare"])


def _pool_map(todo, posts, config, prepare, make_resolver, renderer_factory, workers):
    """prepare_one over todo in ``workers`` processes; yields the results in order.

    Each worker gets a copy of its posts with an empty diagnostics list; the parent applies
    the returned changes (and diagnostics) to its own objects.
    """
    from concurrent.futures import ProcessPoolExecutor

    table = [(p.rel, p.url) for p in posts]
    ctx = multiprocessing.get_context(START_METHOD)

    def light(post: Post) -> Post:
        c = _wire(post)
        c.diagnostics = Diagnostics()
        return c

    # A new process imports the engine from sys.path, which MkDocs restores after loading hooks.
    package_root = str(Path(__file__).resolve().parent.parent)
    added = package_root not in sys.path
    if added:
        sys.path.insert(0, package_root)
    gc.freeze()
    try:
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                                 initargs=(table, config, prepare, make_resolver, renderer_factory)) as pool:
            yield from pool.map(_work, map(light, todo), chunksize=max(1, min(16, len(todo) // (workers * 8))))
    finally:
        gc.unfreeze()
        if added and package_root in sys.path:
            sys.path.remove(package_root)


class Memo:
    """A small keyed memo in one file, ``<cache_dir>/<name>.pkl`` (e.g. entity mentions by page
    content and registry). Entries a build did not use are dropped when it saves, so the file
    holds one site's worth; ``mkdocs serve`` keeps it in memory between rebuilds. Without a
    ``cache_dir`` it remembers nothing."""

    _process: dict[str, dict] = {}

    def __init__(self, cache_dir: Path | None, name: str) -> None:
        self.path = Path(cache_dir or ".") / f"{name}.pkl"
        self.use = cache_dir is not None and enabled()
        self.old = self._load() if self.use else {}
        self.new: dict = {}

    def _load(self) -> dict:
        key = str(self.path)
        if key in Memo._process:
            return Memo._process[key]
        try:
            data = pickle.loads(unseal(self.path.read_bytes()))
            return data if isinstance(data, dict) else {}
        except Exception:  # missing, damaged or from another Python: start empty
            return {}

    def get(self, key: str):
        value = self.old.get(key)
        if value is not None:
            self.new[key] = value
        return value

    def put(self, key: str, value) -> None:
        self.new[key] = value

    def save(self) -> None:
        if not self.use:
            return
        Memo._process[str(self.path)] = self.new
        if self.new.keys() != self.old.keys():
            write_atomic(self.path, seal(pickle.dumps(self.new, protocol=pickle.HIGHEST_PROTOCOL)))
