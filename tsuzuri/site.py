"""The whole build, in the order it happens (after Jekyll's Site#process):

    read    posts/ -> Post (front matter, Jekyll dates and lists)         posts.read_post
    place   permalink -> URL; escapes are errors, collisions warnings     assign_urls
    clean   Liquid, ---END--- fragments, repeated title line              prepare
    render  Markdown -> HTML once per post; reading time, summary         prepare
    enrich  entity mentions and links, tag/category terms, related posts  enrich
    emit    the page set for the adapter                                  pages.build

Read and clean/render go through cache.PostCache: each post's work is done once per content.

Each step is a plain function over plain data; MkDocs is only known by hooks/.
"""

from __future__ import annotations

import functools
import hashlib
import posixpath
import re
import traceback
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from . import entities, excerpts, fragments, kramdown, links, liquid, publish, redirects, related, seo, taxonomy, titles, urls
from .config import SiteConfig
from .cache import Memo, PostCache, engine_digest
from .diagnostics import ERROR, WARNING, Diagnostic, Diagnostics
from .posts import Post, discover
from .posts import _display as display_path
from .render import Renderer, reading_minutes

# What the site itself writes, which no post may replace. Folders: the engine's list, term,
# entity, archive and search pages (pages.build), the theme's assets, the search bundle
# (search.BUNDLE); files: the home page, 404, feeds, sitemap and robots.txt (outputs.files), and
# the llms.txt files, named in mkdocs.yml (config.llms.outputs).
# Every file under docs/ is added from the folder itself (reserved_outputs). tests/test_paths.py
# checks a real build's every file against this, so a new output cannot slip past it.
OWN_FOLDERS = ("page/", "archive/", "categories/", "tags/", "entities/", "search/", "assets/", "searchindex/")
OWN_FILES = ("index.html", "404.html", "feed.xml", "sitemap.xml", "sitemap.xml.gz", "robots.txt")


def reserved_outputs(root: Path, config: SiteConfig) -> set[str]:
    """The files the site writes besides posts (below OWN_FOLDERS, only those folders): OWN_FILES
    and docs/'s files at their destinations (MkDocs': ``about.md`` -> ``about/index.html``)."""
    out = set(OWN_FILES) | set(OWN_FOLDERS) | set(config.llms.outputs())
    docs = root / config.docs_dir
    for path in sorted(docs.rglob("*")) if docs.is_dir() else ():
        if path.is_dir():
            continue
        rel = path.relative_to(docs).as_posix()
        if path.suffix.lower() in (".md", ".markdown"):
            stem = posixpath.splitext(rel)[0]
            if posixpath.basename(stem).lower() in ("index", "readme"):
                out.add(posixpath.join(posixpath.dirname(stem), "index.html").lstrip("/"))
            else:  # either way use_directory_urls is set
                out |= {stem + "/index.html", stem + ".html"}
        else:
            out.add(rel)
    return out


class _Paths:
    """Destination paths in use (the site's own, or posts placed so far), compared as a
    case-insensitive file system would: one may not be, or be inside, another's file."""

    def __init__(self, paths=()):
        self.files: dict[str, str] = {}     # folded path -> as given
        self.folders: dict[str, str] = {}   # folded folder (no trailing "/") -> a path inside it
        for path in paths:
            self.add(path)

    def add(self, path: str) -> None:
        folded = _fold(path)
        if folded.endswith("/"):
            self.folders[folded.rstrip("/")] = path
            return
        self.files[folded] = path
        parts = folded.split("/")
        for i in range(1, len(parts)):
            self.folders.setdefault("/".join(parts[:i]), path)

    def clash(self, dest: str) -> str | None:
        """The path in use that ``dest`` would overwrite or be blocked by, if any."""
        folded = _fold(dest)
        if folded in self.files:
            return self.files[folded]
        if folded in self.folders:  # a file where a folder must be
            return self.folders[folded]
        parts = folded.split("/")
        for i in range(1, len(parts)):
            ancestor = "/".join(parts[:i])
            if ancestor in self.files:   # a folder where a file must be
                return self.files[ancestor]
            if ancestor in self.folders and self.folders[ancestor].endswith("/"):
                return self.folders[ancestor]  # inside a folder the site owns
        return None


