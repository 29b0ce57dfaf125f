"""Internal links: every link in a post's body to a page of this site must lead to one.

What counts as a link: a Markdown inline link ``[t](url)``, a reference definition
``[id]: url``, an HTML ``<a href>``, an autolink ``<https://…>`` — in the body, outside code
(fenced blocks, code spans) and HTML comments, and only if the rendered page really links it
(so a shape the scanner misreads is never reported). Images (``![](…)``, ``<img>``) are not
links to pages and are left out. Links that the body does not spell (Liquid output) are checked
from the rendered HTML, without a line; the entity links tsuzuri adds are its own.

Internal: a path (root-relative, relative to the post's URL, or under ``site.baseurl``), or an
http(s) URL on the site's own host (``site_url``, with or without ``www.``). It resolves as the
static host serves it: ``/a/b/`` is ``a/b/index.html``, ``/a/b`` is ``a/b.html`` or the folder
``a/b/``. The index of what exists is built once per build: posts, redirect_from pages, docs/
files (assets included: a file that exists is fine), the site's own list pages and feeds.
An anchor on a post (``#id``, on the same post or another) is checked against the ids its
rendered HTML has (headings, footnotes, ``{: #id}``): a missing one on the same page is a
warning (the click does nothing), on another post a note (the reader still gets the page).
Anchors into list pages and docs/ pages are not checked.

A broken link is a warning on its line (``mkdocs build --strict`` and ``check --strict``
fail), with the closest existing post URL when one is found: a redirect_from path of a post,
the same slug on another date or with a collision's ``-2``, Jekyll's slugify differences (case,
a trailing ``-``), a slug cut short or renamed on the same day. ``check --fix`` rewrites the
links with exactly one sure candidate (never a mere look-alike), in the file, byte for byte
otherwise.
"""

from __future__ import annotations

import bisect
import difflib
import html as htmlmod
import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

from .diagnostics import Diagnostic, Diagnostics

# -- finding links in Markdown source -------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    start: int     # offsets of the URL as written (no <>, no quotes) in the scanned text
    end: int
    url: str       # as written
    kind: str      # "inline", "reference", "html", "autolink"

    @property
    def target(self) -> str:
        """The URL the rendered page links to: Markdown's backslash escapes or HTML's entities undone."""
        if self.kind == "html":
            return htmlmod.unescape(self.url).strip()
        return _MD_ESCAPE.sub(r"\1", htmlmod.unescape(self.url))


_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_FENCE = re.compile(r"^[ \t>]*(`{3,}+|~{3,}+)[^\n]*\n.*?(?:^[ \t>]*\1[`~]*[ \t]*$|\Z)", re.M | re.S)
_TICKS = re.compile(r"`+")
_BLANK = re.compile(r"\n[ \t]*\n")
# a destination: no spaces, parentheses balanced one level deep (what Markdown readers write)
_DEST = r"(?:<(?P<angle>[^<>\n]*)>|(?P<bare>(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))+))"
_INLINE = re.compile(r"\]\([ \t]*(?:\n[ \t]*)?" + _DEST + r"(?=[ \t]*(?:\n[ \t]*)?(?:\)|\"|'|\())")
_REFDEF = re.compile(r"^[ ]{0,3}\[(?!\^)(?:[^\]\\\n]|\\.){1,999}\]:[ \t]*(?:\n[ \t]*)?" + _DEST.replace(
    r"[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\)", r"\S") + r"(?=[ \t]|$)", re.M)
_A_HREF = re.compile(r"<a\s[^<>]{0,500}?\bhref[ \t\n]*=[ \t\n]*(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<nq>[^\s\"'<>`]+))",
                     re.I)
_AUTOLINK = re.compile(r"<(?P<url>https?://[^\s<>]+)>", re.I)


