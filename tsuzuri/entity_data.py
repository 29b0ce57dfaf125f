"""A Jekyll site's company data (``_data/**/companies.yml``) -> entries of the entity registry.

The first format read is the one the blog this project replaces keeps by hand:

    - id: acme
      name: Acme (Acme Holdings)        # "Name (Other name)": both become aliases
      type: 半導体メーカー                # free text: shown as 業種; the entity's type is company
      market_cap_usd: 1.2T              # scalar keys: key figures (FIGURE_LABELS, else the key),
                                        # dated by a "# Updated: YYYY-MM-DD" comment at the top
      key_products: [{name: X1, type: AIチップ, release: 2025-03}]
      recent_news: [{date: 2025-12, headline: "…", url: "https://…"}]
      partnerships: [Globex]
      hq: 東京

Reading is tolerant: any key may be missing, a list may be one string, a product or a news item
may be a plain string, ``products``/``news``/``partners``/``aliases`` are read too. Whatever is
not imported is named in a diagnostic (file, line), never dropped silently.

Merging into ``entities.yml`` (``merge``): a company is the registry entity with its id, else the
entity of its type (company) that has one of its names as an alias (鴻海 in the data joins the entity that already says
Foxconn = 鴻海). Aliases are unioned (a spelling that folds like one the entity has is not added
twice); name, type, description and website stay as the registry has them (filled in only when
empty); figures, products, news and partners are the data's (the data is their source; run the
import again to refresh them). An alias that belongs to another entity is a warning naming both
files and lines, and is left out; a company whose names point at two entities is not merged.
Only the entries that change are rewritten; every other line of ``entities.yml`` stays as written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import entities
from .diagnostics import ERROR, Diagnostics, short
from .entities import TYPE_LABELS, fold

# Readers' labels for the figures the blog's data holds (USD amounts as written: "830B").
FIGURE_LABELS = {
    "type": "業種", "hq": "本社", "headquarters": "本社", "founded": "設立", "ceo": "CEO",
    "employees": "従業員数", "valuation_usd": "企業評価額（米ドル）", "market_cap_usd": "時価総額（米ドル）",
    "revenue_annual_usd": "年間売上高（米ドル）", "revenue_usd": "売上高（米ドル）",
    "ai_revenue_usd": "AI関連売上高（米ドル）", "ai_capex_usd": "AI設備投資（米ドル）",
    "data_center_revenue_usd": "データセンター売上高（米ドル）", "ai_chip_market_share": "AIチップ市場シェア",
    "ai_backlog_usd": "AI関連受注残高（米ドル）", "funding_usd": "調達額（米ドル）", "ticker": "ティッカー",
}
_ALIAS_KEYS = ("aliases", "alias", "name_ja", "name_en", "names")
_PRODUCT_KEYS = ("key_products", "products")
_NEWS_KEYS = ("recent_news", "news")
_PARTNER_KEYS = ("partnerships", "partners")
_WEBSITE_KEYS = ("website", "url", "homepage")
_OWN = {"id", "name", "description", *_ALIAS_KEYS, *_PRODUCT_KEYS, *_NEWS_KEYS, *_PARTNER_KEYS, *_WEBSITE_KEYS}
_PAREN_RE = re.compile(r"^(?P<main>.+?)\s*[（(](?P<other>[^()（）]+)[)）]\s*$")
_DATA_NAMES = ("companies.yml", "companies.yaml")
_NOT_YAML = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_UPDATED_RE = re.compile(r"^#\s*(?:updated|last[ _-]?updated|更新日?)\s*[:：]\s*(\d{4}-\d{2}-\d{2})", re.I | re.M)


@dataclass
class Company:
    """One company of a data file, as registry values."""
    id: str
    name: str
    aliases: list[str]
    line: int
    description: str = ""
    website: str = ""
    type: str = "company"
    figures: list[dict] = field(default_factory=list)
    products: list[dict] = field(default_factory=list)
    news: list[dict] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)


def data_files(site: Path) -> list[Path]:
    """The company data files of a Jekyll site (``_data/**/companies.yml``)."""
    folder = site / "_data"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name.lower() in _DATA_NAMES)


def _str(value: Any) -> str | None:
    """A scalar as text (dates as ISO), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (str, int, float)):
        return str(value).strip()
    return None


