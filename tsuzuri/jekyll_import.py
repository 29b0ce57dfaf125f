"""``python -m tsuzuri import-jekyll JEKYLL_DIR [--into PROJECT]``: a Jekyll site -> a tsuzuri project.

What moves where:

- ``_config.yml``: the keys tsuzuri has an equivalent for are set in ``mkdocs.yml`` by editing
  their lines in place (comments and layout survive); every other key is reported as
  "not mapped" with what to do.
- ``_posts/`` -> ``posts/`` (subfolders kept; ``X/_posts/`` -> ``posts/X/_posts/``, so the
  folder stays a category as in Jekyll); ``_drafts/`` -> ``posts/_drafts/`` (never built).
- ``assets/`` -> ``docs/assets/``, merged with tsuzuri's own files, which are never replaced.
- ``_includes/`` -> ``includes/``.
- ``_data/**/companies.yml`` -> entities in the registry, with their facts (see entity_data.py).

PROJECT is an existing tsuzuri project, or a missing/empty folder that gets a copy of the
skeleton of the checkout this package lives in. A post that exists with other content is an
error (nothing is written) unless ``force``; a file with the same bytes is left alone, so a
second run changes nothing.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from .config import SiteConfig
from .diagnostics import ERROR, Diagnostics
from .entity_data import data_files, merge, read_companies

ENGINE_ROOT = Path(__file__).resolve().parent.parent
# What a new project gets from this checkout (posts, tests and benchmarks are this repo's own).
SKELETON = ("mkdocs.yml", "hooks", "templates", "docs", "tsuzuri", "entities.yml", "requirements.txt",
            "requirements-dev.txt", ".gitignore", ".github", "tools")
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".cache", "site")
# Folders of a Jekyll source that hold no site input.
_NOT_SOURCE = {"_site", ".jekyll-cache", ".sass-cache", "node_modules", "vendor", ".git", ".bundle"}

_PLUGINS = {
    "jekyll-feed": "built in: /feed.xml, plus one per category and tag",
    "jekyll-sitemap": "built in: /sitemap.xml and robots.txt",
    "jekyll-seo-tag": "built in: description, canonical, Open Graph, Twitter card, JSON-LD",
    "jekyll-paginate": "built in: extra.tsuzuri.paginate (pages counted from the oldest post)",
    "jekyll-paginate-v2": "built in: extra.tsuzuri.paginate (pages counted from the oldest post)",
    "jekyll-archives": "built in: /categories/, /tags/ and /archive/",
    "jekyll-redirect-from": "not supported: posts' redirect_from: is ignored; add the redirects at the web server",
    "jekyll-last-modified-at": "built in: a post's last_modified_at feeds the sitemap and feeds",
}
_ADVICE = {
    "plugins": "see the lines for each plugin",
    "gems": "see the lines for each plugin",
    "collections": "tsuzuri builds posts only; put other collections' pages into docs/ as Markdown",
    "defaults": "front-matter defaults are not applied; write the values into the posts "
                "(a post without author: shows none; `new` uses extra.tsuzuri.author)",
    "exclude": "tsuzuri reads only posts/ and docs/; nothing to exclude",
    "include": "tsuzuri reads only posts/ and docs/; put other pages into docs/",
    "keep_files": "MkDocs empties site/ on every build; keep such files in docs/",
    "sass": "tsuzuri does not compile Sass; compile it to CSS in docs/assets/ and list it under extra_css",
    "kramdown": "posts are rendered by Python-Markdown (tables, fenced code, footnotes); kramdown-only "
                "syntax such as '{: .class}' attribute lines is shown as text — remove it from the posts",
    "markdown": "posts are rendered by Python-Markdown, not kramdown; nothing to set",
    "highlighter": "code is highlighted by Pygments (Material's theme); nothing to set",
    "encoding": "posts are read as UTF-8; nothing to set",
    "future": "tsuzuri publishes posts dated in the future, as future: true does",
    "paginate_path": "list pages are /page/N/, counted from the oldest post; old page URLs change",
    "permalink": "",   # mapped
    "theme": "tsuzuri uses Material for MkDocs with templates/; port layout changes there",
    "remote_theme": "tsuzuri uses Material for MkDocs with templates/; port layout changes there",
    "google_analytics": "add Material's analytics to mkdocs.yml: extra: analytics: {provider: google, property: ID}",
    "email": "not shown by tsuzuri's templates; add it to docs/about.md",
    "short_title": "not shown by tsuzuri's templates",
    "tagline": "not shown by tsuzuri's templates; put it in site_description if it should be",
    "github_username": "not shown; add it under extra.social in mkdocs.yml (Material's footer links)",
    "social": "not shown; add the links under extra.social in mkdocs.yml (Material's footer links)",
    "sitemap": "the sitemap's entries come from the posts; priority and changefreq are not written",
    "compress_html": "MkDocs writes the HTML as rendered; nothing to set",
    "source": "tsuzuri reads posts/ and docs/; nothing to set",
    "destination": "the site is written to site/ (site_dir in mkdocs.yml)",
    "lsi": "related posts are built in (entities and tags)",
    "related_posts_limit": "related posts are built in (up to five per post)",
    "reading_time": "reading time is built in",
    "search": "search is built in (tsuzuri's own index)",
    "comments": "no comment system; add one to templates/post.html",
}


class ImportFailed(Exception):
    """The import cannot go on; the message says why and what to do."""


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def mapped(self, what: str) -> None:
        self.lines.append(f"mapped: {what}")

    def not_mapped(self, key: str, why: str) -> None:
        self.lines.append(f"not mapped: {key} — {why}")

    def note(self, text: str) -> None:
        self.lines.append(f"note: {text}")

    def error(self, text: str) -> None:
        self.errors.append(f"error: {text}")


# ---------------------------------------------------------------- _config.yml -> mkdocs.yml

def _short(value: Any, n: int = 40) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= n else text[: n - 1] + "…"


def map_config(jekyll: dict, report: Report, *, post_text: str = "") -> dict[tuple[str, ...], Any]:
    """The mkdocs.yml settings ({key path: value}) for a Jekyll _config.yml; reports each key."""
    out: dict[tuple[str, ...], Any] = {}
    done: set[str] = set()

    def put(src: str, path: tuple[str, ...], value: Any) -> None:
        out[path] = value
        report.mapped(f"{src} → {'.'.join(path)}: {_short(value)}")

    def text(key: str) -> str | None:
        v = jekyll.get(key)
        return str(v).strip() if isinstance(v, (str, int, float)) and str(v).strip() else None

    if (v := text("title")) is not None:
        put("title", ("site_name",), v)
    done.add("title")
    if (v := text("description")) is not None:
        put("description", ("site_description",), v)
    done.add("description")

    url, baseurl = text("url"), text("baseurl") or ""
    baseurl = "/" + baseurl.strip("/") if baseurl.strip("/") else ""
    if url:
        if re.match(r"^https?://[^/\s]+", url):
            put("url + baseurl" if "baseurl" in jekyll else "url", ("site_url",), url.rstrip("/") + baseurl + "/")
        else:
            report.not_mapped("url", f"{url!r} is not an http(s) address; set site_url in mkdocs.yml by hand")
    elif baseurl:
        put("baseurl", ("extra", "tsuzuri", "baseurl"), baseurl)
        report.note("no url in _config.yml: set site_url in mkdocs.yml (feeds and canonical URLs need it)")
    done.update(("url", "baseurl"))

    collection = ((jekyll.get("collections") or {}).get("posts") or {}) if isinstance(jekyll.get("collections"), dict) else {}
    permalink = collection.get("permalink") if isinstance(collection, dict) else None
    if isinstance(permalink, str) and permalink.strip():
        put("collections.posts.permalink", ("extra", "tsuzuri", "permalink"), permalink.strip())
    elif (v := text("permalink")) is not None:
        put("permalink", ("extra", "tsuzuri", "permalink"), v)
    else:
        out[("extra", "tsuzuri", "permalink")] = "date"
        report.mapped("permalink (absent: Jekyll's default) → extra.tsuzuri.permalink: date")
    done.add("permalink")

    if (v := text("timezone")) is not None:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            report.not_mapped("timezone", f"{v!r} is not a time zone name; set extra.tsuzuri.timezone (e.g. Asia/Tokyo)")
        else:
            put("timezone", ("extra", "tsuzuri", "timezone"), v)
    else:
        report.not_mapped("timezone", "absent (Jekyll used the build machine's zone); "
                          "extra.tsuzuri.timezone is kept — check it is the zone the posts were dated in")
    done.add("timezone")

    if "paginate" in jekyll:
        v = jekyll["paginate"]
        if isinstance(v, int) and not isinstance(v, bool) and v > 0:
            put("paginate", ("extra", "tsuzuri", "paginate"), v)
        else:
            report.not_mapped("paginate", f"{_short(v)} is not a positive whole number; set extra.tsuzuri.paginate")
    done.add("paginate")

    author = jekyll.get("author")
    if isinstance(author, dict):
        author = author.get("name")
    if isinstance(author, str) and author.strip():
        put("author", ("extra", "tsuzuri", "author"), author.strip())
    elif "author" in jekyll:
        report.not_mapped("author", "not a name; set extra.tsuzuri.author")
    done.add("author")

    twitter = jekyll.get("twitter")
    src = "twitter.username"
    if isinstance(twitter, dict):
        twitter = twitter.get("username")
    elif isinstance(twitter, str):
        src = "twitter"
    if not (isinstance(twitter, str) and twitter.strip()) and isinstance(jekyll.get("twitter_username"), str):
        twitter, src = jekyll["twitter_username"], "twitter_username"
    if isinstance(twitter, str) and twitter.strip().lstrip("@"):
        handle = twitter.strip().rstrip("/").rsplit("/", 1)[-1].lstrip("@")   # a URL names the account last
        put(src, ("extra", "tsuzuri", "twitter"), "@" + handle)
    done.update(("twitter", "twitter_username"))

    for key in ("lang", "locale"):
        if (v := text(key)) is not None and ("theme", "language") not in out:
            put(key, ("theme", "language"), _language(v))
        done.add(key)

    for key, target in (("og_image", ("extra", "tsuzuri", "image")), ("logo", ("theme", "logo"))):
        v = text(key)
        if v and not re.match(r"^[a-z]+:", v):
            path = v.lstrip("/")
            if baseurl and ("/" + path).startswith(baseurl + "/"):
                path = path[len(baseurl):].lstrip("/")
            put(key, target, path)
        elif v:
            report.not_mapped(key, f"{_short(v)} is not a path in the site; copy the image into docs/assets/")
        done.add(key)
    image = jekyll.get("image")
    if isinstance(image, (str, dict)) and ("extra", "tsuzuri", "image") not in out:
        path = image if isinstance(image, str) else image.get("path")
        if isinstance(path, str) and path.strip() and not re.match(r"^[a-z]+:", path):
            put("image", ("extra", "tsuzuri", "image"), path.lstrip("/"))
            done.add("image")

    # Plugins: one line each, since most are built in.
    for key in ("plugins", "gems"):
        plugins = jekyll.get(key)
        if key not in jekyll:
            continue
        done.add(key)
        for name in (plugins if isinstance(plugins, list) else [plugins]):
            name = str(name)
            why = _PLUGINS.get(name)
            if why and why.startswith("built in"):
                report.mapped(f"{key}: {name} → {why}")
            else:
                report.not_mapped(f"{key}: {name}", why or "no tsuzuri equivalent; its output will be missing")

    if isinstance(jekyll.get("collections"), dict):
        others = [k for k in jekyll["collections"] if k != "posts"]
        if others:
            report.not_mapped("collections", f"{', '.join(map(str, others))}: " + _ADVICE["collections"])
        done.add("collections")

    used = set(re.findall(r"\{\{-?\s*site\.([A-Za-z_]\w*)", post_text))
    for key, value in jekyll.items():
        key = str(key)
        if key in done:
            continue
        if key in used and isinstance(value, (str, int, float)) and not isinstance(value, bool):
            put(key, ("extra", "tsuzuri", key), value)   # posts' {{ site.key }} read it there
        elif key in _ADVICE:
            report.not_mapped(key, _ADVICE[key])
        else:
            report.not_mapped(key, "a setting of the Jekyll site's own theme or plugins; tsuzuri does not read it"
                              + (" (posts use {{ site.%s }}: put a text value under extra.tsuzuri)" % key
                                 if key in used else ""))
    return out


def _language(lang: str) -> str:
    """Jekyll's lang (ja, ja-JP, ja_JP) -> Material's language code (ja; zh-TW and pt-BR stay)."""
    lang = lang.replace("_", "-")
    keep = {"zh-tw": "zh-TW", "zh-hant": "zh-Hant", "pt-br": "pt-BR", "sr-latn": "sr-Latn"}
    return keep.get(lang.lower(), lang.split("-")[0].lower())


# ---------------------------------------------------------------- mkdocs.yml, edited by lines

_KEY_RE = re.compile(r"^(?P<indent>[ ]*)(?P<key>[A-Za-z_][\w-]*)[ ]*:(?P<rest>.*)$")


def _comment_start(rest: str) -> int:
    """Index of a '#' comment in a line's value part (outside quotes), or len(rest)."""
    quote = None
    for i, ch in enumerate(rest):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'" and (i == 0 or rest[:i].strip() == ""):
            quote = ch
        elif ch == "#" and (i == 0 or rest[i - 1] in " \t"):
            return i
    return len(rest)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)   # a JSON string is a YAML double-quoted scalar


