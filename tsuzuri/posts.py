"""Read: a file in posts/ -> Post, with Jekyll's conventions and a diagnostic for every problem.

Nothing here raises for a bad post: problems become diagnostics, and a post that can't be
published comes back as ``None`` with an error naming the file.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import frontmatter
from .config import SiteConfig
from .dates import DateError, filename_date, parse_date
from .diagnostics import Diagnostics, short
from .kramdown import FENCE_RE

MAX_BYTES = 1_000_000   # a post larger than this is most likely a scraping accident
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # C0 controls but tab and line ends
_CONFLICT_START_RE = re.compile(r"^<{7}(?:[ \t].*)?$")
_CONFLICT_BASE_RE = re.compile(r"^\|{7}(?:[ \t].*)?$")   # diff3 style: the common ancestor follows
_CONFLICT_MID_RE = re.compile(r"^={7}[ \t]*$")
_CONFLICT_END_RE = re.compile(r"^>{7}(?:[ \t].*)?$")
# HTML in a front-matter value is shown as text, never run; still, the editor should know.
_MARKUP_RE = re.compile(r"<\s*/?\s*(?:script|style|iframe|object|embed|svg|img|a|form|input|link|meta|div|span|p|"
                        r"br|b|i|u|em|strong|font|h[1-6])\b[^>]*>|javascript\s*:", re.IGNORECASE)


@dataclass(eq=False)  # a post is an entity: two posts are equal only if they are the same one
class Post:
    path: Path                 # the file
    source: str                # path as shown in diagnostics (relative to the project)
    rel: str                   # path relative to posts/, '/'-separated
    title: str
    date: dt.datetime          # aware, in the site timezone
    slug: str
    categories: list[str]
    tags: list[str]
    author: str
    excerpt: str               # front matter `excerpt`, may be ""
    published: bool
    permalink: str | None      # the post's own `permalink:` pattern, if any
    data: dict[str, Any]       # the whole front matter
    body: str                  # raw Markdown body (line endings as in the file)
    body_line: int             # line of the file where the body starts
    url: str = ""              # site-relative URL, no leading slash: "2025/09/18/slug/"
    dest_uri: str = ""         # "2025/09/18/slug/index.html"
    # filled in by site.prepare
    content: str = ""          # cleaned Markdown
    html: str = ""
    toc: list = field(default_factory=list)
    text: str = ""             # plain text of the rendered body
    summary: str = ""          # excerpt for lists
    reading_time: int = 1
    clean_report: Any = None
    # filled in by site.enrich
    mentions: dict[str, int] = field(default_factory=dict)   # entity id -> count, first mentioned first
    snippets: dict[str, str] = field(default_factory=dict)   # entity id -> text around its first mention
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    key_lines: dict[str, int] = field(default_factory=dict)  # front-matter key -> file line

    @property
    def sort_key(self) -> tuple:
        return (self.date, self.rel)


def discover(posts_dir: Path, config: SiteConfig, diags: Diagnostics, root: Path | None = None) -> list[Path]:
    """Post files under posts_dir (subfolders included), sorted; odd files get a warning.

    As Jekyll's safe mode: a symbolic link whose target leaves the project (``root``; the
    posts folder itself when it lies outside root) is an error and is never read, so a link
    to /etc/passwd or ~/.ssh/ cannot be published."""
    found = []
    inside = root is not None and _within(Path(os.path.abspath(posts_dir)), Path(os.path.abspath(root)))
    boundary = Path(os.path.realpath(root if inside else posts_dir))
    for path in sorted(p for p in posts_dir.rglob("*") if p.is_file() or p.is_symlink()):
        # hidden files, and drafts (Jekyll builds _drafts/ only with --drafts; we never do)
        if any(part.startswith(".") or part == "_drafts" for part in path.relative_to(posts_dir).parts):
            continue
        if path.suffix.lower() in config.extensions:
            target = os.path.realpath(path)  # (never raises on a link loop, unlike resolve())
            if not _within(Path(target), boundary) or not path.is_file():
                what = "outside the project" if path.exists() else "that does not exist"
                diags.error(_display(path, root), None,
                            f"symbolic link to a file {what} ({target}); it was not read",
                            "copy the post into the posts folder instead of linking to it, or delete the link")
                continue
            found.append(path)
        elif re.match(r"^\d{4}-\d{1,2}-\d{1,2}-", path.name):
            diags.warning(_display(path, root), None,
                          f"not read: '{path.suffix}' is not a post extension",
                          f"rename it to end in one of {', '.join(config.extensions)}")
    return found


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _display(path: Path, root: Path | None) -> str:
    try:
        return path.relative_to(root or Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def decode(raw: bytes, source: str, diags: Diagnostics) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Windows editors' "Unicode" is UTF-16
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
        else:
            diags.warning(source, 1, "file is UTF-16, not UTF-8; it was read as UTF-16", "re-save the file as UTF-8")
            return text
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        diags.warning(source, line, "file is not valid UTF-8; undecodable bytes were replaced with \ufffd",
                      "re-save the file as UTF-8")
        return raw.decode("utf-8", errors="replace")


def as_list(value: Any) -> list[str]:
    """Jekyll's reading of categories/tags: list, space-separated string, null or scalar."""
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for item in value:
            if isinstance(item, (list, tuple, dict)) or item is None:
                continue
            text = str(item).strip()
            if text:
                out.append(text)
        return out
    if isinstance(value, (int, float, bool)):
        return [str(value)]
    return []


