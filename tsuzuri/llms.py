"""llms.txt and llms-full.txt: the site described for language models (https://llmstxt.org).

llms.txt follows the proposal: an H1 with the site's name, a blockquote with its description,
a few lines of details (no headings), then H2 sections of ``- [title](url): notes`` lists —
the categories, the newest posts, the most-linked posts — and an ``Optional`` section a reader
short of context may skip. Every number is counted from the site at build time.

llms-full.txt holds each listed post's cleaned Markdown, newest first: the Markdown the site
renders (Liquid done, ``---END---`` fragments joined, the title line resolved), with kramdown
attribute lists and raw HTML taken out and links made absolute. Each post starts with an H1 of
its title and a few ``Key: value`` lines; its own headings are moved one level down, so the
H1s are exactly the posts.

A post is listed unless search engines are told to leave it alone: ``robots: noindex`` (or
``none``) or ``sitemap: false``. Unpublished posts and drafts are never built at all.

"Most linked" counts, for each post, the other posts whose body links to it (a link through
one of its redirect_from paths counts too), from the rendered HTML in one pass.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from typing import Iterable
from urllib.parse import unquote, urljoin, urlsplit

from .config import LlmsConfig
from .links import rendered_hrefs
from .kramdown import CODE_SPAN_RE, EXT_LINE_RE, FENCE_RE, IAL_LINE_RE, SPAN_IAL_RE, fence_end
from .posts import Post
from .publish import Identity
from .seo import robots
from .taxonomy import Term



def listed(post: Post) -> bool:
    """Whether the post belongs in the llms files: not hidden from search engines."""
    directives = {d.strip() for d in robots(post)[0].split(",")}
    return not directives & {"noindex", "none"} and post.data.get("sitemap") is not False


# ---------------------------------------------------------------- links between posts

def inbound(posts: Iterable[Post], redirects: Iterable = (), site_url: str = "") -> Counter:
    """Post URL -> how many other posts link to it (each linking post counted once)."""
    posts = list(posts)
    base = site_url or "http://site.invalid/"
    base = base if base.endswith("/") else base + "/"
    by_path = {_normal(p.url): p.url for p in posts}
    for r in redirects:  # an old path still reaches the post
        by_path.setdefault(_normal(r.dest), r.post.url)
    counts: Counter = Counter()
    last, fresh = dict(_LINKS), {}
    for post in posts:
        here = urljoin(base, post.url)
        known = last.get(id(post.html))
        if known is None or known[0] is not post.html or known[1] != here:
            known = (post.html, here, _site_paths(post.html, here, base))
        fresh[id(post.html)] = known
        counts.update({t for t in map(by_path.get, known[2]) if t is not None and t != post.url})
    _LINKS.clear()
    _LINKS.update(fresh)
    return counts


# mkdocs serve: each post's linked paths by id(HTML) -> (HTML, its address, paths) from the last
# build: an unchanged post keeps its HTML object and is not scanned again.
_LINKS: dict[int, tuple[str, str, frozenset[str]]] = {}


def _site_paths(html: str, here: str, base: str) -> frozenset[str]:
    """The site paths (as _normal gives them) the links of a post's HTML point to."""
    out = set()
    for href in map(str.strip, rendered_hrefs(html)):   # (entity links go to no post: left out)
        if not href or href.startswith("#"):
            continue
        url = urljoin(here, href)
        if url.startswith(base):
            out.add(_normal(urlsplit(url[len(base):]).path))
    return frozenset(out)


def _normal(path: str) -> str:
    """A site-relative path as a page's folder: "a/b/", "a/b/index.html" and "a/b" are one."""
    path = unquote(path).lstrip("/")
    if path.endswith("index.html"):
        path = path[: -len("index.html")]
    elif path and not path.endswith("/") and "." not in posixpath.basename(path):
        path += "/"
    return path


# ---------------------------------------------------------------- llms.txt