def _block_end(lines: list[str], start: int, indent: int) -> int:
    """Index after the last line of the block under lines[start] (lines indented deeper)."""
    end = start + 1
    last = start + 1
    while end < len(lines):
        line = lines[end]
        if line.strip() and not line.lstrip().startswith("#"):
            if len(line) - len(line.lstrip(" ")) <= indent:
                break
            last = end + 1
        elif line.strip().startswith("#") and len(line) - len(line.lstrip(" ")) > indent:
            last = end + 1
        end += 1
    return last


def set_key(text: str, path: tuple[str, ...], value: Any) -> str:
    """Set a key of mkdocs.yml to a scalar, editing lines only (every other line stays as written)."""
    lines = text.split("\n")
    lo, hi, indent = 0, len(lines), -1      # the block searched, and its parent's indent
    for depth, key in enumerate(path):
        child_indent, found, commented = None, None, None
        for i in range(lo, hi):
            line = lines[i]
            m = _KEY_RE.match(line)
            if m and len(m["indent"]) > indent and (child_indent is None or len(m["indent"]) == child_indent):
                child_indent = len(m["indent"])
                if m["key"] == key:
                    found = i
                    break
            elif (c := re.match(rf"^(\s*)#\s*{re.escape(key)}\s*:", line)) and depth == len(path) - 1:
                if len(c.group(1)) > indent and commented is None:
                    commented = i
        if child_indent is None:
            child_indent = indent + 2 if indent >= 0 else 0
        last = depth == len(path) - 1
        if found is None and last and commented is not None:
            # a commented-out example of the key (`# twitter: "@account"  # why`): fill it in
            line = lines[commented]
            rest = line.split("#", 1)[1]
            tail = rest[rest.index(":") + 1:]
            cut = _comment_start(tail)
            comment = tail[cut:].strip()
            lines[commented] = " " * child_indent + f"{key}: {_scalar(value)}" + (f"   {comment}" if comment else "")
            return "\n".join(lines)
        if found is None:
            # append the missing key (and its parents) at the end of the block
            at = lo
            for i in range(lo, hi):
                if lines[i].strip() and not lines[i].lstrip().startswith("#"):
                    at = i + 1
            new = []
            for d, k in enumerate(path[depth:]):
                pad = " " * (child_indent + 2 * d)
                new.append(f"{pad}{k}: {_scalar(value)}" if depth + d == len(path) - 1 else f"{pad}{k}:")
            if indent < 0:
                at = len(lines) - (1 if lines and lines[-1] == "" else 0)
            lines[at:at] = new
            return "\n".join(lines)
        m = _KEY_RE.match(lines[found])
        if last:
            rest = m["rest"]
            cut = _comment_start(rest)
            value_part, comment = rest[:cut], rest[cut:]
            end = found + 1
            if not value_part.strip():   # a block value: replace its lines too
                end = _block_end(lines, found, child_indent)
            spacing = (" " * max(1, len(value_part) - len(value_part.rstrip()))) if comment else ""
            lines[found:end] = [f"{m['indent']}{key}: {_scalar(value)}{spacing}{comment}"]
            return "\n".join(lines)
        lo, hi, indent = found + 1, _block_end(lines, found, child_indent), child_indent
    return "\n".join(lines)


