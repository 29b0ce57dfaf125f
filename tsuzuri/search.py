"""Search: an inverted index of every post's words, split into small files the browser fetches
a few of per query (docs/assets/search.js reads them).

Why our own index and not Pagefind: at the real blog's size Pagefind's index of character pairs
took 52 CPU-s and 2.2 GB to build, and a query fetched 0.6-1 MB of word lists (it keeps every
position of every word, in chunks by alphabetical order). What a reader's query needs is less:
which posts hold each of its words, how often, and whether in the title. Positions are not
needed: a post holding all the pairs of a Japanese word almost always says the word, and the
browser checks the text it fetches for the excerpt before it shows a post.

The bundle (``site/searchindex/``):
- ``meta.json``: the index's id, its number of posts and word files, and per post (numbered
  oldest first, so the number is the date order) its length in words, categories and tags (for
  ranking, filters and their counts);
- ``w/<n>.bin``: the posts of the words whose hash is ``n`` (gzip): per word its posts, its
  count in each post's text, and flags (title, heading, tags and aliases) with the word's place
  in the title. A Latin word is filed by its first three letters, so the file of ``fox`` holds
  every word that starts so (``foxc`` finds Foxconn while the reader types);
- ``p/<n>.json``: post ``n``'s URL, title, date, categories and text: the excerpt, and the
  check that the query's words stand together.

Words (tsuzuri/search_terms.py): Japanese as character pairs and characters, Latin words and
numbers whole. Tags and the aliases of the entities a post mentions are indexed too (any
spelling finds the post) but flagged: they never rank a post above one whose text says it.

Rebuilds: each post's words are cached by content hash (``.cache/search/words``); an unchanged
site reuses the last bundle whole (``.cache/search/last``). Building the index is linear in the
posts and runs in a process of its own beside MkDocs (``Indexer``).

Nothing here imports MkDocs; the adapter calls ``build_index`` or ``Indexer``.
"""

from __future__ import annotations

import array
import atexit
import gzip
import hashlib
import html
import json
import marshal
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Callable, Iterable

from . import search_terms
from .cache import ByIdentity, write_atomic
from .search_terms import counts

VERSION = "8"             # bump when the bundle's format changes (code_key() also sees edits)
BUNDLE = "searchindex"    # the bundle's folder in the site
WORD_FILE_BYTES = 8000    # aim for word files of about this size (gzip), see _word_files
SHARD = 256               # posts per shard: the unit read (in parallel) and cached
# A word's flags in a post (its value's second byte): where besides the text it stands.
TITLE, HEADING, EXTRA = 1, 2, 4


def code_key() -> str:
    """What shapes the bundle besides the posts: this module's and the words' code. Part of
    every cache key: an edit never serves words or a bundle made by the old code."""
    return _code()[:16]


@lru_cache(maxsize=None)
def _code() -> str:
    h = hashlib.sha1(VERSION.encode())
    for module in (__file__, search_terms.__file__):
        h.update(Path(module).read_bytes())
    return h.hexdigest()


@dataclass(frozen=True)
class SearchDoc:
    """What the index knows of one post."""
    url: str                          # site-relative, "2025/09/18/slug/"
    title: str
    date: str                         # as shown, "2025年9月18日"
    date_iso: str                     # sort key
    text: str                         # plain text of the article body
    headings: tuple[str, ...] = ()    # the article's section headings, as plain text
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()    # canonical names of the entities mentioned
    aliases: tuple[str, ...] = ()     # every other spelling of those entities

    @cached_property
    def key(self) -> str:
        """Content hash: the key of the post's cached words and part of the bundle's id."""
        h = hashlib.sha1(code_key().encode())
        for part in (self.url, self.title, self.date, self.date_iso, _text_digest(self.text), *self.headings,
                     "\0", *self.categories, "\0", *self.tags, "\0", *self.entities, "\0", *self.aliases):
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\x1f")
        return h.hexdigest()[:20]


# An article's text is hashed once per content object (mkdocs serve keeps unchanged posts' text).
_text_digest = ByIdentity(lambda text: hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest())