def index(posts: list[Post], categories: dict[str, Term], identity: Identity, settings: LlmsConfig,
          links: Counter) -> str:
    """llms.txt for the listed ``posts`` (newest first)."""
    url = identity.absolute
    out = [f"# {_line(identity.name) or identity.url or 'tsuzuri'}", ""]
    if identity.description:
        out += [f"> {_line(identity.description)}", ""]
    shown = {id(p) for p in posts}
    terms = sorted(((t, sum(id(p) in shown for p in t.posts)) for t in categories.values()),
                   key=lambda tn: (-tn[1], tn[0].name))
    terms = [(t, n) for t, n in terms if n]
    out.append(f"- 記事数: {len(posts):,}本" + (f"（{_date(posts[-1])}〜{_date(posts[0])}）" if posts else ""))
    out.append(f"- カテゴリー: {len(terms):,}")
    out.append("- 言語: 日本語")
    if settings.full_file:
        out.append(f"- 全記事の本文（Markdown、新しい順）: [{settings.full_file}]({_dest(url(settings.full_file))})")
    out.append("")
    if terms:
        out += ["## カテゴリー", ""]
        out += [f"- [{_text(t.name)}]({_dest(url(t.url))}): {n:,}本" for t, n in terms]
        out.append("")
    if settings.newest and posts:
        out += ["## 新着記事", ""]
        out += [_item(p, url, _date(p)) for p in posts[: settings.newest]]
        out.append("")
    linked = sorted((p for p in posts if links.get(p.url)), key=lambda p: (-links[p.url], _newest(p)))
    if settings.most_linked and linked:
        out += ["## よく参照される記事", ""]
        out += [_item(p, url, f"{links[p.url]:,}本の記事からリンク") for p in linked[: settings.most_linked]]
        out.append("")
    out += ["## Optional", ""]
    out.append(f"- [アーカイブ]({_dest(url('archive/'))}): 全{len(posts):,}本の記事の一覧（月別）")
    out.append(f"- [タグ]({_dest(url('tags/'))}): タグの一覧")
    out.append(f"- [フィード]({_dest(url('feed.xml'))}): 新着{min(len(posts), 20)}本のAtomフィード")
    out.append(f"- [サイトマップ]({_dest(url('sitemap.xml'))}): 全ページのURL")
    return "\n".join(out) + "\n"


def _item(post: Post, url, note: str) -> str:
    description = description_of(post)
    return f"- [{_text(post.title)}]({_dest(url(post.url))}): {note}" + (f" — {description}" if description else "")


def description_of(post: Post) -> str:
    """The post's `description:`, else the summary the site shows (its own excerpt, or the
    opening of the body when the excerpt is missing or a template phrase) — as seo.head."""
    own = post.data.get("description")
    return _line(own if isinstance(own, str) and own.strip() else post.summary)


def _newest(post: Post) -> tuple:
    return (-post.date.timestamp(), post.rel)


def _date(post: Post) -> str:
    return post.date.date().isoformat()


def _line(text: str) -> str:
    return " ".join((text or "").split())


def _text(text: str) -> str:
    """Link text: one line, brackets escaped (a title may hold "[速報]")."""
    return re.sub(r"([\\\[\]])", r"\\\1", _line(text))


def _dest(url: str) -> str:
    """A link destination that cannot end early: parentheses and spaces percent-encoded."""
    return url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")


# ---------------------------------------------------------------- llms-full.txt

def full(posts: list[Post], identity: Identity, bodies: dict[str, str]) -> str:
    """llms-full.txt: the site's header, then each post (``bodies``: URL -> its Markdown)."""
    out = [f"# {_line(identity.name) or identity.url or 'tsuzuri'}", ""]
    if identity.description:
        out += [f"> {_line(identity.description)}", ""]
    out += [f"{len(posts):,}本の記事の本文（新しい順）。各記事は記事名の見出し（#）と URL・Date・Categories・"
            "Tags・Description の行で始まり、記事内の見出しは一段下げてあります。", ""]
    for post in posts:
        out.append(f"# {_line(post.title)}")
        out.append("")
        out.append(f"URL: {_dest(identity.absolute(post.url))}")
        out.append(f"Date: {post.date.isoformat()}")
        if post.categories:
            out.append(f"Categories: {', '.join(map(_line, post.categories))}")
        if post.tags:
            out.append(f"Tags: {', '.join(map(_line, post.tags))}")
        if description := description_of(post):
            out.append(f"Description: {description}")
        out.append("")
        body = bodies[post.url].strip("\n")
        if body:
            out += [body, ""]
    return "\n".join(out)


# A comment, a script/style/iframe with what it holds, any other tag (never an autolink <https://…>)
_HTML_RE = re.compile(r"<!--.*?(?:-->|\Z)|<(script|style|iframe|noscript|template)\b[^>]*>.*?(?:</\1\s*>|\Z)"
                      r"|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>", re.IGNORECASE | re.DOTALL)
_BR_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)
_ATX_RE = re.compile(r"^([ ]{0,3})(#{1,6})(?=[ \t]|$)")
_SETEXT_H1_RE = re.compile(r"^[ ]{0,3}=+[ \t]*$")
_BLANKS = re.compile(r"\n{3,}")
_UNMASK = re.compile("\x00(\\d+)\x00")
_INLINE_LINK_RE = re.compile(r"(\[[^\]\n]*\]\(\s*)(<[^>\n]*>|[^\s()]+)")   # (an image's "!" stays before it)
_REF_DEF_RE = re.compile(r"^([ ]{0,3}\[[^\]\n]+\]:[ \t]*)(<[^>\n]*>|\S+)")
_MASK = "\x00{}\x00"


