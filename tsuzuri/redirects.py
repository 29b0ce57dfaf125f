"""``redirect_from:``: old paths that send readers to a post, as jekyll-redirect-from does.

Each old path gets a small HTML page (meta refresh, canonical link, noindex, a visible link).
Paths are read as Jekyll places a page: ``/old/`` -> ``old/index.html``, ``/old.html`` stays,
``/old`` -> ``old.html``. A value that is not a path in this site (``javascript:``, an absolute
URL, ``..``) is an error; a path another output already has (a post, the site's own pages and
files, docs/, an earlier redirect) is a warning, and the redirect is not written. The pages are
published as plain files beside the site (outputs.files' way), never as pages: they are not in
the sitemap, the feeds or the search index, and ``mkdocs build --dirty`` removes them like any
other output once their entry is gone.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote

from . import urls
from .diagnostics import Diagnostics
from .posts import Post, entry_line

MAX_PER_POST = 50   # old paths one post may claim (a pasted list of thousands is a mistake)


@dataclass(frozen=True)
class Redirect:
    dest: str          # "old/path/index.html"
    post: Post         # where it sends the reader
    line: int | None   # of the redirect_from entry


def values(post: Post) -> tuple[list[str], str | None]:
    """The paths given (a string or a list of strings), and a problem with the value if any."""
    value = post.data.get("redirect_from")
    if value is None:
        return [], None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return [], f"redirect_from must be a path or a list of paths, got {type(value).__name__}"
    good = [v for v in value if isinstance(v, str) and v.strip()]
    if len(good) != len(value):
        return good, "redirect_from should list paths only; the other items were skipped"
    return good, None


def destination(path: str) -> tuple[str | None, str]:
    """The file an old path is written to, or None and why it cannot be one."""
    probe = path.strip()
    for _ in range(3):  # %252e%252e decodes twice
        probe = unquote(probe)
    if "\\" in probe or any(c in probe for c in '<>"`') or re.search(r"[\x00-\x1f\x7f]", probe):
        return None, "contains characters a path cannot have"
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", probe.lstrip("/")) or probe.startswith("//"):
        return None, "is an absolute URL (or a javascript:/data: link), not a path in this site"
    if any(seg in ("..", ".") for seg in probe.split("/")):
        return None, "escapes the site with '..'"
    plain = unquote(path.strip()).split("#", 1)[0].split("?", 1)[0]  # the file, as Jekyll unescapes it
    dest = urls.dest_uri("/" + plain.lstrip("/"))
    dest = re.sub(r"/{2,}", "/", dest)
    if (long := urls.long_segment(dest)) is not None:
        return None, f"has a part {len(long.encode('utf-8', 'surrogatepass'))} bytes long (a file name holds {urls.MAX_NAME})"
    return dest, ""


def plan(posts: list[Post], taken, own, diags: Diagnostics) -> list[Redirect]:
    """The redirects to write, in a stable order. ``taken``: the posts' destinations; ``own``:
    the site's own outputs (both site._Paths)."""
    from .site import _Paths

    done: dict[str, Redirect] = {}
    mine = _Paths()
    for post in sorted(posts, key=lambda p: p.rel):
        if "redirect_to" in post.data:  # the Jekyll blog never uses it; say so rather than ignore it
            diags.warning(post.source, post.key_lines.get("redirect_to"), "redirect_to is not supported; the post "
                          "is published as a page of its own", "delete redirect_to: (link to the other page in the body)")
        given, problem = values(post)
        key_line = post.key_lines.get("redirect_from")
        if problem:
            diags.error(post.source, key_line, problem, 'write redirect_from: ["/old/path/"] (paths in this site)')
        if len(given) > MAX_PER_POST:
            diags.error(post.source, key_line, f"redirect_from lists {len(given)} paths; only the first "
                        f"{MAX_PER_POST} were written", "keep the old paths readers really use")
            given = given[:MAX_PER_POST]
        last: dict[str, int] = {}   # a path listed twice: the second one's own line
        for path in given:
            line = entry_line(post, path, key_line, last.get(path.strip()))
            if line is not None:
                last[path.strip()] = line
            shown = path.strip()[:80]
            dest, why = destination(path)
            if dest is None:
                diags.error(post.source, line, f"redirect_from {shown!r} {why}; no redirect was written",
                            "write the old path in this site, like /2024/01/01/old-slug/")
                continue
            if dest == post.dest_uri:
                diags.warning(post.source, line, f"redirect_from {shown!r} is the post's own URL; no redirect was written",
                              "delete the entry")
                continue
            for clash, what in ((own.clash(dest), "the site's own "), (taken.clash(dest), "the post at "),
                                (mine.clash(dest), "another redirect at ")):
                if clash is None:
                    continue
                other = done.get(clash)
                owner = (f" (redirect_from of {other.post.source}" + (f":{other.line}" if other.line else "") + ")"
                         if other is not None and what.startswith("another") else
                         f" ({next((p.source for p in posts if p.dest_uri == clash), '')})"
                         if what.startswith("the post") else "")
                diags.warning(post.source, line, f"redirect_from {shown!r} would be written to {dest!r}, which "
                              f"{what}{clash!r}{owner} already has; no redirect was written",
                              "delete the entry, or give the other page another URL")
                break
            else:
                mine.add(dest)
                done[dest] = Redirect(dest, post, line)
    return list(done.values())


def page(redirect: Redirect, canonical: str) -> bytes:
    """The redirect page: the target relative to the old path (works under any base path and in
    the preview), its absolute URL as canonical (``canonical``: "" when site_url is unset)."""
    here = posixpath.dirname(redirect.dest)
    target = posixpath.relpath(redirect.post.dest_uri, here or ".")
    if target.endswith("index.html"):
        target = target[: -len("index.html")] or "./"
    href = html.escape(target, quote=True)
    canon = html.escape(canonical or "/" + redirect.post.url, quote=True)
    title = html.escape(redirect.post.title)
    return (f'<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
            f'<link rel="canonical" href="{canon}">\n'
            f'<meta http-equiv="refresh" content="0; url={href}">\n'
            f'<meta name="robots" content="noindex">\n</head>\n<body>\n'
            f'<p><a href="{href}">こちらに移動しました</a>：{title}</p>\n</body>\n</html>\n').encode("utf-8")
