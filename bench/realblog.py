"""Real-blog acceptance run: import a Jekyll site into a fresh clone of this repo, build, measure.

    python bench/realblog.py /work/realblog/today            # Markdown table
    python bench/realblog.py /work/realblog/today --json     # for machines

It tests what is committed (a `git clone` of the repo, its seed posts removed), using
`python -m tsuzuri import-jekyll`, `python -m tsuzuri check posts/` and `mkdocs build`.
Jekyll's URL for each source post is computed here, independently of tsuzuri's URL code
(Jekyll's rules: date in the site timezone, `:title` = the `slug:` or filename slug slugified
in "pretty" mode, cased; the later-dated post wins a shared URL), and looked up in site/.
Slow on a real blog (minutes).
"""

from __future__ import annotations

import argparse
import difflib
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urlparse
from zoneinfo import ZoneInfo

import yaml
from dateutil import parser as dateparser

REPO = Path(__file__).resolve().parents[1]
POST_EXTENSIONS = (".md", ".markdown", ".txt")

# ---------------------------------------------------------------- Jekyll's URL, from the source

_DATE_FILENAME = re.compile(r"^(?:.+/)*?(\d{2,4}-\d{1,2}-\d{1,2})-([^/]*)(\.[^.]+)$")
_PRETTY_KEEP = "._~!$&'()+,;=@"   # utils.rb SLUGIFY_PRETTY_REGEXP: kept beside \p{M}\p{L}\p{Nd}
_STYLES = {"date": "/:categories/:year/:month/:day/:title:output_ext",
           "pretty": "/:categories/:year/:month/:day/:title/",
           "ordinal": "/:categories/:year/:y_day/:title:output_ext",
           "none": "/:categories/:title:output_ext"}
# Addressable's PATH character class: unreserved, sub-delims, ":", "@" and "/" stay as written.
_PATH_SAFE = "-._~!$&'()*+,;=:@/"


def jekyll_slugify(text: str, mode: str = "default", cased: bool = False) -> str:
    """Jekyll::Utils.slugify in the "default" and "pretty" modes: every run of characters other
    than letters, marks and decimal digits (and, pretty, ._~!$&'()+,;=@) becomes one hyphen."""
    keep = _PRETTY_KEEP if mode == "pretty" else ""
    out = "".join(ch if unicodedata.category(ch)[0] in "LM" or unicodedata.category(ch) == "Nd" or ch in keep
                  else "\0" for ch in text)
    slug = re.sub(r"^-|-$", "", re.sub("\0+", "-", out))
    return slug if cased else slug.lower()


def _escape_path(path: str) -> str:
    if not path or re.fullmatch(r"[a-zA-Z0-9./-]+", path):
        return path
    return quote(path, safe=_PATH_SAFE).replace("#", "%23")


def _front_matter(text: str) -> dict | None:
    """The YAML front matter as Jekyll reads it; None when Jekyll would not read it as a post."""
    text = text.lstrip("\ufeff")
    m = re.match(r"^---[ \t]*\r?\n(.*?\r?\n)?^(?:---|\.\.\.)[ \t]*$", text, re.S | re.M)
    if not m:
        return None
    try:
        data = yaml.safe_load(m.group(1) or "") or {}
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def _as_date(value, tz: ZoneInfo) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        # YAML gives a naive time when no offset was written: Jekyll reads it in the site's zone
        return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=tz)
    if isinstance(value, str) and value.strip():
        try:
            d = dateparser.parse(value.strip())
        except (ValueError, OverflowError):
            return None
        return d.replace(tzinfo=tz) if d.tzinfo is None else d.astimezone(tz)
    return None