def code_mask(text: str) -> str:
    """``text`` with fenced code, code spans and HTML comments blanked (same length and lines)."""
    # (each step only where its marker occurs: most posts have no code at all)
    spans = [m.span() for m in _FENCE.finditer(text)] if "```" in text or "~~~" in text else []
    at = 0
    while (start := text.find("<!--", at)) >= 0:
        end = text.find("-->", start + 4)
        end = len(text) if end < 0 else end + 3
        spans.append((start, end))
        at = end
    spans = _merge(spans)
    # code spans: a run of N backticks up to the next run of exactly N in the same paragraph
    runs = [m for m in _TICKS.finditer(text) if not _inside(spans, m.start())] if "`" in text else []
    nxt: list[int | None] = [None] * len(runs)
    last: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        n = len(runs[i].group())
        nxt[i] = last.get(n)
        last[n] = i
    breaks = [m.start() for m in _BLANK.finditer(text)] if runs else []
    i, code = 0, []
    while i < len(runs):
        j = nxt[i]
        if j is not None and bisect.bisect(breaks, runs[i].start()) == bisect.bisect(breaks, runs[j].start()):
            code.append((runs[i].start(), runs[j].end()))
            i = j + 1
        else:
            i += 1
    spans = _merge(spans + code)
    if not spans:
        return text
    out, at = [], 0
    for start, end in spans:
        out += [text[at:start], re.sub(r"[^\n]", " ", text[start:end])]
        at = end
    out.append(text[at:])
    return "".join(out)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return out


