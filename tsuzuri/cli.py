"""Command line: ``python -m tsuzuri check | clean | bench``.

check PATH...   read, clean and render posts without building; print every diagnostic;
                exit 1 on errors (and on warnings with --strict).
clean PATH...   remove ---END--- fragments and repeats from posts' bodies (front matter is
                kept byte for byte): print the result, or --write in place, or --out DIR.
bench           time builds and previews on synthetic posts (see bench.py).
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

    p = sub.add_parser("clean", help="remove ---END--- fragments and repeated content")
    p.add_argument("paths", nargs="+", type=Path, help="post files or folders")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--write", action="store_true", help="rewrite the files in place")
    out.add_argument("--out", type=Path, metavar="DIR", help="write cleaned copies into DIR")
    p.add_argument("--json", action="store_true", help="print the cleaning reports as JSON")

    p = sub.add_parser("bench", help="time builds and previews at blog scale (synthetic posts)")
    from . import bench
    bench.add_arguments(p)

    args = parser.parse_args(argv)
    try:
        return _run(args)
    except BrokenPipeError:  # `python -m tsuzuri clean ... | head`
        sys.stderr.close()
        return 0


def _run(args) -> int:
    if args.command == "bench":
        from . import bench
        return bench.main(args)
    try:
        config = SiteConfig.from_mkdocs_yml(args.config)
    except ValueError as exc:
        print(f"{args.config}: error: {exc}", file=sys.stderr)
        return 2
    if args.command == "check":
        return check(args.paths or [Path(config.posts_dir)], config, args.strict, args.quiet)
    return clean(args.paths, config, write=args.write, out=args.out, as_json=args.json)


def check(paths: list[Path], config: SiteConfig, strict: bool, quiet: bool) -> int:
    from dataclasses import replace

    from .site import load

    diags, posts = Diagnostics(), 0
    for path in paths:
        if not path.exists():
            diags.error(str(path), None, "no such file or folder")
            continue
        folder = path if path.is_dir() else path.parent
        site = load(Path.cwd(), replace(config, posts_dir=str(folder)),
                    only=None if path.is_dir() else [path])
        posts += len(site.posts)
        diags.extend(site.diagnostics)
    for d in diags:
        if not (quiet and d.severity == NOTE):
            print(d.format())
    print(f"check: {posts} posts built; {diags.count(ERROR)} errors, {diags.count(WARNING)} warnings, "
          f"{diags.count(NOTE)} notes")
    return 1 if failed(diags, strict) else 0


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
