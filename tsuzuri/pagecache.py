"""Rendered-page cache: a page whose inputs did not change is not rendered again.

A page's output is a function of (1) its PageSpec (title, template, context, HTML, TOC),
(2) the templates its template reaches through extends/include/import, (3) the site-wide
inputs every page sees (the MkDocs config file, the site URL, the navigation, the hook and
engine code, the theme and library versions). The fingerprint hashes all three; the adapter
asks for a page by fingerprint and, on a hit, hands MkDocs the stored HTML through a
one-line template instead of rendering Material's. Entries live in ``.cache/pages/``;
anything unreadable is a miss. No MkDocs import here: the adapter passes plain values and
the theme's Jinja environment.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import threading
import time
from pathlib import Path
from typing import Iterable

from jinja2 import Environment, TemplateNotFound, nodes
from jinja2.bccache import Bucket, FileSystemBytecodeCache

from .cache import ByIdentity, enabled, engine_digest, prune_hourly, seal, unseal, write_atomic

CACHED_TEMPLATE = "tsuzuri-cached.html"
# the stored output as is; if it vanished since it was found, render the page's own template
CACHED_SOURCE = ("{% if tsuzuri_cached is none %}{% include tsuzuri_template %}"
                 "{% else %}{{ tsuzuri_cached }}{% endif %}")


def digest(*parts: str | bytes) -> str:
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def spec_digest(spec) -> str:
    """Everything of a PageSpec a template can see (the Post object itself is not shown)."""
    data = (spec.dest_uri, spec.src_uri, spec.title, spec.template, spec.context, spec.toc)
    # pickle: 3-4x faster than JSON over 2,700 list pages. "fast" mode keeps no memo, so the
    # bytes depend on values only, never on which objects happen to be shared.
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=5)
    pickler.fast = True
    try:
        pickler.dump(data)
        value = buf.getvalue()
    except Exception:  # not picklable: repr of what JSON cannot take (an unstable repr only costs a miss)
        value = json.dumps(data, ensure_ascii=False, sort_keys=True, default=repr).encode("utf-8", "surrogatepass")
    return digest(value, _html_digest(spec.html))


# Post HTML is hashed once per content object (mkdocs serve keeps unchanged posts' HTML).
_html_digest = ByIdentity(digest)


class Templates:
    """Digest of a template and every template it reaches, as the theme's loader resolves them.

    A reference built at render time (``".icons/" ~ name ~ ".svg"``) depends on every file of
    the project's own template folders under its constant prefix (all of them if it has none);
    the installed theme's files are covered by its version in the site fingerprint.
    """

    def __init__(self, env: Environment, own_dirs: Iterable[str | Path], known: dict | None = None) -> None:
        self.env, self.own_dirs = env, [Path(d) for d in own_dirs if d]
        self._refs: dict[str, tuple[str, list[str], list[str]]] = {}
        self._digests: dict[str, str] = {}
        self.known = known if known is not None else {}  # source digest -> references (parsing is slow)
        self.learned = False

    def _scan(self, name: str) -> tuple[str, list[str], list[str]]:
        """(source digest, static references, dynamic reference prefixes) of one template."""
        if name not in self._refs:
            try:
                source, _, _ = self.env.loader.get_source(self.env, name)
            except TemplateNotFound:
                self._refs[name] = ("missing", [], [])
                return self._refs[name]
            source_digest = digest(source)
            if source_digest in self.known:
                static, prefixes = self.known[source_digest]
                self._refs[name] = (source_digest, list(static), list(prefixes))
                return self._refs[name]
            static, prefixes = [], []
            for node in self.env.parse(source).find_all((nodes.Extends, nodes.Include, nodes.Import,
                                                         nodes.FromImport)):
                target = node.template
                if isinstance(target, nodes.Const):
                    values = target.value if isinstance(target.value, (list, tuple)) else [target.value]
                    static += [str(v) for v in values]
                elif isinstance(target, (nodes.Tuple, nodes.List)) and all(
                        isinstance(i, nodes.Const) for i in target.items):
                    static += [str(i.value) for i in target.items]
                elif isinstance(target, nodes.Concat) and isinstance(target.nodes[0], nodes.Const):
                    prefixes.append(str(target.nodes[0].value))
                else:
                    prefixes.append("")  # unknown: any of our templates
            self._refs[name] = (source_digest, static, prefixes)
            self.known[source_digest] = [static, prefixes]
            self.learned = True
        return self._refs[name]

    def digest(self, name: str) -> str:
        if name not in self._digests:
            seen, todo, prefixes = {}, [name], set()
            while todo:
                current = todo.pop()
                if current in seen:
                    continue
                source_digest, static, dynamic = self._scan(current)
                seen[current] = source_digest
                todo += static
                prefixes.update(dynamic)
            parts = [f"{n}={d}" for n, d in sorted(seen.items())]
            for prefix in sorted(prefixes):
                for folder in self.own_dirs:
                    base = folder / prefix.rpartition("/")[0] if "/" in prefix else folder
                    for path in sorted(base.rglob("*")) if base.is_dir() else []:
                        rel = path.relative_to(folder).as_posix()
                        if path.is_file() and rel.startswith(prefix):
                            parts.append(f"{rel}={digest(path.read_bytes())}")
            self._digests[name] = digest(*parts)
        return self._digests[name]


# Fingerprints of entries known to exist, across the builds of one process (mkdocs serve):
# no stat per page.
_present: set[str] = set()


class PageCache:
    """``.cache/pages/<fingerprint>.html``: the output of a page for one set of inputs."""

    def __init__(self, root: Path, use: bool | None = None) -> None:
        self.dir = root / ".cache" / "pages"
        self.use = enabled() if use is None else use
        self.writable = True
        self._used: list[Path] = []
        self.hits = self.misses = 0
        self._lock = threading.Lock()
        self.templates: Templates | None = None
        self.site_fp = ""

    def begin(self, env: Environment, own_dirs: Iterable[str | Path], *site_parts: str | bytes) -> None:
        """Start a build: the theme's templates and everything every page sees."""
        known = None
        try:
            known = json.loads((self.dir / "templates.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
        self.templates = Templates(env, own_dirs, known if isinstance(known, dict) else None)
        _html_digest.new_build()
        self.site_fp = site_fingerprint(*site_parts)

    def lookup(self, spec) -> tuple[str, bool]:
        """(fingerprint, stored?) of a page."""
        fp = digest(self.site_fp, self.templates.digest(spec.template), spec_digest(spec))
        return fp, self.has(fp)

    def _path(self, fp: str) -> Path:
        return self.dir / fp[:2] / f"{fp}.html"

    def has(self, fp: str) -> bool:
        if not self.use:
            return False
        if fp in _present:  # (mkdocs serve: seen before; if it vanished since, get() misses and the page renders)
            return True
        if self._path(fp).is_file():
            _present.add(fp)
            return True
        return False

    def get(self, fp: str) -> str | None:
        if not self.use:
            return None
        path = self._path(fp)
        try:
            html = unseal(path.read_bytes()).decode("utf-8")
        except (OSError, ValueError) as exc:  # gone, or damaged (checksum, not UTF-8): the page is rendered
            if isinstance(exc, ValueError):
                path.unlink(missing_ok=True)
            with self._lock:  # (the adapter reads entries from several threads)
                self.misses += 1
            _present.discard(fp)
            return None
        with self._lock:
            self.hits += 1
        self._used.append(path)
        return html

    def put(self, fp: str, html: str) -> None:
        if self.use:
            self._write(self._path(fp), html)
            if self.writable:
                _present.add(fp)

    def put_file(self, name: str, text: str) -> None:
        if self.use:
            self._write(self.dir / name, text, sealed=False)

    def _write(self, path: Path, html: str, sealed: bool = True) -> None:
        data = html.encode("utf-8", "surrogatepass")
        if self.writable and not write_atomic(path, seal(data) if sealed else data):
            self.writable = False  # read-only or full: the build goes on uncached

    # What a site folder holds, for `mkdocs build --dirty` in a later process: output file ->
    # fingerprint, trusted only while the file keeps the size and mtime it was written with
    # (else "": rewritten, and still removed if this build no longer makes it).

    def _manifest(self, site_dir: str) -> Path:
        return self.dir / "sites" / f"{digest(os.path.abspath(site_dir))}.json"

    def load_written(self, site_dir: str) -> dict[str, str]:
        try:
            saved = json.loads(self._manifest(site_dir).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        written = {}
        for rel, (fp, size, mtime) in saved.items() if isinstance(saved, dict) else ():
            path = os.path.join(site_dir, rel)
            try:
                st = os.stat(path)
            except OSError:
                continue
            written[os.path.normpath(path)] = fp if (st.st_size, st.st_mtime_ns) == (size, mtime) else ""
        return written

    def save_written(self, site_dir: str, written: dict[str, str]) -> None:
        site_dir = os.path.abspath(site_dir)
        saved = {}
        for path, fp in written.items():
            if path.startswith(os.path.join(site_dir, "")):
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                saved[os.path.relpath(path, site_dir)] = [fp, st.st_size, st.st_mtime_ns]
        self._write(self._manifest(site_dir), json.dumps(saved, sort_keys=True), sealed=False)

    def finish(self) -> None:
        """Mark the pages served from here as used; now and then drop long-unused ones."""
        if not self.use or not self.dir.is_dir():
            return
        now = time.time()
        for path in self._used:
            try:
                os.utime(path, (now, now))
            except OSError:
                pass
        self._used = []
        if self.templates is not None and self.templates.learned:
            self.put_file("templates.json", json.dumps(self.templates.known, sort_keys=True))
        prune_hourly(self.dir)


def site_fingerprint(*parts: str | bytes) -> str:
    """The site-wide inputs of every page, plus the engine and library versions."""
    import jinja2
    import markdown

    return digest(engine_digest(), jinja2.__version__, markdown.__version__, *parts)


class TemplateCode(FileSystemBytecodeCache):
    """Compiled theme templates, kept in memory and in ``.cache/jinja/``.

    MkDocs makes a new Jinja environment for every build, so Material's templates were
    compiled again on every build and every ``mkdocs serve`` rebuild. Jinja checks each entry
    against the template's source, so an edited template is compiled afresh.
    """

    def __init__(self, directory: Path) -> None:
        super().__init__(str(directory))
        self.memory: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.memory.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)
            if bucket.code is not None:
                return
        try:
            super().load_bytecode(bucket)
        except Exception:  # damaged or from another Python: compile
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.memory[bucket.key] = bucket.bytecode_to_string()
        try:
            Path(self.directory).mkdir(parents=True, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass


_template_code: dict[Path, TemplateCode] = {}


def template_code(root: Path) -> TemplateCode | None:
    """The compiled-template cache of a project (None when caching is off)."""
    if not enabled():
        return None
    if root not in _template_code:  # compiled code also depends on how MkDocs sets Jinja up
        from importlib.metadata import version
        import jinja2
        env_key = digest(jinja2.__version__, version("mkdocs"), version("mkdocs-material"))[:16]
        _template_code[root] = TemplateCode(root / ".cache" / "jinja" / env_key)
    return _template_code[root]