def jekyll_url(rel: str, data: dict, permalink: str, tz: ZoneInfo) -> tuple[str, dt.datetime] | None:
    """Jekyll's URL and date for the post at _posts/rel; None if Jekyll would not publish it."""
    m = _DATE_FILENAME.match(rel)
    if not m:
        return None
    try:
        file_date = dt.datetime.strptime(m.group(1), "%Y-%m-%d").replace(tzinfo=tz)
    except ValueError:
        return None
    date = _as_date(data.get("date"), tz) if data.get("date") is not None else file_date
    if date is None or data.get("published") is False:
        return None
    slug = re.sub(r"\.*\Z", "", m.group(2))
    if data.get("slug") is not None:
        slug = str(data["slug"])
    categories = data.get("categories", [])
    categories = categories.split() if isinstance(categories, str) else list(categories or [])
    if data.get("category"):
        categories.append(data["category"])
    folders = rel.split("/")[:-1]
    values = {
        "year": f"{date.year:04d}", "month": f"{date.month:02d}", "day": f"{date.day:02d}",
        "i_month": str(date.month), "i_day": str(date.day), "short_year": f"{date.year % 100:02d}",
        "hour": f"{date.hour:02d}", "minute": f"{date.minute:02d}", "second": f"{date.second:02d}",
        "y_day": f"{date.timetuple().tm_yday:03d}", "short_month": date.strftime("%b"),
        "long_month": date.strftime("%B"),
        "title": jekyll_slugify(slug, "pretty", cased=True), "slug": jekyll_slugify(slug),
        "name": jekyll_slugify(slug), "output_ext": ".html",
        "categories": "/".join(dict.fromkeys(str(c).lower() for c in categories)),
        "path": "/".join(folders),
    }
    template = str(data["permalink"]) if data.get("permalink") else _STYLES.get(permalink, permalink)
    url = re.sub(r":([a-z_]+)", lambda x: _escape_path(values.get(x.group(1), x.group())), template)
    url = "/" + url
    url = url.replace("..", "/").replace("./", "")
    return re.sub(r"/{2,}", "/", url), date


# ---------------------------------------------------------------- the built site

class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.post = False
        self.code = 0   # inside <code>: text an author quotes (a marker there is content)
        self.h1, self.body, self.og_image, self._in = [], [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.code += tag == "code"
        if tag == "article" and "tz-post" in (a.get("class") or ""):
            self.post = True
        if tag == "meta" and a.get("property") == "og:image" and a.get("content"):
            self.og_image.append(a["content"])
        if self.post and (tag == "h1" or (tag == "div" and a.get("class") == "tz-body")) and not self._in:
            self._in.append(tag)
        elif self._in and tag == self._in[0]:
            self._in.append(tag)

    def handle_endtag(self, tag):
        self.code -= tag == "code" and self.code > 0
        if self._in and tag == self._in[-1]:
            self._in.pop()

    def handle_data(self, data):
        if self._in and self._in[0] == "h1":
            self.h1.append(data)
        elif self._in and not self.code:
            self.body.append(data)


def _norm_title(text: str) -> str:
    # tsuzuri repairs titles: a cut-off end (a last character, a dangling ":" or "、") and an
    # unclosed opening bracket go
    text = unicodedata.normalize("NFKC", str(text)).strip().lstrip("#*「『").rstrip("*\ufffd:、,")
    return re.sub(r"\s+", "", text)


def _same_title(page: str, source: str) -> bool:
    a, b = _norm_title(page), _norm_title(source)
    # tsuzuri repairs titles: a cut-off last character is dropped (up to two characters gone), and
    # a title cut mid-word is completed from the body's first heading (the source is a prefix)
    if not a:
        return False
    # ... or its last words are rewritten from the body's first line ("…わるの？" -> "…わるのか"):
    # nearly the same title; two posts that share a slug have titles far apart
    return (a == b or (b.startswith(a) and len(b) - len(a) <= 2) or (a.startswith(b) and len(b) >= 8)
            or difflib.SequenceMatcher(None, a, b).ratio() >= 0.85)


def _site_file(site: Path, url: str) -> Path | None:
    path = unquote(url).lstrip("/")
    for candidate in ((path + "index.html") if (not path or path.endswith("/")) else path,
                      path + "/index.html", path + ".html"):
        f = site / candidate
        if f.is_file():
            return f
    return None


def _run(cmd: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)


def measure(source: Path, repo: Path = REPO, keep: Path | None = None) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="realblog-")) if keep is None else keep
    project = tmp / "project"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(project))
    try:
        if project.exists():
            shutil.rmtree(project)
        tmp.mkdir(parents=True, exist_ok=True)
        head = _run(["git", "rev-parse", "HEAD"], repo, env).stdout.strip()   # the commit checked out in repo
        clone = _run(["git", "clone", "-q", "--no-checkout", str(repo), str(project)], tmp, env)
        if clone.returncode or _run(["git", "checkout", "-q", head], project, env).returncode:
            raise SystemExit(f"git clone of {repo} at {head or 'HEAD'} failed: {clone.stderr.strip()}")
        shutil.rmtree(project / "posts")          # the repo's seed posts are not the blog's
        (project / "posts").mkdir()
        imported = _run([sys.executable, "-m", "tsuzuri", "import-jekyll", str(source.resolve()), "--into", "."],
                        project, env)
        if imported.returncode:
            raise SystemExit(f"import-jekyll failed ({imported.returncode}):\n{imported.stdout}{imported.stderr}")
        check = _run([sys.executable, "-m", "tsuzuri", "check", "posts/"], project, env)
        start = time.perf_counter()
        build = _run([sys.executable, "-m", "mkdocs", "build"], project, env)
        wall = time.perf_counter() - start
        if build.returncode:
            raise SystemExit(f"mkdocs build failed:\n{build.stderr[-3000:]}")
        figures = _figures(source, project, check.stdout, imported.stdout)
        figures["build wall time (s)"] = round(wall, 1)
        figures["mkdocs build log: ERROR / WARNING lines"] = (
            f"{len(re.findall(r'^ERROR', build.stderr, re.M))} / {len(re.findall(r'^WARNING', build.stderr, re.M))}")
        failed = re.search(r"^ERROR\s+-\s+(search index not built: .{0,160})", build.stderr, re.M)
        figures["search error"] = failed.group(1) if failed else ""
        return figures
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