def _strings(value: Any) -> list[str] | None:
    """A string or a list of scalars -> list of text; None when it is neither."""
    if value is None:
        return []
    if (s := _str(value)) is not None:
        return [s] if s else []
    if isinstance(value, list) and all(_str(v) is not None for v in value):
        return [s for v in value if (s := _str(v))]
    return None


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def read_companies(path: Path, source: str, diags: Diagnostics) -> list[Company]:
    """Every company of one data file; each problem a diagnostic naming ``source`` and the line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except UnicodeDecodeError as exc:
        diags.error(source, None, f"not valid UTF-8 ({exc.reason} at byte {exc.start}); no company imported",
                    "save the file as UTF-8 and import again")
        return []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        diags.error(source, mark.line + 1 if mark else None,
                    f"invalid YAML ({getattr(exc, 'problem', exc)}); no company imported",
                    "fix the YAML and import again")
        return []
    if data is None:
        return []
    nodes: list = []
    if isinstance(data, dict):  # {id: {name: …}} is a common shape too
        items = []
        for (knode, vnode), (key, value) in zip(root.value, data.items()):
            if isinstance(value, dict):
                value = {"id": str(key), **value}
            items.append(value)
            nodes.append(vnode if isinstance(value, dict) else knode)
        data = items
    elif isinstance(data, list):
        nodes = list(root.value)
    else:
        diags.error(source, 1, "company data must be a list of companies; no company imported",
                    "start each company with '- id: …' and 'name: …'")
        return []
    updated = _UPDATED_RE.search(text[:2000])  # "# Updated: 2026-04-13 06:42 JST": the figures' date
    found = []
    for node, item in zip(nodes, data):
        company = _company(item, node.start_mark.line + 1, source, diags)
        if company is not None:
            if updated:
                company.figures = [dict(f, as_of=updated[1]) for f in company.figures]
            found.append(company)
    return found


def _company(item: Any, line: int, source: str, diags: Diagnostics) -> Company | None:
    if not isinstance(item, dict):
        diags.warning(source, line, f"{short(item)} is not a company (a mapping with name:); not imported",
                      "write the company as 'name: …' with its other keys below")
        return None
    name = _str(item.get("name"))
    raw_id = _str(item.get("id"))
    if not name:
        diags.warning(source, line, f"company {raw_id or short(item)!s} has no name; not imported", "add name: …")
        return None
    names = [name]
    if m := _PAREN_RE.match(name):  # "Google (Alphabet)": two names of one company
        names = [m["main"].strip(), m["other"].strip()]
    for key in _ALIAS_KEYS:
        more = _strings(item.get(key))
        if more is None:
            diags.warning(source, line, f"company {name!r}: {key} {short(item.get(key))} is not text or a list "
                          "of text; not imported", f"write {key}: [\"…\", \"…\"]")
            more = []
        names += more
    aliases = []
    for alias in names:
        if alias not in aliases:
            aliases.append(alias)
    eid = raw_id if raw_id and entities._ID_RE.match(raw_id) else _slug(raw_id or "") or _slug(names[0])
    if not eid or not entities._ID_RE.match(eid):
        eid = next((s for n in names if (s := _slug(n)) and entities._ID_RE.match(s)), "")
    if not eid:
        diags.warning(source, line, f"company {name!r} has no usable id (lower-case ASCII); not imported",
                      "add id: with letters a-z, digits and '-', like 'acme'")
        return None
    company = Company(eid, names[0], aliases, line)
    etype = _str(item.get("type"))
    if etype in TYPE_LABELS:
        company.type = etype
    description = item.get("description")
    if _str(description):
        company.description = _str(description)
    for key in _WEBSITE_KEYS:
        url = _str(item.get(key))
        if url and re.match(r"^https?://", url):
            company.website = company.website or url
        elif url:
            diags.warning(source, line, f"company {name!r}: {key} {url!r} is not an http(s) URL; not imported",
                          "write the full address, like https://www.example.com/")
    # Key figures: every other scalar key, in the data's order.
    for key, value in item.items():
        key = str(key)
        if key in _OWN or (key == "type" and etype in TYPE_LABELS):
            continue
        values = _strings(value)
        if values is None:
            diags.warning(source, line, f"company {name!r}: {key} is not text or a list of text; not imported",
                          "add it to entities.yml by hand (figures: [{label: …, value: …}])")
            continue
        if not values:
            continue
        label = FIGURE_LABELS.get(key)
        if label is None:
            label = key
            diags.note(source, line, f"company {name!r}: {key!r} has no Japanese label; shown as {key!r}",
                       "rename its label in entities.yml, or add it to FIGURE_LABELS in tsuzuri/entity_data.py")
        company.figures.append({"label": label, "value": "、".join(values)})
    company.products = _items(item, _PRODUCT_KEYS, "name", {"name": "name", "title": "name", "type": "kind",
                              "kind": "kind", "category": "kind", "release": "release", "released": "release",
                              "date": "release", "status": "status", "note": "note", "users": "note",
                              "url": "url", "link": "url"}, name, line, source, diags)
    company.news = _items(item, _NEWS_KEYS, "headline", {"headline": "headline", "title": "headline",
                          "summary": "headline", "date": "date", "url": "url", "link": "url", "source": "url",
                          "source_url": "url"}, name, line, source, diags)
    for key in _PARTNER_KEYS:
        partners = _strings(item.get(key))
        if partners is None:
            diags.warning(source, line, f"company {name!r}: {key} is not a list of names; not imported",
                          f"write {key}: [\"…\", \"…\"]")
            continue
        company.partners += [p for p in partners if p not in company.partners]
    return company


def _items(item: dict, keys: tuple[str, ...], first: str, fields: dict[str, str], name: str, line: int,
           source: str, diags: Diagnostics) -> list[dict]:
    """Products or news: a list of mappings (or strings, or one string) -> registry fact items."""
    out = []
    for key in keys:
        raw = item.get(key)
        if raw is None:
            continue
        for n, entry in enumerate(raw if isinstance(raw, list) else [raw], 1):
            if _str(entry):
                out.append({first: _str(entry)})
                continue
            if not isinstance(entry, dict):
                diags.warning(source, line, f"company {name!r}: {key} item {n} {short(entry)} is not text or a "
                              "mapping; not imported", f"write it as {{{first}: …}}")
                continue
            fact: dict[str, str] = {}
            for k, v in entry.items():
                target, text = fields.get(str(k)), _str(v)
                if target == "url" and text and not re.match(r"^https?://", text):
                    target = None if target in fact else "note"  # "source: 日経" is a note, not a link
                if target is None or text is None or target in fact:
                    diags.warning(source, line, f"company {name!r}: {key} item {n}: {k}: {short(v)} not imported",
                                  f"use {', '.join(sorted(set(fields)))} with text values")
                    continue
                if text:
                    fact[target] = f"{k}: {text}" if target == "note" and k not in ("note", "users") else text
            if not fact.get(first):
                diags.warning(source, line, f"company {name!r}: {key} item {n} has no {first}; not imported",
                              f"add {first}: …")
                continue
            out.append(fact)
    return out


# ---------------------------------------------------------------- merging into entities.yml

@dataclass
class Merged:
    text: str                                   # the new entities.yml
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _emit(entry: dict) -> str:
    """One registry entry in the file's own style: JSON-quoted scalars, flow lists, one fact a line."""
    def scalar(v: Any) -> str:  # JSON is YAML, except that YAML refuses C1 controls and surrogates raw
        return _NOT_YAML.sub(lambda m: f"\\u{ord(m[0]):04x}", json.dumps(v, ensure_ascii=False, default=str))
    lines = []
    for i, (key, value) in enumerate(entry.items()):
        lead = "- " if i == 0 else "  "
        if key in entities.FACT_KEYS and isinstance(value, list):
            if not value:
                continue
            lines.append(f"{lead}{key}:")
            lines += ["    - {" + ", ".join(f"{k}: {scalar(v)}" for k, v in item.items()) + "}"
                      if isinstance(item, dict) else f"    - {scalar(item)}" for item in value]
        else:
            if value in ("", [], None) and key not in ("id", "name"):
                continue
            lines.append(f"{lead}{key}: {scalar(value)}")
    return "\n".join(lines) + "\n"