def markdown(content: str, base_url: str) -> str:
    """A post's cleaned Markdown for llms-full.txt: no kramdown attribute lists, no HTML (tags
    removed, their text kept; comments and scripts removed whole), links absolute against
    ``base_url`` (the post's address), headings one level down. Fenced code and code spans
    stay exactly as written."""
    text = content.replace("\r\n", "\n").replace("\r", "\n")
    if "```" not in text and "~~~" not in text:   # most posts: one stretch of prose
        return _prose(text, base_url)
    lines = text.split("\n")
    out: list[str] = []
    prose: list[str] = []
    fence = None
    for i, line in enumerate(lines):
        if fence is not None:
            out.append(line)
            if fence.match(line):
                fence = None
            continue
        m = FENCE_RE.match(line)
        if m and any(fence_end(m.group(1)).match(rest) for rest in lines[i + 1:]):
            out.append(_prose("\n".join(prose), base_url))
            prose = []
            out.append(line)
            fence = fence_end(m.group(1))
            continue
        prose.append(line)
    out.append(_prose("\n".join(prose), base_url))
    return "\n".join(out)


def _squeeze(text: str) -> str:
    """At most one blank line in a row (removed markup leaves runs of them)."""
    return _BLANKS.sub("\n\n", text) if "\n\n\n" in text else text


def _prose(text: str, base_url: str) -> str:
    if not text:
        return text
    spans: list[str] = []

    def mask(m: re.Match) -> str:
        spans.append(m.group())
        return _MASK.format(len(spans) - 1)

    text = text.replace("\x00", "")
    if "`" in text:
        text = CODE_SPAN_RE.sub(mask, text)
    if "<" in text:
        text = _HTML_RE.sub("", _BR_RE.sub("\n", text))
    if "](" in text:
        text = _INLINE_LINK_RE.sub(lambda m: m.group(1) + _absolute(m.group(2), base_url), text)
    out: list[str] = []
    for line in text.split("\n"):   # (one pass over the lines: multi-line regexes are slow here)
        head = line.lstrip(" ")
        if not head.strip():
            out.append("")
            continue
        if "{:" in line:
            if IAL_LINE_RE.match(line) or EXT_LINE_RE.match(line):
                continue
            line = SPAN_IAL_RE.sub("", line)
            head = line.lstrip(" ")
        first = head[:1]
        if first == "#":   # every heading one level down: the posts' titles are the only H1s
            line = _ATX_RE.sub(lambda m: m.group(1) + "#" * min(len(m.group(2)) + 1, 6), line, count=1)
        elif first == "=" and out and out[-1].strip() and _SETEXT_H1_RE.match(line):
            line = line.replace("=", "-")        # a setext H1 -> a setext H2
        elif first == "[" and "]:" in line:
            line = _REF_DEF_RE.sub(lambda m: m.group(1) + _absolute(m.group(2), base_url), line, count=1)
        out.append(line)
    text = _squeeze("\n".join(out))
    return _UNMASK.sub(lambda m: spans[int(m.group(1))], text) if spans else text


def _absolute(dest: str, base_url: str) -> str:
    bracketed = dest.startswith("<") and dest.endswith(">")
    raw = dest[1:-1] if bracketed else dest
    if not base_url or raw.startswith("#") or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", raw) or "\x00" in raw:
        return dest
    url = _dest(urljoin(base_url, raw))
    return f"<{url}>" if bracketed else url


# ---------------------------------------------------------------- the files

# mkdocs serve: a post's llms-full Markdown by (cleaned Markdown, its address), and the last
# llms-full.txt by what it was made of, from the last build: an unchanged post keeps its string
# objects, so the lookups hash and compare little.
_BODIES: dict[tuple[str, str], str] = {}
_FULL: list = [None, b""]


def files(posts: list[Post], categories: dict[str, Term], redirects: Iterable, identity: Identity,
          settings: LlmsConfig) -> dict[str, bytes]:
    """The llms files by path in the site ({} when disabled)."""
    if not settings.enabled:
        return {}
    shown = [p for p in posts if listed(p)]
    out: dict[str, bytes] = {}
    if settings.file:
        links = inbound(posts, redirects, identity.url)
        out[settings.file] = index(shown, categories, identity, settings, links).encode("utf-8")
    if settings.full_file:
        key = (identity, tuple((p.url, p.title, p.date, tuple(p.categories), tuple(p.tags), description_of(p),
                                p.content) for p in shown))
        if _FULL[0] != key:
            last, fresh = dict(_BODIES), {}
            bodies = {}
            for post in shown:
                at = (post.content, identity.absolute(post.url))
                body = last.get(at)
                fresh[at] = body = body if body is not None else markdown(*at)
                bodies[post.url] = body
            _BODIES.clear()
            _BODIES.update(fresh)
            _FULL[:] = [key, full(shown, identity, bodies).encode("utf-8")]
        out[settings.full_file] = _FULL[1]
    return out