def _read_yaml(text: str) -> dict:
    loader = type("Loader", (yaml.SafeLoader,), {})
    loader.add_multi_constructor("", lambda _l, _s, _n: None)   # !!python/name tags of Material
    data = yaml.load(text, Loader=loader)
    return data if isinstance(data, dict) else {}


def _get(data: Any, key_path: tuple[str, ...]) -> Any:
    for k in key_path:
        data = data.get(k) if isinstance(data, dict) else None
    return data


def update_mkdocs_yml(path: Path, settings: dict[tuple[str, ...], Any], report: Report) -> bool:
    """Apply settings to mkdocs.yml in place; True if the file changed."""
    before = path.read_text(encoding="utf-8")
    text = before
    for key_path, value in settings.items():
        if _get(_read_yaml(text), key_path) == value:
            continue   # already so: keep the line as written
        edited = set_key(text, key_path, value)
        try:
            data = _read_yaml(edited)
        except yaml.YAMLError:
            data = {}
        if _get(data, key_path) != value:
            report.error(f"{path.name}: could not set {'.'.join(key_path)} in place (unusual layout); "
                         f"set it by hand to {_scalar(value)}")
            continue
        text = edited
    if text != before:
        path.write_text(text, encoding="utf-8")
    return text != before


# ---------------------------------------------------------------- files