def docs_from_site(site) -> list[SearchDoc]:
    """One SearchDoc per published post; entity aliases come from ``site.registry`` when present."""
    registry = getattr(site, "registry", None)
    known = getattr(registry, "entities", {}) or {}
    _text_digest.new_build()
    docs = []
    for post in site.posts:
        names, aliases = [], []
        for eid in getattr(post, "mentions", {}) or {}:
            entity = known.get(eid)
            if entity is None:
                continue
            names.append(entity.name)
            aliases += [a for a in entity.aliases if a != entity.name and a not in aliases]
        d = post.date
        docs.append(SearchDoc(
            url=post.url, title=post.title, date=f"{d.year}年{d.month}月{d.day}日", date_iso=d.isoformat(),
            text=post.text, headings=tuple(_headings(getattr(post, "toc", None) or [])),
            categories=tuple(post.categories), tags=tuple(post.tags),
            entities=tuple(names), aliases=tuple(aliases)))
    return docs


def _headings(toc: list) -> Iterable[str]:
    """Heading texts of a post's toc tokens (names are escaped plain text, see render.safe_toc)."""
    for token in toc:
        if isinstance(token, dict):
            yield html.unescape(str(token.get("name", "")))
            yield from _headings(token.get("children") or [])


def words(doc: SearchDoc) -> tuple[int, dict[str, int]]:
    """The post's length in words and its words, each with a value: its count in the text (the
    low byte, at most 255) and its flags (TITLE, HEADING, EXTRA: the next bits)."""
    found = counts(doc.text)
    length = sum(found.values())
    for w in [w for w, n in found.items() if n > 255]:
        found[w] = 255
    for flag, text in ((HEADING, " / ".join(doc.headings)), (TITLE, doc.title),
                       (EXTRA, " / ".join((*doc.tags, *doc.entities, *doc.aliases)))):
        for w in counts(text):
            found[w] = found.get(w, 0) | flag << 8
    return length, dict(found)


def word_file(word: str, files: int) -> int:
    """The word file holding ``word``: FNV-1a of its UTF-8, of its first three characters for a
    word that starts with a Latin letter (a prefix finds it). search.js, wordFile, agrees."""
    if "a" <= word[:1] <= "z":
        word = word[:3]
    h = 0x811C9DC5
    for b in word.encode("utf-8"):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h & (files - 1)


@dataclass
class IndexStats:
    posts: int = 0
    mode: str = ""              # "full", "cached" (the last bundle reused) or "empty"
    indexed: int = 0            # posts whose words were read this time (not from the cache)
    seconds: float = 0.0        # wall time of build_index
    words_seconds: float = 0.0  # reading the posts' words (or loading them from the cache)
    write_seconds: float = 0.0  # the word files, posts and meta
    peak_rss_mb: float = 0.0    # the indexing process's peak resident memory
    words: int = 0              # distinct words
    bundle_bytes: int = 0
    files: int = 0

    def summary(self) -> str:
        s = f"search: {self.posts} posts ({self.mode}, {self.indexed} read) in {self.seconds:.2f} s"
        if self.mode == "full":
            s += (f" (words {self.words_seconds:.2f} s, files {self.write_seconds:.2f} s), "
                  f"{self.peak_rss_mb:.0f} MB peak, {self.words} words")
        return s + f"; {self.bundle_bytes / 1e6:.1f} MB in {self.files} files"


class SearchError(RuntimeError):
    """The index could not be built; the message says why."""


class Cache:
    """``.cache/search``: the words of each shard of posts by key (and of the newest shard's
    posts one by one), and the last bundle."""

    def __init__(self, root: Path):
        self.root = root
        self.shards = root / "shards"
        self.words = root / "words"     # single posts' words: the newest shard's (see _shards)
        self.last = root / "last"
        self.used: set[str] = set()
        self.tail: set[str] = set()

    def shard(self, key: str):
        self.used.add(key)
        return _load(self.shards / key)

    def store_shard(self, key: str, part) -> None:
        write_atomic(self.shards / key, marshal.dumps(part))   # (a cache not written only costs time)

    def last_id(self) -> str | None:
        return _bundle_id(self.last)

    def prune(self) -> None:
        """Drop the shards this build did not use, and single posts' words outside the newest shard."""
        for folder, keep in ((self.shards, self.used), (self.words, self.tail)):
            for path in folder.iterdir() if folder.exists() else ():
                if path.name not in keep:
                    path.unlink(missing_ok=True)


def _bundle_id(folder: Path) -> str | None:
    try:
        return json.loads((folder / "meta.json").read_text(encoding="utf-8")).get("id")
    except (OSError, ValueError, AttributeError):
        return None