def _fold(path: str) -> str:
    return unicodedata.normalize("NFC", path).casefold()


@dataclass
class Site:
    config: SiteConfig
    root: Path
    posts: list[Post] = field(default_factory=list)        # published, newest first
    unpublished: list[Post] = field(default_factory=list)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    registry: entities.Registry = field(default_factory=entities.Registry)
    tags: dict[str, taxonomy.Term] = field(default_factory=dict)        # by term_key
    categories: dict[str, taxonomy.Term] = field(default_factory=dict)
    related: dict[Post, list[Post]] = field(default_factory=dict)
    redirects: list[redirects.Redirect] = field(default_factory=list)   # redirect_from pages to write
    complete: bool = True             # every post was read (not `check` of one file)
    images: dict[str, publish.Image] = field(default_factory=dict)   # post URL -> its usable image:
    cache_stats: dict = field(default_factory=dict)
    cache_dir: Path | None = None     # where per-post work is kept (None: nowhere)
    excerpt_templates: list[str] = field(default_factory=list)   # excerpts.shared_templates of all posts
    link_index: links.Index | None = None   # the whole site's URLs and anchors (links.check's)

    @property
    def cleaned(self) -> list[Post]:
        return [p for p in self.posts if p.clean_report and p.clean_report.changed]

    def clean_summary(self) -> str:
        dropped = sum(p.clean_report.blocks_dropped for p in self.posts if p.clean_report)
        stitched = sum(p.clean_report.sentences_stitched for p in self.posts if p.clean_report)
        return (f"{len(self.cleaned)} of {len(self.posts)} posts cleaned: "
                f"{dropped} repeated blocks dropped, {stitched} cut sentences stitched")


def load(root: Path, config: SiteConfig, only: list[Path] | None = None, *,
         cache_dir: Path | None = None) -> Site:
    """Read, place, clean and render every post under ``root/config.posts_dir``.

    ``cache_dir`` is the building project's cache (``cache.project_cache``); without one the
    work is done afresh and nothing is written: reading posts never writes beside them.
    """
    root = root.resolve()
    site = Site(config, root, cache_dir=cache_dir, complete=only is None)
    posts_dir = root / config.posts_dir
    if not posts_dir.is_dir():
        site.diagnostics.error(config.posts_dir, None, "the posts folder does not exist",
                               f"create {config.posts_dir}/ and put posts in it")
        return site
    paths = discover(posts_dir, config, site.diagnostics, root)
    if only is not None:
        wanted = {p.resolve() for p in only}
        paths = [p for p in paths if p.resolve() in wanted or any(w in p.resolve().parents for w in wanted)]
    cache = PostCache(cache_dir)  # read + prepare once per content; see cache.py
    read: list[Post] = []
    for path in paths:
        try:
            post, diags = cache.read(path, config, posts_dir, root)
        except Exception as exc:  # a bug costs one post, named in an error, never the site
            post, diags = None, Diagnostics([internal_error(display_path(path, root), exc)])
        if post is None:
            site.diagnostics.extend(diags)
        elif post.published:
            read.append(post)  # its diagnostics are reported once it is prepared
        else:
            site.unpublished.append(post)
            diags.note(post.source, None, "not built: published is false (or draft: true)")
            site.diagnostics.extend(diags)
    reserved = reserved_outputs(root, config)
    placed = assign_urls(read, config, site.diagnostics, reserved)
    placed_ids = {id(p) for p in placed}
    for post in read:
        if id(post) not in placed_ids:  # refused a URL: report what was found while reading it
            site.diagnostics.extend(post.diagnostics)
    cache.prepare_all(placed, config, safe_prepare, functools.partial(_resolver, root=root), Renderer)
    ready = [p for p in placed if not any(d.message.startswith(INTERNAL) for d in p.diagnostics)]
    site.excerpt_templates = excerpts.review(ready, config.excerpt_chars)  # found across posts
    for post in placed:
        site.diagnostics.extend(post.diagnostics)
    cache.finish(prune=only is None)
    site.cache_stats = cache.stats
    site.posts = sorted(ready, key=lambda p: p.sort_key, reverse=True)
    docs = root / config.docs_dir  # (MkDocs gives an absolute docs_dir: name it as the editor sees it)
    site.images = publish.images(sorted(ready, key=lambda p: p.rel), docs,
                                 docs.relative_to(root).as_posix() if docs.is_relative_to(root) else str(docs),
                                 site.diagnostics)  # per build: docs/ is not part of a post's cache key
    site.registry = entities.load_registry(root / config.entities, config.entities, site.diagnostics)
    enrich(site)
    site.redirects = redirects.plan(site.posts, _Paths(p.dest_uri for p in placed), _Paths(reserved),
                                    site.diagnostics)
    if site.complete:  # a link may lead to any post: only the whole site can say one is missing
        site.link_index = links.Index(site)
        site.diagnostics.extend(links.diagnostics(links.check(site, site.link_index)))
    return site