def merge(registry_text: str, registry_source: str, companies: list[tuple[str, Company]],
          diags: Diagnostics) -> Merged:
    """entities.yml's text with the companies merged in; (data file, company) pairs in order."""
    own = Diagnostics()
    registry = entities._load_registry_text(registry_text, registry_source, own)
    if own.has_errors:
        first = next(d for d in own if d.severity >= ERROR)
        diags.error(registry_source, first.line, f"has errors ({first.message}); no company imported",
                    "fix entities.yml first (python -m tsuzuri check names every problem)")
        return Merged(registry_text)
    lines = registry_text.splitlines(keepends=True)
    root = yaml.compose(registry_text, Loader=yaml.SafeLoader) if registry_text.strip() else None
    raw = yaml.safe_load(registry_text) if root is not None else None
    if root is not None and (not isinstance(root, yaml.SequenceNode) or root.flow_style
                             or any(n.flow_style for n in root.value)):
        diags.error(registry_source, 1, "is not a block list of entities; no company imported",
                    "write one '- id: …' entry a line, keys below it, as in the README")
        return Merged(registry_text)
    # Each entity's lines: from its '- ' line to the next entity's (header and trailing lines kept).
    starts = [n.start_mark.line for n in root.value] if root is not None else []
    blocks = {}
    for i, (node, item) in enumerate(zip(root.value if root is not None else [], raw or [])):
        end = starts[i + 1] if i + 1 < len(starts) else len(lines)
        while end > starts[i] + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1  # blank and comment lines before the next entry belong to neither
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            blocks[item["id"]] = (starts[i], end, dict(item))
    owner: dict[str, str] = {}  # folded alias -> entity id
    for entity in registry.entities.values():
        for alias in entity.aliases:
            owner.setdefault(fold(alias), entity.id)
    entries = {eid: dict(block[2]) for eid, block in blocks.items() if eid in registry.entities}
    lines_of = {eid: e.line for eid, e in registry.entities.items()}
    new: dict[str, dict] = {}
    touched: dict[str, tuple[str, int]] = {}  # entity id -> the data line that set its facts
    result = Merged(registry_text)
    for source, company in companies:
        here = f"{source}:{company.line}"
        # a shared name joins an entity of the same type only (a product named like the company is not it)
        hits = {eid for a in company.aliases if (eid := owner.get(fold(a))) is not None
                and (registry.entities[eid].type if eid in registry.entities else new[eid]["type"]) == company.type}
        if company.id in entries or company.id in new:
            target = company.id
        elif len(hits) == 1:
            target = hits.pop()
            diags.note(source, company.line, f"company {company.id!r} merged into entity {target!r} "
                       f"({registry_source} line {lines_of.get(target, '?')}) by a shared name")
        elif hits:
            diags.warning(source, company.line, f"company {company.id!r}: its names belong to several entities "
                          f"({', '.join(sorted(hits))}); not imported",
                          f"merge those entities in {registry_source}, or give the company an id: of one of them")
            continue
        else:
            target = company.id
        if target in touched:
            first_source, first_line = touched[target]
            diags.warning(source, company.line, f"company {company.id!r} is entity {target!r} again (first at "
                          f"{first_source}:{first_line}); not imported", "delete one of the two entries")
            continue
        touched[target] = (source, company.line)
        entry = entries.get(target) or new.get(target)
        other = owner.get(fold(company.name))
        if entry is None and other is not None:  # a new entity's name is always one of its aliases
            diags.warning(source, company.line, f"company {company.id!r}: its name {company.name!r} already names "
                          f"entity {other!r} ({registry_source} line {lines_of.get(other, '?')}), which is not a "
                          f"{company.type}; not imported",
                          f"give the company the id: of {other!r} if it is that entity, or rename one of them")
            del touched[target]
            continue
        if entry is None:
            entry = {"id": target, "name": company.name, "type": company.type, "aliases": [],
                     "description": company.description, "website": company.website}
            new[target] = entry
            owner[fold(company.name)] = target  # its name is an alias: a later company by that name joins it
        else:
            for key in ("description", "website"):
                if not entry.get(key) and getattr(company, key):
                    entry[key] = getattr(company, key)
        aliases = list(entry.get("aliases") or [])
        if isinstance(aliases, str):
            aliases = [aliases]
        have = {fold(str(a)) for a in [entry.get("name", ""), *aliases]}
        for alias in company.aliases:
            key = fold(alias)
            other = owner.get(key)
            if other is not None and other != target:
                where = f"{registry_source} line {lines_of[other]}" if other in lines_of else f"{source}"
                diags.warning(source, company.line, f"alias {alias!r} of company {company.id!r} already names "
                              f"entity {other!r} ({where}); not added to {target!r}",
                              f"if they are one entity, merge them in {registry_source}; otherwise nothing to do")
                continue
            if key in have or len(key) < 2:
                continue
            aliases.append(alias)
            have.add(key)
            owner[key] = target
        entry["aliases"] = aliases
        for key in ("figures", "products", "news", "partners"):
            entry[key] = getattr(company, key)
        if len(entry.get("aliases") or []) == 0:
            entry["aliases"] = [entry["name"]]
    # Rewrite only what changed: an entry whose values differ, then new entries in id order.
    out = list(lines)
    for eid, (start, end, before) in sorted(blocks.items(), key=lambda kv: -kv[1][0]):
        after = entries.get(eid)
        if after is None or eid not in touched:
            continue
        if _canon(before) == _canon(after):
            result.unchanged.append(eid)
            continue
        out[start:end] = [_emit(after)]
        result.updated.append(eid)
    text = "".join(out)
    if new:
        if text and not text.endswith("\n"):
            text += "\n"
        text += "".join(_emit(new[eid]) for eid in sorted(new))
        result.added = sorted(new)
    check = Diagnostics()
    entities._load_registry_text(text, registry_source, check)
    if check.has_errors:  # never write a registry that would fail the build
        bad = next(d for d in check if d.severity >= ERROR)
        diags.error(registry_source, bad.line, f"merging the companies would make it invalid ({bad.message}); "
                    "nothing written", "report this as a tsuzuri bug with the data file")
        return Merged(registry_text)
    result.text = text
    result.updated.sort()
    result.unchanged.sort()
    return result


def _canon(entry: dict) -> str:
    keep = {k: v for k, v in entry.items() if v not in ("", [], None)}
    return json.dumps(keep, ensure_ascii=False, sort_keys=True, default=str)
