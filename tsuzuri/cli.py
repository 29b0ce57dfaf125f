"""Command line: ``python -m tsuzuri check | clean | new | entities suggest | import-jekyll | report``.

check PATH...   read, clean and render posts without building; print every diagnostic;
                exit 1 on errors (and on warnings with --strict). --fix rewrites broken
                internal links that have one sure candidate (see links.py).
entities suggest PATH... [--out FILE]
                proper nouns in posts that entities.yml does not know yet, with counts
                (--out: a review list in the registry's format).
clean PATH...   remove ---END--- fragments and repeats from posts' bodies (front matter is
                kept byte for byte): print the result, or --write in place, or --out DIR.
new TITLE       write posts/YYYY-MM-DD-<slug>.md with front matter (date: now, site timezone);
                never overwrites a post.
import-jekyll JEKYLL_DIR [--into PROJECT]
                turn a Jekyll site into a tsuzuri project (see jekyll_import.py).
report [PATH...] [--out DIR]
                the editor's report: static HTML of what the cleaner did per post, beside the
                source, and every diagnostic, with site totals (see report.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import fragments
from .config import SiteConfig
from .diagnostics import ERROR, NOTE, WARNING, Diagnostics, failed
from .frontmatter import split
from .posts import decode, discover


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tsuzuri", description="tsuzuri blog engine")
    parser.add_argument("--config", default="mkdocs.yml", help="site config (default: mkdocs.yml)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="report problems in posts without building")
    p.add_argument("paths", nargs="*", type=Path, help="post files or folders (default: the posts folder)")
    p.add_argument("--strict", action="store_true", help="fail on warnings too")
    p.add_argument("-q", "--quiet", action="store_true", help="hide notes (automatic repairs)")
    p.add_argument("--fix", action="store_true",
                   help="rewrite broken internal links that have exactly one sure candidate, in the post files")

    p = sub.add_parser("clean", help="remove ---END--- fragments and repeated content")
    p.add_argument("paths", nargs="+", type=Path, help="post files or folders")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--write", action="store_true", help="rewrite the files in place")
    out.add_argument("--out", type=Path, metavar="DIR", help="write cleaned copies into DIR")
    p.add_argument("--json", action="store_true", help="print the cleaning reports as JSON")

    p = sub.add_parser("new", help="start a post: posts/YYYY-MM-DD-<slug>.md with front matter")
    p.add_argument("title", help='the title, in quotes: "タイトル"')
    p.add_argument("--tags", help="comma-separated tags: AI,半導体")
    p.add_argument("--category", help="the category (comma-separated for several)")
    p.add_argument("--slug", help="URL words (default: the title's ASCII words, else a hash)")
    p.add_argument("--author", help="author (default: extra.tsuzuri.author in mkdocs.yml)")

    p = sub.add_parser("entities", help="the entity registry")
    esub = p.add_subparsers(dest="action", required=True)
    e = esub.add_parser("suggest", help="list proper nouns in posts that are not in the registry")
    e.add_argument("paths", nargs="*", type=Path, help="post files or folders (default: the posts folder)")
    e.add_argument("--min-count", type=int, default=2, metavar="N", help="only terms seen N times or more (2)")
    e.add_argument("--limit", type=int, default=100, metavar="N", help="show at most N terms (100)")
    e.add_argument("--json", action="store_true", help="print JSON")
    e.add_argument("--out", type=Path, metavar="FILE",
                   help="write a review list in the registry's format (every term, --limit ignored)")

    p = sub.add_parser("import-jekyll", help="turn a Jekyll site into a tsuzuri project")
    p.add_argument("site", type=Path, metavar="JEKYLL_DIR", help="the Jekyll site (the folder with _config.yml)")
    p.add_argument("--into", type=Path, default=Path("."), metavar="PROJECT",
                   help="a tsuzuri project, or a new folder to create one in (default: .)")
    p.add_argument("--force", action="store_true", help="replace posts and assets that exist with other content")

    p = sub.add_parser("report", help="write the editor's report (HTML, not part of the site)")
    p.add_argument("paths", nargs="*", type=Path, help="post files or folders (default: the posts folder)")
    p.add_argument("--out", type=Path, default=Path("report"), metavar="DIR", help="where to write it (report/)")

    args = parser.parse_args(argv)
    try:
        return _run(args)
    except BrokenPipeError:  # `python -m tsuzuri clean ... | head`
        sys.stderr.close()
        return 0


def _run(args) -> int:
    if args.command == "import-jekyll":
        return import_jekyll(args)
    try:
        config = SiteConfig.from_mkdocs_yml(args.config)
    except ValueError as exc:
        print(f"{args.config}: error: {exc}", file=sys.stderr)
        return 2
    if args.command == "new":
        return new(args, config)
    config_file = Path(args.config)
    project = config_file.resolve().parent if config_file.is_file() else None
    if args.command == "check" and args.fix:   # (its own line: the report command is wired beside check)
        return check(args.paths or [Path(config.posts_dir)], config, args.strict, args.quiet, project, fix=True)
    if args.command == "check":
        return check(args.paths or [Path(config.posts_dir)], config, args.strict, args.quiet, project)
    if args.command == "report":
        return report(args.paths or [Path(config.posts_dir)], config, args.out, project)
    if args.command == "entities":
        return suggest_entities(args.paths or [Path(config.posts_dir)], config, args.min_count, args.limit, args.json,
                                project, args.out)
    return clean(args.paths, config, write=args.write, out=args.out, as_json=args.json)


def import_jekyll(args) -> int:
    from .jekyll_import import ImportFailed, run

    try:
        status, report = run(args.site, args.into, force=args.force)
    except ImportFailed as exc:
        print(f"import-jekyll: error: {exc}", file=sys.stderr)
        return 2
    for line in report.lines:
        print(line)
    for line in report.errors:
        print(line, file=sys.stderr)
    if status == 0:
        print(f"next: cd {args.into} && python -m tsuzuri check posts/ && mkdocs build")
    return status


def _load(paths: list[Path], config: SiteConfig, project: Path | None):
    """Read, clean and render the posts named by paths: yields (site, None) or (None, error).

    Posts inside ``project`` (the folder holding mkdocs.yml) use its cache; any other path is
    read without one, so checking a folder never writes into it (nor into the project).
    """
    from dataclasses import replace

    from .cache import project_cache
    from .site import load

    for path in paths:
        if not path.exists():
            yield None, path
            continue
        folder = path if path.is_dir() else path.parent
        inside = project is not None and project in [folder.resolve(), *folder.resolve().parents]
        yield load(Path.cwd(), replace(config, posts_dir=str(folder)), only=None if path.is_dir() else [path],
                   cache_dir=project_cache(project) if inside else None), None


def _fix_links(site) -> set:
    """check --fix: rewrite the sure ones among the site's broken links and print each change;
    returns the warnings of the links fixed."""
    from . import links

    if not site.complete:
        print(f"{site.config.posts_dir}: note: --fix checks links only when checking the whole posts folder")
        return set()
    findings = links.check(site)
    links.diagnostics(findings)
    changes, done = links.fix(findings)
    for line in changes:
        print(f"fixed {line}" if " -> " in line else line)
    return {f.diagnostic for f in done}


def check(paths: list[Path], config: SiteConfig, strict: bool, quiet: bool, project: Path | None = None,
          fix: bool = False) -> int:
    diags, posts, fixed = Diagnostics(), 0, 0
    for site, missing in _load(paths, config, project):
        if site is None:
            diags.error(str(missing), None, "no such file or folder", "check the path (run check from the site folder)")
            continue
        posts += len(site.posts)
        done = _fix_links(site) if fix else set()   # the warnings of the links fixed are gone
        fixed += len(done)
        diags.extend(d for d in site.diagnostics if d not in done)
    for d in diags:
        if not (quiet and d.severity == NOTE):
            print(d.format())
    print(f"check: {posts} posts built; {diags.count(ERROR)} errors, {diags.count(WARNING)} warnings, "
          f"{diags.count(NOTE)} notes" + (f"; {fixed} links fixed" if fix else ""))
    return 1 if failed(diags, strict) else 0


def report(paths: list[Path], config: SiteConfig, out: Path, project: Path | None = None) -> int:
    from . import report as editor_report

    sites = []
    for site, missing in _load(paths, config, project):
        if site is None:
            print(f"{missing}: error: no such file or folder", file=sys.stderr)
            return 1
        sites.append(site)
    entries, totals = editor_report.collect(sites)
    try:
        editor_report.write(entries, totals, out, config.title)
    except OSError as exc:
        print(f"{out}: error: cannot write the report: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"report: {totals['posts']} posts, {totals['posts changed']} changed by the cleaner "
          f"({totals['dropped']} blocks dropped, {totals['stitched']} sentences stitched); "
          f"{totals['error']} errors, {totals['warning']} warnings, {totals['note']} notes")
    print(f"open {out / 'index.html'}")
    return 0


def new(args, config: SiteConfig) -> int:
    from .newpost import NewPostError, create

    try:
        made = create(Path.cwd(), config, args.title, tags=args.tags, category=args.category,
                      slug=args.slug, author=args.author)
    except NewPostError as exc:
        print(f"new: error: {exc}", file=sys.stderr)
        return 1
    rel = made.path.relative_to(Path.cwd()).as_posix()
    print(f"created {rel}")
    if made.hashed:
        print(f"note: the title has too few ASCII words for a slug; using {made.slug!r} — "
              "for a readable URL, delete the file and pass --slug english-words")
    print(f"next: write the body, then run `python -m tsuzuri check {rel}`")
    return 0


def suggest_entities(paths: list[Path], config: SiteConfig, min_count: int, limit: int, as_json: bool,
                     project: Path | None = None, out: Path | None = None) -> int:
    from .suggest import format_review, format_table, suggest

    try:  # an editor tool: its dictionary is not in the site's requirements
        import sudachipy  # noqa: F401
    except ImportError:
        print("entities suggest: error: SudachiPy is not installed — run `pip install -r requirements-dev.txt`",
              file=sys.stderr)
        return 1
    texts, registry = [], None
    for site, missing in _load(paths, config, project):
        if site is None:
            print(f"{missing}: error: no such file or folder", file=sys.stderr)
            return 1
        registry = site.registry
        texts += [(p.source, f"{p.title}\n{p.text}") for p in site.posts]
        for d in site.diagnostics:
            if d.file == config.entities and d.severity >= ERROR:
                print(d.format(), file=sys.stderr)
    found = suggest(texts, registry, min_count) if registry is not None else []
    if out is not None:
        out.write_text(format_review(found, config.entities, len(texts), min_count), encoding="utf-8")
        print(f"suggest: {len(found)} terms from {len(texts)} posts not in {config.entities}; review list: {out}")
        return 0
    found = found[:limit]
    if as_json:
        json.dump([vars(s) for s in found], sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print(format_table(found))
        print(f"suggest: {len(found)} terms from {len(texts)} posts not in {config.entities}")
    return 0


def _files(paths: list[Path], config: SiteConfig) -> list[tuple[Path, Path]]:
    """(file, path relative to its argument) for every post named by paths."""
    found = []
    for path in paths:
        if path.is_dir():
            found += [(f, f.relative_to(path)) for f in discover(path, config, Diagnostics())]
        else:
            found.append((path, Path(path.name)))
    return found


def clean(paths: list[Path], config: SiteConfig, *, write: bool, out: Path | None, as_json: bool) -> int:
    reports, status = [], 0
    for file, rel in _files(paths, config):
        try:
            raw = file.read_bytes()
        except OSError as exc:
            print(f"{file}: error: cannot read: {exc.strerror}", file=sys.stderr)
            status = 1
            continue
        text = decode(raw, str(file), Diagnostics())
        parts = split(text)
        head = text[: len(text) - len(parts.body)] if parts.body and text.endswith(parts.body) else ""
        body, report = fragments.clean(parts.body if head else text, first_line=parts.body_line if head else 1)
        result = head + body
        reports.append({"file": str(file), **report.as_dict(), "summary": report.summary()})
        if write:
            if report.changed:
                file.write_text(result, encoding="utf-8", newline="")
        elif out is not None:
            target = out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(result, encoding="utf-8", newline="")
        elif not as_json:
            sys.stdout.write(result)
        if (write or out is not None) and not as_json:
            print(f"{file}: {report.summary()}")
    if as_json:
        json.dump(reports, sys.stdout, ensure_ascii=False, indent=2)
        print()
    return status