def enrich(site: Site) -> None:
    """Cross-links over all posts: entity mentions (first ones linked), terms, related posts."""
    memo = Memo(site.cache_dir, "mentions")  # scanning depends only on the page and the registry
    last, _last_links[:] = _last_links[0], [{}]
    for post in site.posts:
        link_mentions(post, site, memo, last)
    memo.save()
    site.tags = taxonomy.build(site.posts, "tags", "tags")
    site.categories = taxonomy.build(site.posts, "categories", "categories")
    site.related = _related(site)


def link_mentions(post: Post, site: Site, memo: Memo, last: dict) -> None:
    """Find a post's entity mentions and link the first ones (post.html becomes the linked HTML)."""
    registry = site.registry.digest + engine_digest()  # code changes never serve old scans
    html = post.html
    known = last.get(id(html))  # mkdocs serve: an unchanged post keeps its HTML object ...
    if known is not None and known[0] is html and known[1:3] == (registry, post.dest_uri):
        key, linked = known[3], known[4]  # ... and gets the same linked HTML object back
    else:
        key = hashlib.blake2b(f"{registry}\n{html}".encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        linked = None
    found = memo.get(key)
    if found is None:
        found = entities.scan(html, site.registry)
        memo.put(key, found)
    if linked is None:
        linked = entities.link(html, found.edits, post.dest_uri)
    _last_links[0][id(html)] = (html, registry, post.dest_uri, key, linked)
    post.html = linked
    post.mentions, post.snippets = dict(found.counts), dict(found.snippets)


# id(HTML) -> (HTML, registry digest, URL, memo key, linked HTML) of the last build's posts: a
# rebuild under mkdocs serve neither hashes nor links 20 MB of unchanged pages again, and the
# page cache recognises the same HTML object (pagecache._html_digest) without hashing it.
_last_links: list[dict[int, tuple[str, str, str, str, str]]] = [{}]


def _related(site: Site) -> dict[Post, list[Post]]:
    """The posts each post's related_articles names, then related.compute's, memoised by what
    they read of each post (URL, date, tags, entities, the chosen posts' URLs): an edit that
    leaves those alone (most edits; every preview rebuild) does not recompute it."""
    memo = Memo(site.cache_dir, "related")
    index = related.Index(site.posts, site.unpublished, site.config.url)
    chosen = related.chosen(site.posts, index, site.diagnostics, complete=site.complete)
    h = hashlib.blake2b(engine_digest().encode(), digest_size=16)
    for post in site.posts:
        picked = [q.url for q in chosen.get(post, ())]
        h.update(f"{post.url}\0{post.date.isoformat()}\0{sorted(related.features(post))}\0{picked}\n".encode(
            "utf-8", "surrogatepass"))
    found = memo.get(h.hexdigest())
    if found is None:
        computed = related.compute(site.posts)
        found = {p.url: [q.url for q in related.merge(chosen.get(p, []), qs)] for p, qs in computed.items()}
        memo.put(h.hexdigest(), found)
    memo.save()
    by_url = {p.url: p for p in site.posts}
    return {p: [by_url[u] for u in found.get(p.url, ())] for p in site.posts}


def assign_urls(posts: list[Post], config: SiteConfig, diags: Diagnostics,
                reserved: set[str] | None = None) -> list[Post]:
    """Give each post its URL. A URL that escapes, cannot be a file, or takes one of the site's own
    files (``reserved``, default OWN_FILES and OWN_FOLDERS) is an error and the post is left out;
    two posts on one URL are both published (see _settle)."""
    own = _Paths(reserved if reserved is not None else (*OWN_FILES, *OWN_FOLDERS))
    wanted: dict[str, list[tuple[Post, str, int | None]]] = {}
    for post in sorted(posts, key=lambda p: p.rel):
        line = post.key_lines.get("permalink") if post.permalink else None
        try:
            if post.permalink:  # check what the editor wrote, before expansion normalises it
                urls.check(post.permalink)
            url = urls.expand(post.permalink or config.permalink, post)
            urls.check(url)
        except urls.PermalinkError as exc:
            diags.error(post.source, line, str(exc), "use a path inside the site, like /2025/01/02/my-post/")
            continue
        dest = posixpath.normpath(urls.dest_uri(url)) if url.strip("/") else "index.html"
        if (long := urls.long_segment(dest)) is not None:
            diags.error(post.source, line or post.key_lines.get("slug"),
                        f"URL part {long[:24] + '…'!r} is {len(long.encode('utf-8', 'surrogatepass'))} bytes long; "
                        f"a file name holds at most {urls.MAX_NAME}, so the post was not published",
                        "shorten the slug (or permalink)")
            continue
        if (site_file := own.clash(dest)) is not None:
            what = f"pages in {site_file!r}" if site_file.endswith("/") else f"page {site_file!r}"
            diags.error(post.source, line or post.key_lines.get("slug"), f"permalink {url!r} collides with the site's own {what}"
                        f"{'' if site_file == dest else f' (the post would be at {dest!r})'}; it was not published",
                        "choose another permalink (the site's own pages, feeds, search and assets are reserved)")
            continue
        wanted.setdefault(dest, []).append((post, url, line or post.key_lines.get("slug")))
    placed = _settle(wanted, own, diags)
    _warn_lookalikes(placed, diags)
    return sorted(placed, key=lambda p: p.rel)


def _settle(wanted: dict[str, list[tuple[Post, str, int | None]]], own: "_Paths", diags: Diagnostics) -> list[Post]:
    """Two posts on one URL: Jekyll writes posts in date order (equal dates by path), so the live
    site serves the later one; it keeps the URL here too. Each other one is published at the URL
    with "-2", "-3", ... on its last segment, numbered from the oldest (a newer post joining the
    group never renumbers them) after every post has its own URL, and a warning names both files
    and both URLs, so --strict fails until an editor resolves it. A URL whose file would be
    another post's folder (or the reverse) is an error, the first post by path keeping its own."""
    taken, by_dest, losers = _Paths(), {}, []
    for dest in sorted(wanted, key=lambda d: wanted[d][0][0].rel):
        group = sorted(wanted[dest], key=lambda w: w[0].sort_key)
        other = taken.clash(dest)
        if other is not None and _fold(other) != _fold(dest):  # differing only by case: _warn_lookalikes
            first = by_dest[other]
            for post, url, line in group:
                diags.error(post.source, line, f"URL {url!r} needs {dest!r}, which the post {first.source} at "
                            f"{first.url!r} blocks; this post was not published",
                            "give one of the two posts another slug or permalink")
            continue
        taken.add(dest)
        by_dest[dest] = group[-1][0]
        group[-1][0].dest_uri, group[-1][0].url = dest, urls.url_of(dest)
        losers += [(w, dest) for w in group[:-1]]
    for (post, url, line), dest in sorted(losers, key=lambda x: x[0][0].sort_key):
        n = 2
        while taken.clash(alt := _numbered(dest, n)) is not None or own.clash(alt) is not None:
            n += 1
        taken.add(alt)
        by_dest[alt] = post
        post.dest_uri, post.url = alt, urls.url_of(alt)
        winner = by_dest[dest]
        why = "dated later" if winner.date > post.date else "same date, later file path"
        diags.warning(post.source, line,
                      f"URL {url!r} is already used by {winner.source} ({why}: the page the Jekyll site "
                      f"shows); this post is published at {'/' + unquote(post.url)!r} instead",
                      "give one of the two posts another slug: or permalink: (or delete the one not wanted)")
    return list(by_dest.values())


def _numbered(dest: str, n: int) -> str:
    """'a/b/index.html' -> 'a/b-2/index.html'; 'a/b.html' -> 'a/b-2.html'."""
    if dest.endswith("/index.html"):
        return f"{dest[:-len('/index.html')]}-{n}/index.html"
    stem, ext = posixpath.splitext(dest)
    return f"{stem}-{n}{ext}"


def _warn_lookalikes(placed: list[Post], diags: Diagnostics) -> None:
    """URLs that differ only by case, width or Unicode normalisation are one file on macOS and
    Windows (and one URL to a reader's eye): warn on each, naming the first (by date, then path)."""
    seen: dict[str, Post] = {}
    for post in sorted(placed, key=lambda p: p.sort_key):
        key = unicodedata.normalize("NFKC", post.dest_uri).casefold()
        first = seen.setdefault(key, post)
        if first is not post:
            diags.warning(post.source, post.key_lines.get("permalink") or post.key_lines.get("slug"),
                          f"URL '/{unquote(post.url)}' differs from '/{unquote(first.url)}' ({first.source}) only by "
                          "case, width or Unicode normalisation: on a case-insensitive file system one page "
                          "overwrites the other", "give one of the two posts another slug: or permalink:")


def _resolver(posts: list[Post], config: SiteConfig, root: Path | None = None):
    by_name: dict[str, str] = {}
    includes = _includes(root, config)
    for post in posts:
        stem = posixpath.splitext(post.rel)[0]
        link = f"{config.baseurl}/{post.url}"
        by_name[stem] = by_name[posixpath.basename(stem)] = link
        for prefix in ("_posts/", "posts/", f"{config.posts_dir}/"):
            by_name[prefix + post.rel] = link

    def resolve(kind: str, arg: str) -> str | None:
        if kind == "include":  # the file's text: the cache re-checks it, so an edited include re-renders
            return includes(arg)
        arg = arg.strip().strip("'\"").lstrip("/")
        return by_name.get(arg) if kind == "link" else by_name.get(posixpath.splitext(arg)[0])
    return resolve


def _includes(root: Path | None, config: SiteConfig):
    """name -> text of an include: the project's includes folder (``extra.tsuzuri.includes_dir``,
    default ``includes``), or Jekyll's ``_includes`` when the project has none."""
    folder = None
    if root is not None:
        for name in (str(config.extra.get("includes_dir") or "includes"), "_includes"):
            if (root / name).is_dir():
                folder = (root / name).resolve()
                break
    texts: dict[str, str | None] = {}

    def read(name: str) -> str | None:
        if name not in texts:
            texts[name] = None
            path = (folder / name).resolve() if folder and name and "\0" not in name else None
            if path is not None and path.is_relative_to(folder) and path.is_file():  # never outside it
                texts[name] = path.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n")
        return texts[name]
    return read


def prepare(post: Post, config: SiteConfig, renderer: Renderer, resolve) -> None:
    """Liquid -> clean fragments -> title -> Markdown, recording every repair as a diagnostic."""
    diags = post.diagnostics
    body, issues = post.body, []
    if "{%" in body or "{{" in body:  # (config's Liquid settings are read only here: see cache.py)
        body, issues = liquid.render(post.body, baseurl=config.baseurl, site_url=config.url, resolve=resolve,
                                     site_vars={"title": config.title, "description": config.description,
                                                **config.extra},
                                     page_vars=page_vars(post, config))
    for issue in issues:
        line = _line_at(post, issue.offset)
        diags.add(post.source, line, ERROR if issue.severity == "error" else WARNING, issue.message, issue.hint)

    cleaned, report = fragments.clean(body, post.body_line)
    post.clean_report = report
    for change in report.changes:
        if change.action == "unresolved-cut":
            diags.warning(post.source, change.line, change.detail,
                          "finish the sentence by hand, or run `python -m tsuzuri clean --write` and edit")
        else:
            diags.note(post.source, change.line, change.describe())
    if report.fragments > 1:
        diags.note(post.source, None, f"{report.fragments} ---END--- fragments joined: {report.summary()}",
                   "run `python -m tsuzuri clean --write` to fix the source for good")

    title, cleaned, notes = titles.resolve(post.title, cleaned)
    for note in notes:  # a repaired title is on its front-matter line; the rest concern the body
        line = post.key_lines.get("title", post.body_line) if note.startswith("title '") else post.body_line
        diags.note(post.source, line, note)
    if not title:
        title = post.slug
        diags.warning(post.source, 1, f"the post has no title; using {title!r}", 'add title: "タイトル" to the front matter')
    post.title, post.content = title, cleaned

    markdown, ials = kramdown.apply(cleaned)  # {: .class} lines: onto their block, or removed
    report_ials(post, ials)
    rendered = renderer(markdown, raw_html=config.raw_html)
    report_removed(post, rendered.removed)
    for problem in rendered.problems:  # published as plain text: the editor must fix the Markdown
        at = post.body.find(problem.snippet) if problem.snippet.strip() else -1
        diags.warning(post.source, _line_at(post, at), problem.message, problem.hint)
    if not post.body.strip():  # a stub (`tsuzuri new` writes one): nothing was lost
        diags.note(post.source, post.body_line, "the post has no body yet; its page will be empty",
                   "write the body below the front matter")
    elif not rendered.html.strip():  # there was a body, and nothing of it is left to show
        diags.warning(post.source, post.body_line, "nothing is left of the body after cleaning; its page will be empty",
                      "write the body (it held only ---END--- markers, or only HTML that was removed)")
    post.html, post.toc, post.text = rendered.html, rendered.toc, rendered.text
    post.reading_time = reading_minutes(rendered.text)
    own = post.excerpt.strip()  # (excerpt_chars is read only when needed: the cache records it)
    post.summary = own if own and not excerpts.is_template(own) else excerpts.summary("", post.html, config.excerpt_chars)
    diags.extend(publish.check(post))  # last_modified_at, image: used by feeds and share cards
    diags.extend(seo.check(post))      # description, robots, canonical_url, sitemap


def _line_at(post: Post, offset: int) -> int | None:
    """The file line of an offset in the post's body (None for -1: not found)."""
    return post.body_line + post.body.count("\n", 0, offset) if offset >= 0 else None


def page_vars(post: Post, config: SiteConfig) -> dict:
    """Liquid's ``page``: the front matter, plus what Jekyll computes for a post."""
    data = {k: v for k, v in post.data.items() if isinstance(k, str)}
    data.update(title=post.title, date=post.date, url=f"/{post.url}", slug=post.slug,
                categories=list(post.categories), tags=list(post.tags), path=post.source)
    return data


def report_ials(post: Post, issues: list) -> None:
    """A warning per kramdown attribute list that could not be applied, on its source line."""
    pos = 0
    for issue in issues:
        found = post.body.find(issue.text, pos)
        line = _line_at(post, found)
        pos = found + 1 if found >= 0 else pos
        post.diagnostics.warning(post.source, line, issue.message,
                                 "put the {: …} line directly below the paragraph, heading or link it is for, "
                                 "or delete it")


def report_removed(post: Post, removed: list) -> None:
    """One diagnostic per kind of HTML the sanitiser removed, on the first source line showing it."""
    for r in removed:
        m = re.search(r.pattern, post.body, re.IGNORECASE)
        line = _line_at(post, m.start() if m else -1)
        times = f" ({r.count} times)" if r.count > 1 else ""
        if r.unsafe:
            post.diagnostics.warning(post.source, line, f"removed unsafe HTML: {r.what}{times}",
                                     "delete it from the post (scripts, event handlers and javascript:/data: "
                                     "links are never published; a trusted site may set extra.tsuzuri.raw_html: true)")
        else:
            post.diagnostics.note(post.source, line, f"removed HTML markup the site does not allow: {r.what}{times}",
                                  "the text is kept; remove the markup or use Markdown")


def safe_prepare(post: Post, config: SiteConfig, renderer: Renderer, resolve) -> None:
    """prepare, with an engine bug reported as an error on this post instead of a traceback."""
    try:
        prepare(post, config, renderer, resolve)
    except Exception as exc:
        post.diagnostics.append(internal_error(post.source, exc))


INTERNAL = "internal error while building this post"


def internal_error(source: str, exc: Exception) -> Diagnostic:
    """An engine bug, reported as an error on the post that triggered it (no traceback)."""
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
    return Diagnostic(source, None, ERROR, f"{INTERNAL}: "
                      f"{type(exc).__name__}: {exc}{where}"[:300],
                      "this is a tsuzuri bug: report it with this file; the other posts were built")