def _is_clean_list(value: Any) -> bool:
    if value is None or isinstance(value, (str, int, float)):
        return True
    return isinstance(value, (list, tuple)) and all(
        isinstance(i, (str, int, float)) and not isinstance(i, bool) for i in value)


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def read_post(path: Path, config: SiteConfig, posts_dir: Path,
              root: Path | None = None) -> tuple[Post | None, Diagnostics]:
    """Read one file. The post is None only when it cannot be published; an error says why."""
    source = _display(path, root)
    diags = Diagnostics()
    rel = path.relative_to(posts_dir).as_posix()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        diags.error(source, None, f"cannot read file: {exc.strerror}", "check the file's permissions")
        return None, diags
    text = decode(raw, source, diags)
    if not text.strip():
        diags.error(source, None, "file is empty", "write the post or delete the file")
        return None, diags
    if (m := _CONTROL_RE.search(text)):
        diags.warning(source, text.count("\n", 0, m.start()) + 1,
                      f"control characters (like U+{ord(m.group()):04X}) cannot appear in a web page; they were removed",
                      "check the file is not corrupted, and delete the invisible characters")
        text = _CONTROL_RE.sub("", text)
    text, conflicts = resolve_conflicts(text)
    for c in conflicts:
        diags.error(source, c.start, c.describe(),
                    "resolve the merge conflict: keep the right text and delete the <<<<<<<, ======= and >>>>>>> lines")
    if len(raw) > MAX_BYTES:
        diags.warning(source, None, f"the post is {len(raw) / 1e6:.1f} MB; a page this large loads slowly",
                      "check it is not a scraping accident (a whole site or repeated text), or split it into several posts")

    fm = frontmatter.split(text)
    if fm.problem:
        hint = ("add a '---' line where the front matter ends" if "not closed" in fm.problem else
                "write one key: value per line" if "key: value" in fm.problem else
                "fix the YAML between the two '---' lines (quote values that contain ': ' or '#')")
        diags.error(source, fm.problem_line, fm.problem, hint)
        return None, diags
    if fm.repaired:
        diags.warning(source, 1, fm.repaired, "put each key on its own line between two '---' lines")
    data = fm.data
    head = text[: len(text) - len(fm.body)] if fm.body and text.endswith(fm.body) else text
    if not fm.has_front_matter:
        diags.warning(source, 1, "no front matter; title and date were inferred",
                      "add a front matter block with title: and date: at the top of the file")

    tz = config.tz
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    file_date, slug = filename_date(stem, tz)
    slug = slug.rstrip(".")  # Jekyll: "slugs shouldn't end with a period" (filename slugs only)

    # date
    date = None
    if "date" in data and data["date"] not in (None, ""):
        try:
            date, warning = parse_date(data["date"], tz)
            if warning:
                diags.warning(source, _key_line(text, "date"), warning, "write the date as YYYY-MM-DD HH:MM:SS +0900")
        except DateError as exc:
            diags.error(source, _key_line(text, "date"), str(exc),
                        "write the date as YYYY-MM-DD HH:MM:SS +0900 (or remove it to use the filename date)")
            return None, diags
    if date is None:
        date = file_date
    if date is None:
        diags.error(source, None, "the post has no date: none in the front matter or the file name",
                    "add date: YYYY-MM-DD HH:MM:SS +0900 or rename the file to YYYY-MM-DD-slug.md")
        return None, diags

    if isinstance(data.get("slug"), (str, int)) and str(data["slug"]).strip():
        slug = str(data["slug"]).strip()

    # published
    published = data.get("published", True)
    if isinstance(published, str):
        published = published.strip().lower() not in ("false", "no", "off", "0")
    published = bool(published) if published is not None else True
    if data.get("draft") is True or str(data.get("draft")).strip().lower() in ("true", "yes"):
        published = False  # `draft: true` (Hugo, Material's blog) means the same as published: false

    # categories and tags, as Jekyll reads them
    categories = as_list(data.get("categories"))
    if "category" in data and data["category"] is not None:
        single = _text(data["category"])
        if single and single.strip():
            categories.append(single.strip())
    tags = as_list(data.get("tags")) + as_list(data.get("tag"))
    for key in ("categories", "category", "tags", "tag"):
        if key in data and not _is_clean_list(data[key]):
            diags.warning(source, _key_line(text, key), f"'{key}' should be a list of words; odd items were skipped",
                          f'write {key}: ["a", "b"]')
    # Jekyll: folders above a `_posts` folder are categories (`news/_posts/x.md` -> "news").
    parts = rel.split("/")
    if "_posts" in parts[:-1]:
        categories = parts[: parts.index("_posts")] + categories
    categories, tags = _dedupe(categories), _dedupe(tags)

    author = data.get("author")
    if isinstance(author, dict):
        author = author.get("name")
    author = _text(author) or ""
    if "author" in data and data["author"] is not None and not author:
        diags.warning(source, _key_line(text, "author"), "'author' should be a name", 'write author: "名前"')

    excerpt = _as_written(data, "excerpt", head, diags, source)
    if data.get("excerpt") is not None and excerpt is None:
        diags.warning(source, _key_line(text, "excerpt"), f"excerpt must be text, got {type(data['excerpt']).__name__}; "
                      "the start of the body is used instead", 'write excerpt: "要約"')
    excerpt = excerpt or ""

    permalink = data.get("permalink")
    if permalink is not None and not isinstance(permalink, str):
        diags.error(source, _key_line(text, "permalink"), f"permalink must be a path, got {short(permalink)}",
                    "write permalink: /path/to/page/ or remove it")
        return None, diags

    raw_title = data.get("title")
    title = _as_written(data, "title", head, diags, source)
    if raw_title is not None and title is None:
        diags.warning(source, _key_line(text, "title"), f"title must be text, got {type(raw_title).__name__}",
                      'write title: "タイトル"')

    for name, values in (("title", [title or ""]), ("excerpt", [excerpt]), ("author", [author]),
                         ("tags", tags), ("categories", categories)):
        found = next((m.group() for v in values if (m := _MARKUP_RE.search(v))), None)
        if found:
            diags.warning(source, _key_line(text, name), f"{name} contains HTML ({short(found)}); it is shown as text, not run",
                          f"remove the markup from {name}")

    post = Post(path=path, source=source, rel=rel, title=title or "", date=date, slug=slug,
                categories=categories, tags=tags, author=author, excerpt=excerpt.strip(),
                published=published, permalink=permalink, data=data, body=fm.body,
                body_line=fm.body_line, diagnostics=diags,
                key_lines={k: n for k in data if (n := _key_line(head, k)) is not None})
    return post, diags