@dataclass
class Copy:
    src: Path
    dest: Path
    kind: str          # "post", "draft", "asset", "include"


def _source_dirs(site: Path, name: str) -> list[Path]:
    """Every folder called name (``_posts``, ``_drafts``) in the Jekyll source."""
    found = []
    for p in sorted(site.rglob(name)):
        rel = p.relative_to(site).parts
        if p.is_dir() and not any(part in _NOT_SOURCE or part.startswith(".") for part in rel):
            found.append(p)
    return found


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def plan(site: Path, project: Path, report: Report) -> list[Copy]:
    extensions = SiteConfig().extensions
    copies: list[Copy] = []
    for kind in ("_posts", "_drafts"):
        for folder in _source_dirs(site, kind):
            above = folder.parent.relative_to(site)
            base = project / "posts" / above / ("_posts" if above.parts and kind == "_posts" else "")
            if kind == "_drafts":
                base = project / "posts" / above / "_drafts"
            for f in _files(folder):
                rel = f.relative_to(site).as_posix()
                if f.suffix.lower() not in extensions:
                    report.not_mapped(rel, f"tsuzuri reads posts ending in {', '.join(extensions)}; "
                                      "rename it (or, if it is not a post, move it to docs/assets/)")
                    continue
                copies.append(Copy(f, base / f.relative_to(folder), "draft" if kind == "_drafts" else "post"))
    if (site / "assets").is_dir():
        copies += [Copy(f, project / "docs" / "assets" / f.relative_to(site / "assets"), "asset")
                   for f in _files(site / "assets")]
    if (site / "_includes").is_dir():
        copies += [Copy(f, project / "includes" / f.relative_to(site / "_includes"), "include")
                   for f in _files(site / "_includes")]
    return copies