def ordered(docs: Iterable[SearchDoc]) -> list[SearchDoc]:
    """Oldest first: a post's number is its place in date order (the browser sorts by it)."""
    return sorted(docs, key=lambda d: (d.date_iso, d.url))


def bundle_id(docs: list[SearchDoc]) -> str:
    h = hashlib.sha1(code_key().encode())
    for doc in docs:
        h.update(doc.key.encode())
    return h.hexdigest()[:16]


def build_index(docs_or_site, out_dir: Path, cache_dir: Path | None = None, *, workers: int = 1) -> IndexStats:
    """Write the search bundle for these posts into ``out_dir`` (the site's ``searchindex/``).

    ``docs_or_site`` is a list of SearchDoc or a loaded Site. With ``cache_dir`` (the project's
    ``.cache/search``) unchanged shards of posts are not read again and an unchanged site reuses
    the last bundle. ``workers`` > 1 reads shards in that many processes. Raises SearchError
    when a file cannot be written.
    """
    start = time.perf_counter()
    docs = ordered(docs_or_site if isinstance(docs_or_site, (list, tuple)) else docs_from_site(docs_or_site))
    out_dir = Path(out_dir)
    stats = IndexStats(posts=len(docs))
    cache = Cache(Path(cache_dir)) if cache_dir is not None else None
    ident = bundle_id(docs)
    try:
        if cache is not None and cache.last_id() == ident:
            stats.mode = "cached"
            if _bundle_id(out_dir) != ident:
                _install(cache.last, out_dir)
        else:
            stats.mode = "full" if docs else "empty"
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(prefix=".searchindex-", dir=out_dir.parent) as tmp:
                bundle = Path(tmp) / "bundle"
                _write_bundle(docs, ident, bundle, cache, stats, workers)
                if cache is not None:
                    shutil.rmtree(cache.last, ignore_errors=True)
                    _link_tree(bundle, cache.last)
                    cache.prune()
                _replace_dir(bundle, out_dir)
    except OSError as exc:
        raise SearchError(f"could not write the search index: {exc}") from exc
    for folder, _, names in os.walk(out_dir):
        stats.files += len(names)
        stats.bundle_bytes += sum(os.stat(os.path.join(folder, n)).st_size for n in names)
    # this process or the largest reading process (workers > 1)
    stats.peak_rss_mb = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
    stats.seconds = time.perf_counter() - start
    return stats