def _dedupe(items: list[str]) -> list[str]:
    seen, out = set(), []
    for item in items:
        key = unicodedata.normalize("NFKC", item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


@dataclass
class Conflict:
    """One git conflict hunk: the lines (1-based) of its markers."""
    start: int                      # <<<<<<<
    end: int | None = None          # >>>>>>> (None: never closed)
    splits: list[int] = field(default_factory=list)   # ||||||| and =======, in order
    in_front_matter: bool = False

    def describe(self) -> str:
        lines = ", ".join(str(n) for n in dict.fromkeys([self.start, *self.splits, *([self.end] if self.end else [])]))
        where = " in the front matter" if self.in_front_matter else ""
        done = ("its last side is used (the change being applied: 'theirs' in a merge, the stash in "
                "'git stash pop', your commit in a rebase)" if self.in_front_matter else
                "the post is published with both sides as versions of the same text, each paragraph once")
        return f"unresolved git merge conflict{where} (marker lines {lines}): {done}"


def resolve_conflicts(text: str) -> tuple[str, list[Conflict]]:
    """Publish a post with git conflict markers as Jekyll does, but never show the markers.

    In the body, the sides become ---END--- fragments, so the fragment cleaner keeps every
    paragraph of both once (the sides are two versions of the same article). In the front
    matter, YAML cannot hold two versions of a key: the last side is kept and the rest become
    YAML comments. Markers inside fenced code are content (a post about git). The line count
    never changes, so every later diagnostic points at the right line.
    """
    lines = text.splitlines(keepends=True)
    hunks: list[Conflict] = []
    side: dict[int, str] = {}          # line index -> "marker" | "ours" (dropped in front matter)
    fence, hunk, last_side = None, None, False
    bares = [line.splitlines()[0] if line.splitlines() else "" for line in lines]  # without its line end
    for i, line in enumerate(lines):
        bare = bares[i]
        if hunk is not None:           # inside a hunk, markers count even after an unclosed fence
            if _CONFLICT_END_RE.match(bare):
                hunk.end, hunk, fence = i + 1, None, None
                side[i] = "marker"
                continue
            if _CONFLICT_BASE_RE.match(bare) or _CONFLICT_MID_RE.match(bare):
                hunk.splits.append(i + 1)
                side[i], fence, last_side = "split", None, bool(_CONFLICT_MID_RE.match(bare))
                continue
            if not last_side:
                side[i] = "ours"       # ours, or the diff3 base: not the last side
        if m := FENCE_RE.match(line):
            if fence is None:
                fence = m.group(1)
            elif m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not line.strip()[len(m.group(1)):]:
                fence = None
        elif fence is None and hunk is None:
            if _CONFLICT_START_RE.match(bare):
                hunk, last_side = Conflict(i + 1), False
                hunks.append(hunk)
                side[i] = "marker"
            elif _CONFLICT_END_RE.match(bare) or _CONFLICT_BASE_RE.match(bare):  # a stray marker
                hunks.append(Conflict(i + 1, i + 1))
                side[i] = "marker"
    if not hunks:
        return text, []
    # the front matter ends at the first closing line that is not on a dropped side
    fm_end = 0
    if lines and re.match(r"^---[ \t]*$", bares[0]):
        fm_end = next((i for i in range(1, len(lines)) if side.get(i) not in ("ours", "marker", "split")
                       and re.match(r"^(---|\.\.\.)[ \t]*$", bares[i])), 0)
    out = list(lines)
    for i, kind in side.items():
        ending = lines[i][len(bares[i]):]
        if i < fm_end:
            out[i] = "#" + ending      # a YAML comment keeps the line
        elif kind == "split":
            out[i] = "---END---" + ending
        elif kind == "marker":
            out[i] = ending
    for h in hunks:
        h.in_front_matter = h.start - 1 < fm_end
    return "".join(out), hunks


def _as_written(data: dict, key: str, head: str, diags: Diagnostics, source: str) -> str | None:
    """A text value; a YAML number or boolean is taken as written (`title: 3:10` is not 190)."""
    value = data.get(key)
    if isinstance(value, str):
        return value
    if not isinstance(value, (int, float, bool)):
        return None
    m = re.search(rf"^{re.escape(key)}[ \t]*:[ \t]*([^#\r\n]*?)[ \t]*(?:#.*)?$", head, re.MULTILINE)
    written = m.group(1) if m and m.group(1) else str(value)
    if written != str(value):
        diags.note(source, _key_line(head, key), f"{key} {written} was read by YAML as {value!r}; "
                   "kept as written", f'quote it: {key}: "{written}"')
    return written


def _key_line(text: str, key: str) -> int | None:
    m = re.search(rf"^{re.escape(key)}\s*:", text, re.MULTILINE)
    return text.count("\n", 0, m.start()) + 1 if m else None


def entry_line(post: Post, value: str, key_line: int | None, after: int | None = None) -> int | None:
    """The front-matter line holding one entry ``value`` of a list key (at or below the key's
    line, below ``after``), else the key's line: diagnostics on redirect_from and related_articles
    entries name their own line (the file is read again: such entries are few)."""
    if key_line is None:
        return None
    try:
        text = post.path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return key_line
    lines = text.splitlines()
    end = max(post.body_line - 1, key_line)
    for n in range(max(key_line, (after or 0) + 1), min(end, len(lines)) + 1):
        if value.strip() in lines[n - 1]:
            return n
    return key_line