def _same(a: Path, b: Path) -> bool:
    return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()


def _own_assets() -> set[str]:
    """tsuzuri's own docs/assets files (relative paths): never replaced by an import."""
    own = ENGINE_ROOT / "docs" / "assets"
    found = {"tsuzuri.css", "search.css", "search.js"}
    if own.is_dir():
        found |= {p.relative_to(own).as_posix() for p in _files(own)}
    return found


def _skeleton(project: Path, report: Report) -> None:
    missing = [name for name in ("mkdocs.yml", "hooks", "templates", "tsuzuri") if not (ENGINE_ROOT / name).exists()]
    if missing:
        raise ImportFailed(f"{project} is not a tsuzuri project and this tsuzuri has no project skeleton "
                           f"to copy ({', '.join(missing)} missing); pass --into a tsuzuri checkout")
    project.mkdir(parents=True, exist_ok=True)
    for name in SKELETON:
        src = ENGINE_ROOT / name
        if src.is_dir():
            shutil.copytree(src, project / name, ignore=_SKIP)
        elif src.is_file():
            shutil.copy2(src, project / name)
    (project / "posts").mkdir(exist_ok=True)
    report.mapped(f"a new tsuzuri project in {project} (copied from {ENGINE_ROOT})")


def run(site: Path, project: Path, *, force: bool = False) -> tuple[int, Report]:
    """Import; (exit status, report). Nothing is written when a post would be overwritten."""
    report = Report()
    site, project = Path(site), Path(project)
    if not site.is_dir():
        raise ImportFailed(f"{site}: no such folder (give the Jekyll site's folder, the one with _config.yml)")
    if not any(site.rglob("_posts")) and not (site / "_config.yml").exists():
        raise ImportFailed(f"{site}: no _config.yml and no _posts/ folder; is this a Jekyll site?")
    config_file = project / "mkdocs.yml"
    if config_file.exists():
        if "tsuzuri" not in config_file.read_text(encoding="utf-8"):
            raise ImportFailed(f"{config_file} is not a tsuzuri project's (no tsuzuri hooks or extra.tsuzuri); "
                               "pass --into a tsuzuri checkout or a new folder")
    elif project.exists() and any(project.iterdir()):
        raise ImportFailed(f"{project} has files but no mkdocs.yml; pass --into a tsuzuri checkout or a new folder")

    jekyll: dict = {}
    cfg = site / "_config.yml"
    if cfg.exists():
        try:
            loaded = yaml.safe_load(cfg.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise ImportFailed(f"{cfg}:{mark.line + 1 if mark else '?'}: not valid YAML ({getattr(exc, 'problem', exc)}); "
                               "fix it and run again") from None
        except UnicodeDecodeError:
            raise ImportFailed(f"{cfg}: not UTF-8; re-save it as UTF-8") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ImportFailed(f"{cfg}: must be key: value pairs")
        jekyll = loaded or {}
    else:
        report.not_mapped("_config.yml", "none in the site; Jekyll's defaults are assumed")

    copies = plan(site, project, report)
    posts = [c for c in copies if c.kind in ("post", "draft")]
    own = _own_assets()
    clashes, writes, unchanged = [], [], 0
    for c in copies:
        rel = c.dest.relative_to(project / "docs" / "assets").as_posix() if c.kind == "asset" else None
        if rel in own:
            # tsuzuri's own asset: the project's copy, or the skeleton's that a new project gets
            theirs = c.dest if c.dest.exists() else ENGINE_ROOT / "docs" / "assets" / rel
            if theirs.exists():
                if _same(c.src, theirs):
                    unchanged += 1
                else:
                    report.not_mapped(f"assets/{rel}", "tsuzuri's own file of that name is kept; "
                                      "rename yours and update the posts' links")
                continue
        if not c.dest.exists():
            writes.append(c)
        elif _same(c.src, c.dest):
            unchanged += 1
        elif force:
            writes.append(c)
        else:
            clashes.append(c)
    for c in clashes:
        report.error(f"{c.dest.relative_to(project).as_posix()} exists with other content than "
                     f"{c.src.relative_to(site).as_posix()}; nothing was written — pass --force to replace it")
    if clashes:
        return 1, report

    if not config_file.exists():
        _skeleton(project, report)
    post_text = "".join(c.src.read_text(encoding="utf-8", errors="replace") for c in posts
                        if c.kind == "post")
    settings = map_config(jekyll, report, post_text=post_text)
    update_mkdocs_yml(config_file, settings, report)

    for c in writes:
        c.dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(c.src, c.dest)

    def count(kind: str) -> str:
        total = sum(c.kind == kind for c in copies)
        new = sum(c.kind == kind for c in writes)
        return f"{total} files ({new} written, {total - new} already there)"

    n_posts = sum(c.kind == "post" for c in copies)
    if n_posts or not any(c.kind == "draft" for c in copies):
        report.mapped(f"_posts/ → posts/: {count('post')}")
    if any(c.kind == "draft" for c in copies):
        report.mapped(f"_drafts/ → posts/_drafts/ (never built): {count('draft')}")
    if any(c.kind == "asset" for c in copies):
        report.mapped(f"assets/ → docs/assets/: {count('asset')}")
        styles = sorted({c.src.suffix for c in copies if c.kind == "asset" and c.src.suffix in (".css", ".scss", ".js")})
        if styles:
            report.note(f"the Jekyll theme's {'/'.join(styles)} files were copied but are not loaded; "
                        "list any you need under extra_css / extra_javascript in mkdocs.yml")
    if any(c.kind == "include" for c in copies):
        report.mapped(f"_includes/ → includes/: {count('include')}")
        using = sum(bool(re.search(r"\{%-?\s*include\s", c.src.read_text(encoding="utf-8", errors="replace")))
                    for c in posts)
        report.note(f"{{% include %}} in posts is rendered by tsuzuri from includes/ ({using} posts use it; "
                    "a variable an include reads from _config.yml goes under extra.tsuzuri in mkdocs.yml)")
    import_companies(site, project, report)
    for folder in ("_layouts", "_sass", "_data", "_pages"):
        if (site / folder).is_dir():
            why = {"_layouts": "tsuzuri's layouts are templates/ (Material for MkDocs); port changes there",
                   "_sass": "compile it to CSS in docs/assets/ and list it under extra_css",
                   "_data": "site.data is not available to posts; write the values into the posts"
                            + (" (companies.yml files: see the entity lines above)" if data_files(site) else ""),
                   "_pages": "move the pages into docs/ as Markdown"}[folder]
            report.not_mapped(f"{folder}/", why)
    return (1 if report.errors else 0), report


def import_companies(site: Path, project: Path, report: Report) -> None:
    """Merge the site's company data files into the project's entity registry; report each finding."""
    files = data_files(site)
    if not files:
        return
    try:
        registry_name = SiteConfig.from_mkdocs_yml(project / "mkdocs.yml").entities
    except ValueError:
        registry_name = SiteConfig().entities
    registry = project / registry_name
    diags = Diagnostics()
    companies = []
    for f in files:
        rel = f.relative_to(site).as_posix()
        companies += [(rel, c) for c in read_companies(f, rel, diags)]
    try:
        before = registry.read_text(encoding="utf-8-sig") if registry.exists() else ""
    except UnicodeDecodeError as exc:
        report.error(f"{registry_name}: not valid UTF-8 ({exc.reason} at byte {exc.start}); no company imported "
                     "— save it as UTF-8 and import again")
        return
    merged = merge(before, registry_name, companies, diags)
    for d in diags:  # "file:line: severity: message — what to do", like check's
        if d.severity >= ERROR:
            report.errors.append(d.format())
        else:
            report.lines.append(d.format())
    if merged.text != before:
        registry.write_text(merged.text, encoding="utf-8")
    names = ", ".join(f.relative_to(site).as_posix() for f in files)
    report.mapped(f"{names} → {registry_name}: {len(companies)} companies ({len(merged.added)} new entities, "
                  f"{len(merged.updated)} updated, {len(merged.unchanged)} already up to date)")