def _inside(spans: list[tuple[int, int]], pos: int) -> bool:
    i = bisect.bisect_right(spans, (pos, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]


def scan(text: str) -> list[Link]:
    """Every link destination in Markdown ``text`` outside code, in order (images left out)."""
    masked = code_mask(text)
    found: list[Link] = []
    openers = _openers(masked) if "![" in masked else {}
    for m in _INLINE.finditer(masked) if "](" in masked else ():
        opener = openers.get(m.start())
        if opener is not None and masked[opener - 1:opener] == "!":
            continue   # an image: not a link to a page
        group = "angle" if m.group("angle") is not None else "bare"
        found.append(Link(m.start(group), m.end(group), text[m.start(group):m.end(group)], "inline"))
    for m in _REFDEF.finditer(masked) if "]:" in masked else ():
        group = "angle" if m.group("angle") is not None else "bare"
        found.append(Link(m.start(group), m.end(group), text[m.start(group):m.end(group)], "reference"))
    for m in _A_HREF.finditer(masked) if "<a" in masked or "<A" in masked else ():
        group = next(g for g in ("dq", "sq", "nq") if m.group(g) is not None)
        found.append(Link(m.start(group), m.end(group), text[m.start(group):m.end(group)], "html"))
    for m in _AUTOLINK.finditer(masked) if "<" in masked else ():
        found.append(Link(m.start("url"), m.end("url"), text[m.start("url"):m.end("url")], "autolink"))
    found.sort(key=lambda link: link.start)
    return found


_BRACKET = re.compile(r"\\.|[\[\]]|\n[ \t]*\n")


def _openers(text: str) -> dict[int, int]:
    """The ``[`` each ``]`` closes (brackets pair within a paragraph; escaped ones do not count)."""
    pairs, stack = {}, []
    for m in _BRACKET.finditer(text):
        c = m.group()
        if c == "[":
            stack.append(m.start())
        elif c == "]":
            if stack:
                pairs[m.start()] = stack.pop()
        elif c[0] == "\n":
            stack.clear()
    return pairs


_HREF = re.compile(r"<a\s[^>]*?\bhref=\"([^\"]*)\"[^>]*>", re.I)
_ID = re.compile(r"\bid=\"([^\"]+)\"")


def rendered_hrefs(page_html: str) -> list[str]:
    """The hrefs of a rendered page's links, unescaped, tsuzuri's entity links left out."""
    return [htmlmod.unescape(m.group(1)) for m in _HREF.finditer(page_html) if "tz-entity" not in m.group(0)]


# -- what the site has ------------------------------------------------------------------------------


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def slug_key(segment: str) -> str:
    """A URL segment as Jekyll's slugify would make it from a name, lower-cased, without the
    leading and trailing hyphens Jekyll drops (so case, ``-``, width and encoding do not count)."""
    from .urls import jekyll_slugify
    text = unicodedata.normalize("NFKC", unquote(segment))
    return (jekyll_slugify(text, "pretty") or "").strip("-")


_DAY = re.compile(r"(?:^|/)(\d{4})/(\d{2})/(\d{2})/")
_PAGINATED = re.compile(r"^(?P<list>(?:[^/]+/[^/]+/)?)page/\d+/index\.html$")


class Index:
    """One index of the site's URLs (decoded, NFC file paths) and of its posts by slug, day and
    old path, built once per build."""

    def __init__(self, site):
        from . import redirects
        from .site import reserved_outputs
        config = site.config
        self.base = "/" + config.baseurl.strip("/") if config.baseurl.strip("/") else ""
        host = urlsplit(config.url).netloc.lower()
        self.hosts = {host, host.removeprefix("www."), "www." + host.removeprefix("www.")} if host else set()
        self.files: set[str] = set()
        self.folders: tuple[str, ...] = ("searchindex/", "search/")   # the search index and page
        self.posts: dict[str, object] = {}                      # file path -> post
        for post in site.posts:
            dest = _nfc(unquote(post.dest_uri))
            self.files.add(dest)
            self.posts[dest] = post
        for r in site.redirects:
            self.files.add(_nfc(unquote(r.dest)))
        for path in reserved_outputs(site.root, config):
            if not path.endswith("/"):
                self.files.add(_nfc(path))
        self.files |= {"index.html", "404.html", "archive/index.html", "search/index.html", "tags/index.html",
                       "categories/index.html", "entities/index.html"}
        for term in (*site.tags.values(), *site.categories.values()):
            folder = _nfc(unquote(term.url))
            self.files |= {folder + "index.html", folder + "feed.xml"}
        for eid in site.registry.entities:
            self.files.add(f"entities/{eid}/index.html")
        self.ids: dict[str, set[str]] = {}
        # suggestions: posts by slug key, by day, by every redirect_from path (written or not)
        self.by_slug: dict[str, list] = {}
        self.by_day: dict[str, list] = {}
        self.old: dict[str, object] = {}
        for post in sorted(site.posts, key=lambda p: p.sort_key):
            keys = {slug_key(posixpath.basename(post.url.rstrip("/")).removesuffix(".html")), slug_key(post.slug)}
            for key in keys - {""}:
                self.by_slug.setdefault(key, []).append(post)
            if (day := _day_of(post)) is not None:
                self.by_day.setdefault(day, []).append(post)
            for path in redirects.values(post)[0]:
                dest, _ = redirects.destination(path)
                if dest:
                    self.old.setdefault(_nfc(dest), post)

    def exists(self, rel: str) -> str | None:
        """The file a site-relative, decoded path is served from, or None."""
        rel = _nfc(rel)
        tries = [rel + "index.html"] if rel == "" or rel.endswith("/") else [rel, rel + "/index.html", rel + ".html"]
        for path in tries:
            if path in self.files or path.startswith(self.folders):
                return path
            m = _PAGINATED.match(path)
            if m and (m.group("list") + "index.html") in self.files:
                return path
        return None

    def anchors(self, dest: str) -> set[str] | None:
        """The ids on a post's page (None: not a post, not checked)."""
        post = self.posts.get(dest)
        if post is None:
            return None
        if dest not in self.ids:
            self.ids[dest] = {htmlmod.unescape(i) for i in _ID.findall(post.html)}
        return self.ids[dest]

    def candidates(self, rel: str) -> tuple[list, str, bool]:
        """Posts a broken site-relative path probably meant: (posts, why, sure)."""
        dest, _ = _redirect_dest("/" + rel)
        if dest and (post := self.old.get(_nfc(dest))) is not None:
            return [post], "a redirect_from path of that post", True
        segment = rel.rstrip("/").removesuffix(".html").removesuffix("/index")
        key = slug_key(posixpath.basename(segment))
        if not key:
            return [], "", False
        day = _DAY.search("/" + rel)
        day = "/".join(day.groups()) if day else None
        same = self.by_slug.get(key, [])
        if not same and (numbered := re.fullmatch(r"(.+)-\d+", key)):
            same = self.by_slug.get(numbered.group(1), [])   # a collision's -2 that is gone
        if same:
            on_day = [p for p in same if day and _day_of(p) == day]
            if len(on_day) == 1:
                return on_day, "the same slug, spelled differently", True
            if day and not on_day:  # a date taken in UTC instead of the site's timezone: a day apart
                near = [p for p in same if _days_apart(_day_of(p), day) == 1]
                if len(near) == 1:
                    return near, "the same slug a day apart: a date in another timezone", True
            return same, "the same slug on another date" if len(same) == 1 else "the same slug", len(same) == 1
        if day is None:
            return [], "", False
        others = self.by_day.get(day, [])
        keys = {p: slug_key(posixpath.basename(p.url.rstrip("/")).removesuffix(".html")) for p in others}
        cut = [p for p, k in keys.items() if len(key) >= 8 and k != key and (k.startswith(key) or key.startswith(k))
               and len(k) >= 8]
        if len(cut) == 1:
            return cut, "a slug cut short on the same day", True
        if cut:
            return cut, "slugs that begin alike on the same day", False
        near = difflib.get_close_matches(key, list(keys.values()), n=3, cutoff=0.75)
        posts = [p for k in near for p in others if keys[p] == k]
        return posts[:3], "a similar slug on the same day", False


def _day_of(post) -> str | None:
    m = _DAY.search("/" + post.url)
    return "/".join(m.groups()) if m else None


def _days_apart(a: str | None, b: str) -> int | None:
    import datetime as dt
    try:
        return abs((dt.date(*map(int, a.split("/"))) - dt.date(*map(int, b.split("/")))).days) if a else None
    except ValueError:   # /2025/02/30/: no such day
        return None


def _redirect_dest(path: str) -> tuple[str | None, str]:
    from .redirects import destination
    return destination(path)


# -- checking --------------------------------------------------------------------------------------


@dataclass
class Finding:
    post: object
    link: Link | None           # None: a link only the rendered page has (Liquid output)
    url: str                    # as written (or as rendered)
    line: int | None
    message: str
    suggestions: list = field(default_factory=list)   # posts
    fix: str | None = None      # the URL to write, when exactly one sure candidate
    anchor: bool = False        # the page exists; the #id on it does not
    note: bool = False          # only a note: another page's anchor (the reader still lands on that page)
    diagnostic: Diagnostic | None = None


def check(site, index: "Index | None" = None) -> list[Finding]:
    """Every broken internal link of every post, as findings (with their warnings)."""
    index = index or Index(site)
    findings: list[Finding] = []
    for post in sorted(site.posts, key=lambda p: p.rel):
        findings += check_post(post, index)
    return findings


def check_post(post, index: Index) -> list[Finding]:
    hrefs = set(rendered_hrefs(post.html))
    remaining = set(hrefs)
    out = []
    for link in scan(post.body):
        target = link.target
        if target not in hrefs:
            continue   # not a link on the rendered page (a shape the scanner misread, a dropped fragment)
        remaining.discard(target)
        finding = _resolve(post, index, target, link)
        if finding is not None:
            out.append(finding)
    for href in sorted(remaining):
        if urlsplit(href).path or urlsplit(href).netloc:   # (footnote and heading anchors are the renderer's own)
            finding = _resolve(post, index, href, None)
            if finding is not None:
                out.append(finding)
    return out


def site_path(index: Index, post, url: str) -> tuple[str | None, str, str]:
    """(the site-relative decoded path a link leads to, or None for an external one;
    its fragment; what form it was written in: "absolute", "root", "relative", "anchor")."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        if parts.scheme.lower() not in ("http", "https", "") or parts.netloc.lower() not in index.hosts:
            return None, "", ""
        path, form = parts.path or "/", "absolute"
    elif not parts.path:
        return (None, "", "") if not parts.fragment else ("\0self", parts.fragment, "anchor")
    elif parts.path.startswith("/"):
        path, form = parts.path, "root"
    else:
        path, form = urljoin(f"{index.base}/{post.url}", parts.path), "relative"
    path = posixpath.normpath(path) + ("/" if path.endswith("/") and path != "/" else "")
    if path.startswith("//"):
        path = path[1:]
    return path, parts.fragment, form


def _resolve(post, index: Index, url: str, link: Link | None) -> Finding | None:
    path, fragment, form = site_path(index, post, url)
    if path is None:
        return None
    line = post.body_line + post.body.count("\n", 0, link.start) if link is not None else None
    if path == "\0self":
        ids = index.anchors(_nfc(unquote(post.dest_uri)))
        if ids is None or unquote(fragment) in ids or fragment in ids:
            return None
        return Finding(post, link, url, line, f"link {_show(url)} names no heading or anchor on this page",
                       anchor=True)
    base = index.base
    if base and not (path == base or path.startswith(base + "/")):
        rel = unquote(path.lstrip("/"))
        if index.exists(rel):
            fixed = _rewrite(url, base + "/" + quote(rel, safe="/") if "%" in url else base + path, index, post)
            return Finding(post, link, url, line, f"link {_show(url)} is outside the site's base path {base + '/'!r}",
                           fix=fixed)
        return Finding(post, link, url, line, f"link {_show(url)} leads to no page of the site (nor under "
                       f"the base path {base + '/'!r})")
    rel = unquote(path[len(base):].lstrip("/"))
    served = index.exists(rel)
    if served is not None:
        if fragment:
            ids = index.anchors(served)
            if ids is not None and unquote(fragment) not in ids and fragment not in ids:
                return Finding(post, link, url, line, f"link {_show(url)}: the page has no heading or anchor "
                               f"#{unquote(fragment)}; the reader lands at its top", anchor=True, note=True)
        return None
    posts, why, sure = index.candidates(rel)
    finding = Finding(post, link, url, line, f"link {_show(url)} leads to no page of the site", posts)
    if posts:
        shown = ", ".join(repr("/" + unquote(p.url)) for p in posts[:3])
        finding.message += f"; did you mean {shown} ({why})?"
        if sure and len(posts) == 1 and link is not None:
            finding.fix = _rewrite(url, posts[0], index, post)
    return finding


def _rewrite(url: str, target, index: Index, post) -> str:
    """``url`` pointing at ``target`` (a post, or a root path), written the way ``url`` was:
    absolute stays absolute (same scheme and host), anything else becomes root-relative; the
    query and fragment are kept; a readable path stays readable."""
    parts = urlsplit(url)
    if isinstance(target, str):
        path = target
    else:
        readable = unquote(target.url)
        plain = "%" not in parts.path and not re.search(r"[\s()<>\"'\\`%#?]", readable)
        path = f"{index.base}/{readable if plain else target.url}"
    out = f"{parts.scheme}://{parts.netloc}{path}" if parts.netloc else path
    if parts.query:
        out += "?" + parts.query
    if parts.fragment:
        out += "#" + parts.fragment
    return out


def _show(url: str) -> str:
    return repr(url if len(url) <= 120 else url[:117] + "...")


def diagnostics(findings: list[Finding]) -> Diagnostics:
    """One warning per finding, on its line, saying what to do."""
    diags = Diagnostics()
    for f in findings:
        if f.anchor:
            hint = ("use an id the page has (a heading's id is its text, lower-cased, spaces as '-'; "
                    "or set one with {: #id}), or link to the page without the anchor")
        elif f.fix is not None:
            hint = f"write {f.fix!r} (`python -m tsuzuri check posts/ --fix` does)"
        elif f.link is None:
            hint = "the link is made by Liquid in the post: fix the tag or variable that makes it"
        elif f.suggestions:
            hint = "link to one of those pages, or remove the link"
        else:
            hint = "link to a page that exists (a post's URL, /tags/…, /assets/… under docs/), or remove the link"
        f.diagnostic = (diags.note if f.note else diags.warning)(f.post.source, f.line, f.message, hint)
    return diags


# -- --fix --------------------------------------------------------------------------------------------


def fix(findings: list[Finding]) -> tuple[list[str], list[Finding]]:
    """Rewrite in their files the links with one sure candidate; everything else is kept byte
    for byte. Returns one line per change ("file:line: 'old' -> 'new'") and the findings fixed."""
    from .frontmatter import split

    by_file: dict[Path, list[Finding]] = {}
    for f in findings:
        if f.fix is not None and f.link is not None:
            by_file.setdefault(f.post.path, []).append(f)
    changes: list[str] = []
    done: list[Finding] = []
    for path in sorted(by_file):
        source = by_file[path][0].post.source
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            changes.append(f"{source}: not fixed: {exc}")
            continue
        bom = "\ufeff" if text.startswith("\ufeff") else ""
        text = text[len(bom):]
        parts = split(text)
        head = len(text) - len(parts.body) if parts.body and text.endswith(parts.body) else 0
        # (an href attribute gets the URL HTML-escaped: "&" as "&amp;")
        body, made = rewrite(text[head:], {f.link.url: htmlmod.escape(f.fix) if f.link.kind == "html" else f.fix
                                           for f in by_file[path]})
        if not made:
            continue
        path.write_bytes((bom + text[:head] + body).encode("utf-8"))
        first = text.count("\n", 0, head)
        changes += [f"{source}:{first + line}: {old!r} -> {new!r}" for line, old, new in made]
        fixed = {old for _, old, _ in made}
        done += [f for f in by_file[path] if f.link.url in fixed]
    return changes, done


def rewrite(text: str, wanted: dict[str, str]) -> tuple[str, list[tuple[int, str, str]]]:
    """``text`` with each link whose URL (as written) is a key of ``wanted`` pointing at its
    value instead; nothing else changes. Also returns (line, old, new) per change."""
    out, at, made = [], 0, []
    for link in scan(text):
        new = wanted.get(link.url)
        if new is None or new == link.url:
            continue
        out += [text[at:link.start], new]
        at = link.end
        made.append((text.count("\n", 0, link.start) + 1, link.url, new))
    out.append(text[at:])
    return "".join(out), made