def _figures(source: Path, project: Path, check_out: str, import_out: str) -> dict:
    site = project / "site"
    jekyll = yaml.safe_load((source / "_config.yml").read_text(encoding="utf-8")) if (source / "_config.yml").exists() else {}
    jekyll = jekyll if isinstance(jekyll, dict) else {}
    tz = ZoneInfo(str(jekyll.get("timezone") or "UTC"))
    permalink = (((jekyll.get("collections") or {}).get("posts") or {}).get("permalink")
                 or jekyll.get("permalink") or "date")
    posts_root = source / "_posts"
    files = sorted(p for p in posts_root.rglob("*") if p.is_file() and p.suffix.lower() in POST_EXTENSIONS)

    diags = re.findall(r"^(\S.*?): (error|warning|note): (.*)$", check_out, re.M)
    errors = [d for d in diags if d[1] == "error"]
    refused = {d[0].split(":")[0] for d in errors}

    pages = {"post": 0, "include": 0, "kramdown": 0, "END": 0, "conflict": 0}
    og_missing, og_pages, titles = set(), 0, {}
    base = urlparse(_site_url(project)).path
    for f in site.rglob("*.html"):
        p = _Page()
        p.feed(f.read_text(encoding="utf-8", errors="replace"))
        rel = f.relative_to(site).as_posix()
        for url in p.og_image:
            path = urlparse(url).path
            path = path[len(base):] if base and path.startswith(base) else path.lstrip("/")
            if not (site / unquote(path)).is_file():
                og_missing.add(url)
                og_pages += 1
        if not p.post:
            continue
        pages["post"] += 1
        titles[rel] = "".join(p.h1).strip()
        text = "".join(p.body)
        pages["include"] += "{% include" in text
        pages["kramdown"] += bool(re.search(r"^\s*\{:", text, re.M))
        pages["END"] += "---END---" in text
        pages["conflict"] += bool(re.search(r"^\s*(<{7}|>{7})", text, re.M))

    # Jekyll's URL for each source post; the later-dated post wins a shared URL.
    expected: dict[str, tuple[dt.datetime, str, Path]] = {}
    unreadable = 0
    for f in files:
        data = _front_matter(f.read_text(encoding="utf-8", errors="replace"))
        got = jekyll_url(f.relative_to(posts_root).as_posix(), data, permalink, tz) if data is not None else None
        if got is None:
            unreadable += 1
            continue
        url, date = got
        title = data.get("title")
        if url not in expected or (date, f.name) >= (expected[url][0], expected[url][2].name):
            expected[url] = (date, "" if title is None else str(title), f)
    found = serving = untitled = 0
    other: list[str] = []   # Jekyll URLs whose page shows another title: "url (source file)"
    for url, (_, title, f) in expected.items():
        page = _site_file(site, url)
        if page is None:
            continue
        found += 1
        if not _norm_title(title):
            untitled += 1   # nothing to compare: tsuzuri titles it from its first heading
            continue
        same = _same_title(titles.get(page.relative_to(site).as_posix(), ""), title)
        serving += same
        if not same:
            other.append(f"{url} ({f.name})")

    sitemap = site / "sitemap.xml"
    bundle = site / "searchindex"
    try:
        meta = json.loads((bundle / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = None
    # every post's text is there, and the word files the meta promises exist
    search_ok = bool(meta) and all((bundle / "p" / f"{n}.json").is_file() for n in range(meta["posts"])) \
        and any((bundle / "w").glob("*.bin"))
    return {
        "posts in the source": len(files),
        "posts published (pages)": pages["post"],
        "posts with check errors (published all the same unless missing above)": len(refused),
        "URL collisions": sum("is already used by" in d[2] for d in diags),   # warnings: both published
        "check: errors / warnings / notes": f"{len(errors)} / {sum(d[1] == 'warning' for d in diags)} / "
                                            f"{sum(d[1] == 'note' for d in diags)}",
        "pages showing {% include": pages["include"],
        "pages showing {: kramdown attribute lines": pages["kramdown"],
        "pages showing ---END---": pages["END"],
        "pages showing conflict markers": pages["conflict"],
        "search index built (meta, word files, post texts)": search_ok,
        "search index posts": meta["posts"] if search_ok else 0,
        "og:image URLs not in site/ (distinct / pages)": f"{len(og_missing)} / {og_pages}",
        "sitemap entries": len(re.findall(r"<loc>", sitemap.read_text(encoding="utf-8"))) if sitemap.exists() else 0,
        "Jekyll URLs (distinct)": len(expected),
        "Jekyll posts not published by Jekyll either (no date, bad YAML, published: false)": unreadable,
        "Jekyll URLs that exist in site/": found,
        "Jekyll URLs serving that post (title matches)": serving,
        "Jekyll URLs of posts without a title (not compared)": untitled,
        "Jekyll URLs showing another title (first 5)": ", ".join(sorted(other)[:5]),
        "import: not mapped lines": sum(line.startswith("not mapped:") for line in import_out.splitlines()),
    }


def _site_url(project: Path) -> str:
    from_yml = re.search(r"^site_url:\s*\"?([^\"#\s]+)", (project / "mkdocs.yml").read_text(encoding="utf-8"), re.M)
    return from_yml.group(1) if from_yml else ""


def table(figures: dict) -> str:
    rows = ["| figure | value |", "|---|---:|"]
    rows += [f"| {k.replace('|', '&#124;')} | {v} |" for k, v in figures.items()]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("source", type=Path, help="the extracted Jekyll site (with _config.yml and _posts/)")
    ap.add_argument("--json", action="store_true", help="print JSON")
    ap.add_argument("--repo", type=Path, default=REPO, help="the repository to clone (default: this one)")
    ap.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR and keep the built project")
    args = ap.parse_args(argv)
    if not (args.source / "_posts").is_dir():
        print(f"{args.source}: no _posts/ folder", file=sys.stderr)
        return 2
    figures = measure(args.source, args.repo, args.keep)
    print(json.dumps(figures, ensure_ascii=False, indent=2) if args.json else table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