def _write_bundle(docs: list[SearchDoc], ident: str, out: Path, cache: Cache | None, stats: IndexStats,
                  workers: int) -> None:
    t = time.perf_counter()
    shift = 16 if len(docs) < 1 << 16 else 32
    parts = _shards(docs, shift, cache, stats, workers)
    posts: dict[str, list[bytes]] = defaultdict(list)   # word -> its postings, shard by shard
    lengths: list[int] = []
    for shard_lengths, found in parts:
        lengths += shard_lengths
        for word, postings in found.items():
            posts[word].append(postings)
    stats.words_seconds = time.perf_counter() - t
    stats.words = len(posts)
    t = time.perf_counter()
    files = _word_files(sum(len(b) for ps in posts.values() for b in ps) // (shift // 4))
    grouped: list[list[str]] = [[] for _ in range(files)]
    for word in posts:
        grouped[word_file(word, files)].append(word)
    put = _Writer(cache.last if cache is not None else None)
    (out / "w").mkdir(parents=True)
    for n, group in enumerate(grouped):
        if group:
            put(out / "w" / f"{n}.bin", gzip.compress(_encode(sorted(group), posts, shift), 6, mtime=0))
    (out / "p").mkdir()
    for number, doc in enumerate(docs):
        put(out / "p" / f"{number}.json", json.dumps(
            {"url": doc.url, "title": doc.title, "date": doc.date, "category": " / ".join(doc.categories),
             "text": doc.text}, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    (out / "meta.json").write_text(json.dumps(_meta(docs, ident, files, shift, lengths),
                                              ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    stats.write_seconds = time.perf_counter() - t


class _Writer:
    """Writes the bundle's files, linking a file of the last bundle instead when its bytes are the
    same: after one new post most word files and every other post's text are (the bundle is
    deterministic), and writing 6,600 files while MkDocs writes its pages took 7 s on the real
    blog; reading and comparing them is a fraction of that."""

    def __init__(self, last: Path | None):
        self.last = last if last is not None and _bundle_id(last) is not None else None

    def __call__(self, dest: Path, data: bytes) -> None:
        if self.last is not None:
            prev = self.last / dest.parent.name / dest.name
            try:
                if prev.stat().st_size == len(data) and prev.read_bytes() == data:
                    os.link(prev, dest)
                    return
            except OSError:
                pass
        dest.write_bytes(data)


def _shards(docs: list[SearchDoc], shift: int, cache: Cache | None, stats: IndexStats, workers: int) -> list:
    """Each shard's (lengths, word -> postings), from the cache or read (in ``workers``
    processes when more than one shard is to be read)."""
    out: list = [None] * ((len(docs) + SHARD - 1) // SHARD)
    todo = []
    for i in range(len(out)):
        group = docs[i * SHARD:(i + 1) * SHARD]
        key = _shard_key(group, i * SHARD, shift)
        out[i] = cache.shard(key) if cache is not None else None
        if out[i] is None:
            todo.append((i, group, key))
    # The newest shard, not full yet, changes with every new post: its posts' words are also
    # cached one by one, so that a new post reads itself, not the shard's other 255 posts.
    tail = cache.words if cache is not None and len(docs) % SHARD else None
    if cache is not None:
        cache.tail = {d.key for d in docs[len(docs) - len(docs) % SHARD:]}
    args = [(g, i * SHARD, shift, tail if i == len(out) - 1 else None) for i, g, _ in todo]
    if workers > 1 and len(todo) > 1:
        _importable()
        with ProcessPoolExecutor(min(workers, len(todo)), mp_context=multiprocessing.get_context("spawn")) as pool:
            done = list(pool.map(_read_shard, *zip(*args)))
    else:
        done = [_read_shard(*a) for a in args]
    stats.indexed += sum(read for *_, read in done)
    done = [part for *part, _ in done]
    for (i, _, key), part in zip(todo, done):
        out[i] = part
        if cache is not None:
            cache.store_shard(key, part)
    return out


def _shard_key(docs: list[SearchDoc], start: int, shift: int) -> str:
    h = hashlib.sha1(f"{code_key()}\0{start}\0{shift}".encode())
    for doc in docs:
        h.update(doc.key.encode())
    return h.hexdigest()[:20]


def _read_shard(docs: list[SearchDoc], start: int, shift: int,
                words_dir: Path | None = None) -> tuple[list[int], dict[str, bytes], int]:
    """The words of posts numbered from ``start``: their lengths, per word its postings as
    bytes, and how many posts were read (not from ``words_dir``, the cache of single posts'
    words). A posting is one integer, the post's number then the word's value (``words``) in
    the low 16 bits (32 past 65,535 posts). One append per posting: the index's main cost."""
    posts: dict[str, list[int]] = defaultdict(list)
    lengths, read = [], 0
    for number, doc in enumerate(docs, start):
        entry = _load(words_dir / doc.key) if words_dir is not None else None
        if entry is None:
            entry, read = words(doc), read + 1
            if words_dir is not None:
                write_atomic(words_dir / doc.key, marshal.dumps(entry))
        length, found = entry
        lengths.append(length)
        base = number << shift
        for word, value in found.items():
            posts[word].append(base | value)
    typecode = "I" if shift == 16 else "Q"
    little = sys.byteorder == "little"

    def pack(postings: list[int]) -> bytes:
        a = array.array(typecode, postings)
        if not little:
            a.byteswap()
        return a.tobytes()
    return lengths, {word: pack(postings) for word, postings in posts.items()}, read


def _load(path: Path):
    """A cached entry (a shard's or a post's words), or None when missing or damaged."""
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None


def _word_files(postings: int) -> int:
    """How many word files: a power of two (a hash's low bits pick one) that keeps a file near
    WORD_FILE_BYTES (a posting is about 3 bytes gzipped)."""
    files = 1
    while files * WORD_FILE_BYTES < postings * 3 and files < 1 << 16:
        files <<= 1
    return files


def _encode(group: list[str], posts: dict[str, list[bytes]], shift: int) -> bytes:
    """A word file: per word, its UTF-8 length (1 byte) and bytes, its number of posts (4),
    then its postings (4 bytes each, 8 past 65,535 posts; little-endian) as byte planes: every
    posting's first byte, then every second byte... (gzip then finds the runs: the flags byte
    is mostly 0, the high byte of the post number changes rarely). About a third smaller."""
    out = bytearray()
    size = shift // 4
    for word in group:
        raw = word.encode("utf-8")[:255]
        postings = b"".join(posts[word])
        out += len(raw).to_bytes(1, "little") + raw + (len(postings) // size).to_bytes(4, "little")
        for plane in range(size):
            out += postings[plane::size]
    return bytes(out)


def _meta(docs: list[SearchDoc], ident: str, files: int, shift: int, lengths: list[int]) -> dict:
    names: dict[str, dict[str, int]] = {"category": {}, "tag": {}}

    def ids(kind: str, values: Iterable[str]) -> list[int]:
        table = names[kind]
        return [table.setdefault(v, len(table)) for v in dict.fromkeys(values)]
    categories = [ids("category", d.categories) for d in docs]
    tags = [ids("tag", d.tags) for d in docs]
    # lengths in hundreds of words (ranking needs their ratio to the average, not the digits)
    return {"version": VERSION, "id": ident, "posts": len(docs), "files": files, "shift": shift,
            "length": [max(1, round(n / 100)) for n in lengths], "categories": list(names["category"]), "tags": list(names["tag"]),
            "category": categories, "tag": tags}


def _link_tree(src: Path, dst: Path) -> None:
    """Copy a folder by hard links (instant, no extra space); plain copies across filesystems."""
    def link(s, d):
        try:
            os.link(s, d)
        except OSError:
            shutil.copy2(s, d)
    shutil.copytree(src, dst, copy_function=link, dirs_exist_ok=True)


def _replace_dir(new: Path, dest: Path) -> None:
    """Put ``new`` at ``dest``, removing what was there (never half-written)."""
    old = dest.with_name(dest.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        dest.rename(old)
    new.rename(dest)
    shutil.rmtree(old, ignore_errors=True)


def _install(src: Path, dest: Path) -> None:
    """A copy of bundle ``src`` at ``dest`` (hard links)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".searchindex-", dir=dest.parent) as tmp:
        _link_tree(src, Path(tmp) / "bundle")
        _replace_dir(Path(tmp) / "bundle", dest)


def install_last(cache_dir: Path, out_dir: Path) -> bool:
    """Put the last bundle at ``out_dir`` at once (possibly a little stale): the preview's
    search works while the current one is built. False when there is none, or one is there."""
    last = Cache(Path(cache_dir)).last
    if _bundle_id(last) is None or Path(out_dir).exists():
        return False
    try:
        _install(last, Path(out_dir))
    except OSError:
        return False
    return True


def _importable() -> None:
    """A spawned process imports this package from the parent's sys.path: keep its folder
    there (MkDocs restores sys.path after loading the hook that imported it)."""
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.append(root)


@dataclass
class Indexer:
    """Builds the index in a process of its own (one build at a time, the newest request
    wins), so ``mkdocs build`` renders pages meanwhile on the other core and ``mkdocs serve``
    never waits for it."""
    cache_dir: Path | None        # None: no cache, every build reads every post's words
    on_done: Callable[[IndexStats | None, Exception | None, Path], None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None
    _pending: tuple | None = None
    _pool: ProcessPoolExecutor | None = None
    result: IndexStats | None = None
    error: Exception | None = None

    def start(self, docs: list[SearchDoc], out_dir: Path) -> None:
        with self._lock:
            self._pending = (docs, Path(out_dir))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="tsuzuri-search", daemon=True)
                self._thread.start()

    def _build(self, docs, out_dir) -> IndexStats:
        if self._pool is None:   # spawned, not forked: this process has threads
            _importable()
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            atexit.register(self.close)   # (a pool left to the interpreter's teardown complains)
        return self._pool.submit(build_index, docs, out_dir, self.cache_dir).result()

    def _run(self) -> None:
        while True:
            with self._lock:
                if self._pending is None:
                    return
                docs, out_dir = self._pending
                self._pending = None
            try:
                self.result, self.error = self._build(docs, out_dir), None
            except Exception as exc:  # reported through on_done / wait(), never lost
                self.result, self.error = None, exc
                if self._pool is not None and "BrokenProcessPool" in type(exc).__name__:
                    self._pool = None
            if self.on_done:
                self.on_done(self.result, self.error, out_dir)

    def wait(self) -> IndexStats:
        """Block until the queued builds are done; re-raise a failure."""
        while True:
            thread = self._thread
            if thread is None:
                break
            thread.join()
            with self._lock:
                if self._pending is None and not (self._thread and self._thread.is_alive()):
                    break
        if self.error:
            raise self.error
        return self.result

    def close(self) -> None:
        """End the indexing process (waits for a build under way)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
