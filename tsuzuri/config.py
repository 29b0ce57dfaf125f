"""Site settings that affect the engine, read from ``mkdocs.yml``'s ``extra.tsuzuri``.

The engine never imports MkDocs: the adapter (or the CLI) hands it a plain mapping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

DEFAULT_PERMALINK = "/:year/:month/:day/:title/"


@dataclass(frozen=True)
class LlmsConfig:
    """``extra.tsuzuri.llms``: the llms.txt files (tsuzuri/llms.py). On by default, so an
    imported Jekyll site gets them without a setting."""
    enabled: bool = True
    file: str = "llms.txt"             # the index: summary, categories, newest and most-linked posts
    full_file: str = "llms-full.txt"   # every listed post's cleaned Markdown; "" writes none
    newest: int = 20
    most_linked: int = 20

    @classmethod
    def from_value(cls, value: Any) -> "LlmsConfig":
        if value is None or value is True:
            return cls()
        if value is False:
            return cls(enabled=False)
        if not isinstance(value, Mapping):
            raise ValueError(f"llms must be true, false or a mapping, not {value!r}")
        known = {f.name for f in fields(cls)}
        if unknown := sorted(map(str, set(value) - known)):
            raise ValueError(f"llms: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")
        out = cls(**{k: ("" if v is None else v) for k, v in value.items()})
        if not isinstance(out.enabled, bool):
            raise ValueError(f"llms.enabled must be true or false, not {out.enabled!r}")
        for name in ("newest", "most_linked"):
            n = getattr(out, name)
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ValueError(f"llms.{name} must be a whole number of posts (0 or more), not {n!r}")
        for name in ("file", "full_file"):
            path = getattr(out, name)
            # a file at the site's root: a folder or an odd name would land where pages live
            if path is False:
                object.__setattr__(out, name, "")
            elif not isinstance(path, str) or (path and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.txt", path)):
                raise ValueError(f"llms.{name} must be a file name at the site's root ending in .txt "
                                 f"(or \"\" for none), not {path!r}")
        if {out.file.lower(), out.full_file.lower()} & {"robots.txt"}:
            raise ValueError("llms.file and llms.full_file cannot be robots.txt (the site writes it)")
        if out.file and out.file == out.full_file:
            raise ValueError(f"llms.file and llms.full_file are both {out.file!r}; give them different names")
        return out

    def outputs(self) -> tuple[str, ...]:
        """The files a build writes (none when disabled)."""
        return tuple(f for f in (self.file, self.full_file) if f) if self.enabled else ()


@dataclass(frozen=True)
class SiteConfig:
    posts_dir: str = "posts"
    timezone: str = "Asia/Tokyo"
    permalink: str = DEFAULT_PERMALINK
    url: str = ""            # absolute site URL, e.g. https://example.github.io/blog/
    baseurl: str = ""        # path prefix, Jekyll's site.baseurl ("" or "/blog")
    paginate: int = 10
    excerpt_chars: int = 120
    title: str = ""
    description: str = ""    # site_description (Liquid's site.description)
    raw_html: bool = False   # trusted site: publish posts' raw HTML unsanitised
    entities: str = "entities.yml"   # the entity registry, relative to the project root
    docs_dir: str = "docs"   # MkDocs' docs_dir: its files are the site's own (posts may not replace them)
    extensions: tuple[str, ...] = (".md", ".markdown", ".txt")
    llms: LlmsConfig = field(default_factory=LlmsConfig)
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None, *, site_url: str = "",
                     site_name: str = "", docs_dir: str = "docs",
                     site_description: str = "") -> "SiteConfig":
        """Build from ``extra.tsuzuri``; unknown keys are kept in ``extra``."""
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known and k != "extra"}
        kwargs["llms"] = LlmsConfig.from_value(kwargs.get("llms"))
        if "extensions" in kwargs:
            kwargs["extensions"] = tuple(kwargs["extensions"])
        kwargs.setdefault("url", site_url or "")
        kwargs.setdefault("title", site_name or "")
        kwargs.setdefault("docs_dir", str(docs_dir or "docs"))
        kwargs.setdefault("description", site_description or "")
        if "baseurl" not in kwargs and kwargs["url"]:
            from urllib.parse import urlparse
            kwargs["baseurl"] = urlparse(kwargs["url"]).path.rstrip("/")
        if not isinstance(kwargs.get("raw_html", False), bool):  # "false" as a string is truthy
            raise ValueError(f"extra.tsuzuri.raw_html must be true or false, not {kwargs['raw_html']!r}")
        cfg = cls(**kwargs, extra={k: v for k, v in data.items() if k not in known})
        try:
            cfg.tz
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {cfg.timezone!r} in extra.tsuzuri.timezone") from exc
        return cfg

    @classmethod
    def from_mkdocs_yml(cls, path: str | Path = "mkdocs.yml") -> "SiteConfig":
        """Read the engine settings straight from mkdocs.yml (used by the CLI)."""
        path = Path(path)
        if not path.exists():
            return cls()
        # mkdocs.yml may hold !!python/name tags (Material emoji); ignore any tag we don't know.
        loader = type("Loader", (yaml.SafeLoader,), {})
        loader.add_multi_constructor("", lambda _l, _s, _n: None)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
        extra = (data.get("extra") or {}).get("tsuzuri") or {}
        return cls.from_mapping(extra, site_url=data.get("site_url") or "",
                                site_name=data.get("site_name") or "", docs_dir=data.get("docs_dir") or "docs",
                                site_description=data.get("site_description") or "")
