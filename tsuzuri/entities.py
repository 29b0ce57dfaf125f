"""Named entities: the registry (``entities.yml``) and finding their mentions in posts.

One entity has many spellings (鴻海 = 鴻海精密工業 = ホンハイ = Hon Hai = Foxconn). Every alias
of every entity goes into one Aho-Corasick automaton, run once over each post's rendered
text, so finding mentions costs the same whatever the size of the registry.

Matching rules:
- text and aliases are compared width-folded (ＡＭＤ = AMD, ｱｯﾌﾟﾙ = アップル) and, for Latin
  aliases, case-folded; all-capital acronyms (AMD, NEC) must match their case exactly, unless
  the entity also has a spelling of that alias in other case (NVIDIA and Nvidia: any case);
- longest match wins (ソフトバンクグループ is not also ソフトバンク);
- a Latin alias matches only at word boundaries (``AI`` not inside ``OpenAI``);
- nothing inside code, links, or bare URLs counts; headings count but are never linked.

The first linkable mention of each entity in a post becomes a link to its page.
"""

from __future__ import annotations

import bisect
import html
import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick
import yaml

from .diagnostics import Diagnostics, short

TYPE_LABELS = {
    "company": "企業", "person": "人物", "agency": "政府・公的機関", "organization": "団体",
    "product": "製品・サービス", "place": "地域", "other": "その他",
}
KEYS = {"id", "name", "type", "aliases", "description", "website", "figures", "products", "news", "partners"}
# Structured facts (import-jekyll fills them from a site's _data; editors may write them too):
# each list's items are mappings of these keys, every value shown as text. The first key is required.
FACT_KEYS = {
    "figures": ("label", "value", "as_of"),                      # key figures, in order
    "products": ("name", "kind", "release", "status", "note", "url"),
    "news": ("headline", "date", "url"),                           # shown newest first
}
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_LATIN = re.compile(r"[A-Za-z0-9]")
_ACRONYM_RE = re.compile(r"^[A-Z0-9&.\- ]+$")
_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"']+")
# A character reference is one character of text: no match may start, end or lie inside one
# ("amp" in "R&amp;D"). Names without ";" count too (browsers read "&ampD" as "&D").
_CHARREF_RE = re.compile(r"&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);?")
_TAG_RE = re.compile(r"<!--.*?-->|<(/?)([A-Za-z][A-Za-z0-9]*)\b[^>]*?(/?)>", re.S)
# Text inside these is never a mention; inside headings it counts but is not linked.
SKIP = {"code", "pre", "a", "kbd", "samp", "script", "style", "svg", "math"}
NO_LINK = {"h1", "h2", "h3", "h4", "h5", "h6"}
SNIPPET = 40  # characters either side of the first mention


@dataclass
class Entity:
    id: str
    name: str
    type: str
    aliases: list[str]
    description: str = ""
    website: str = ""
    line: int | None = None
    figures: list[dict] = field(default_factory=list)
    products: list[dict] = field(default_factory=list)
    news: list[dict] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.type, self.type)

    @property
    def url(self) -> str:
        return f"entities/{self.id}/"


def _fold_char(ch: str) -> str:
    n = unicodedata.normalize("NFKC", ch)
    n = n.lower() if len(n) == 1 else ch
    return n if len(n) == 1 else ch


# Every code point whose fold differs from itself (about 5,000): str.translate with this
# table runs at C speed over whole posts. Built once, in about 0.1 s.
_FOLD = {cp: f for cp in range(0x30000) if not 0xD800 <= cp < 0xE000 and (f := _fold_char(chr(cp))) != chr(cp)}


def fold(text: str) -> str:
    """Width-fold and lower-case, one character for one so offsets survive."""
    return text.translate(_FOLD)


def _width(text: str) -> str:
    """Width-fold only (for checking acronyms' case)."""
    return "".join(n if len(n := unicodedata.normalize("NFKC", ch)) == 1 else ch for ch in text)


@dataclass
class Registry:
    entities: dict[str, Entity] = field(default_factory=dict)
    source: str = "entities.yml"
    _automaton: object = None

    def __bool__(self) -> bool:
        return bool(self.entities)

    def __len__(self) -> int:
        return len(self.entities)

    @property
    def digest(self) -> str:
        """Changes whenever any entity's matching or display data changes."""
        import hashlib
        data = repr(sorted((e.id, e.name, e.type, tuple(e.aliases), e.description, e.website,
                            repr((e.figures, e.products, e.news, e.partners)))
                           for e in self.entities.values()))
        return hashlib.blake2b(data.encode("utf-8"), digest_size=16).hexdigest()

    def automaton(self):
        """Folded aliases -> (entity id, length, the spellings an acronym must match exactly or
        None for any case, is Latin at start, at end).

        Aliases of one entity that fold alike (NVIDIA, Nvidia) share one key: the key matches
        what either would alone, so a case-folded alias among them lifts the acronym's exact case.
        """
        if self._automaton is None:
            keys: dict[str, list] = {}
            for entity in self.entities.values():
                for alias in entity.aliases:
                    escaped = html.escape(alias, quote=False)  # we search HTML text
                    exact = bool(_ACRONYM_RE.match(alias)) and any(c.isalpha() for c in alias)
                    key = fold(escaped)
                    entry = keys.setdefault(key, [entity.id, len(key), set(), bool(_LATIN.match(alias[0])),
                                                  bool(_LATIN.match(alias[-1]))])
                    if entry[0] != entity.id:
                        continue  # one key, two entities: load_registry reports it; the first keeps it
                    if entry[2] is not None:
                        entry[2] = entry[2] | {_width(escaped)} if exact else None
            auto = ahocorasick.Automaton()
            for key, (eid, length, spellings, latin_start, latin_end) in keys.items():
                auto.add_word(key, (eid, length, frozenset(spellings) if spellings is not None else None,
                                    latin_start, latin_end))
            if len(auto):
                auto.make_automaton()
            self._automaton = auto
        return self._automaton


_LOADED: dict[tuple[str, str], tuple[bytes, Registry, Diagnostics]] = {}  # mkdocs serve: by file bytes


def load_registry(path: Path, source: str, diags: Diagnostics) -> Registry:
    """Read the registry; every problem is a diagnostic with the file and line.

    The same bytes give the same Registry object (its matcher is built once per process)."""
    try:
        raw = path.read_bytes()
    except OSError:
        raw = None
    known = _LOADED.get((str(path), source))
    if known is not None and known[0] == raw:
        diags.extend(known[2])
        return known[1]
    own = Diagnostics()
    registry = _load_registry(path, source, own)
    diags.extend(own)
    if raw is not None:
        _LOADED[(str(path), source)] = (raw, registry, own)
    return registry


def _load_registry(path: Path, source: str, diags: Diagnostics) -> Registry:
    if not path.exists():
        return Registry(source=source)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        diags.error(source, None, f"not valid UTF-8 ({exc.reason} at byte {exc.start})", "save the file as UTF-8")
        return Registry(source=source)
    return _load_registry_text(text, source, diags)


def _load_registry_text(text: str, source: str, diags: Diagnostics) -> Registry:
    registry = Registry(source=source)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        diags.error(source, mark.line + 1 if mark else None, f"invalid YAML: {getattr(exc, 'problem', exc)}",
                    "fix the YAML syntax; no entity is linked until then")
        return registry
    if data is None:
        return registry
    if not isinstance(data, list):
        diags.error(source, 1, "the registry must be a list of entities", "start each entity with '- id: ...'")
        return registry
    owner: dict[str, Entity] = {}  # folded alias -> entity
    for node, item in zip(root.value, data):
        line = node.start_mark.line + 1
        entity = _entity(item, line, source, diags)
        if entity is None:
            continue
        if entity.id in registry.entities:
            first = registry.entities[entity.id]
            diags.error(source, line, f"duplicate entity id {entity.id!r} (first at line {first.line})",
                        "give each entity its own id, or merge the two entries")
            continue
        aliases = []
        for alias in entity.aliases:
            key = fold(alias)
            other = owner.get(key)
            if other is entity:  # another spelling of an alias of this entity (NVIDIA, Nvidia): both match
                aliases.append(alias)
                continue
            if other is not None:
                diags.error(source, line, f"alias {alias!r} of {entity.id!r} is also an alias of "
                            f"{other.id!r} (line {other.line})", "an alias may name one entity only; remove one")
                continue
            owner[key] = entity
            aliases.append(alias)
        entity.aliases = aliases
        registry.entities[entity.id] = entity
    return registry


def _entity(item, line: int, source: str, diags: Diagnostics) -> Entity | None:
    if not isinstance(item, dict):
        diags.error(source, line, "an entity must be a mapping with id, name, type and aliases",
                    "write '- id: foxconn' then name:, type:, aliases: on the following lines")
        return None
    eid = item.get("id")
    if not isinstance(eid, str) or not _ID_RE.match(eid):
        diags.error(source, line, f"entity id {eid!r} is missing or not lower-case ASCII",
                    "use letters a-z, digits and '-', like 'hon-hai'")
        return None
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        diags.error(source, line, f"entity {eid!r} has no name", 'add name: "表示名"')
        return None
    for key in sorted(set(item) - KEYS, key=str):
        diags.warning(source, line, f"entity {eid!r}: unknown key {key!r} ignored",
                      f"use only {', '.join(sorted(KEYS))}")
    etype = item.get("type")
    if not isinstance(etype, str) or not etype.strip():
        diags.warning(source, line, f"entity {eid!r} has no type; using 'other'",
                      f"add type: one of {', '.join(TYPE_LABELS)}")
        etype = "other"
    raw = item.get("aliases") or []
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        diags.error(source, line, f"entity {eid!r}: aliases must be a list of strings",
                    'write aliases: ["鴻海", "Foxconn"]')
        raw = []
    aliases = []
    for alias in [name, *raw]:
        if not isinstance(alias, (str, int, float)) or isinstance(alias, bool):
            diags.error(source, line, f"entity {eid!r}: alias {alias!r} is not text", "quote it as a string")
            continue
        alias = str(alias).strip()
        if len(fold(alias)) < 2:
            diags.warning(source, line, f"entity {eid!r}: alias {alias!r} is too short to match safely; ignored",
                          "use a longer alias")
            continue
        if alias not in aliases:
            aliases.append(alias)
    description = item.get("description") or ""
    if not isinstance(description, str):
        diags.warning(source, line, f"entity {eid!r}: description is not text; ignored", "quote it")
        description = ""
    website = item.get("website") or ""
    if website and (not isinstance(website, str) or not re.match(r"^https?://", website)):
        diags.warning(source, line, f"entity {eid!r}: website {website!r} is not an http(s) URL; ignored",
                      "write the full address, like https://www.foxconn.com/")
        website = ""
    entity = Entity(eid, name.strip(), etype.strip(), aliases, description.strip(), website, line)
    for key, fields in FACT_KEYS.items():
        setattr(entity, key, _facts(item.get(key), key, fields, eid, line, source, diags))
    partners = item.get("partners") or []
    partners = [partners] if isinstance(partners, str) else partners
    if not isinstance(partners, list):
        diags.warning(source, line, f"entity {eid!r}: partners must be a list of names; ignored",
                      'write partners: ["Microsoft", "ソフトバンク"]')
        partners = []
    entity.partners = [str(p).strip() for p in partners if _text(p) and str(p).strip()]
    return entity


def _text(value) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool) or hasattr(value, "isoformat")


def _facts(raw, key: str, fields: tuple[str, ...], eid: str, line: int, source: str, diags: Diagnostics) -> list[dict]:
    """One fact list (figures, products, news) as mappings of text; a bad item is a warning naming it."""
    if raw is None:
        return []
    example = "{" + ", ".join(f'{f}: "…"' for f in fields[:2]) + "}"
    if not isinstance(raw, list):
        diags.warning(source, line, f"entity {eid!r}: {key} must be a list; ignored", f"write {key}: [{example}]")
        return []
    out = []
    for n, item in enumerate(raw, 1):
        if not isinstance(item, dict) or not _text(item.get(fields[0])) or not str(item[fields[0]]).strip():
            diags.warning(source, line, f"entity {eid!r}: {key} item {n} ({short(item)}) has no {fields[0]}; ignored",
                          f"write each item as {example}")
            continue
        fact = {}
        for f in fields:
            value = item.get(f)
            if value is None or value == "":
                continue
            if not _text(value):
                diags.warning(source, line, f"entity {eid!r}: {key} item {n}: {f} {short(value)} is not text; ignored",
                              "quote it")
                continue
            value = value.isoformat() if hasattr(value, "isoformat") else str(value).strip()
            if f == "url" and not re.match(r"^https?://", value):
                diags.warning(source, line, f"entity {eid!r}: {key} item {n}: url {value!r} is not an http(s) URL; "
                              "ignored", "write the full address, like https://example.com/news/1")
                continue
            if f == "date" and not _DATE_RE.match(value):
                diags.warning(source, line, f"entity {eid!r}: {key} item {n}: date {value!r} is not YYYY-MM-DD, "
                              "YYYY-MM or YYYY; shown as written, after the dated items", "write date: 2025-12")
            fact[f] = value
        for f in sorted(set(item) - set(fields), key=str):
            diags.warning(source, line, f"entity {eid!r}: {key} item {n}: unknown key {f!r} ignored",
                          f"use only {', '.join(fields)}")
        out.append(fact)
    return out


def date_label(value: str) -> str:
    """'2025-12' -> '2025年12月' (readers' form of a fact's date); other text as written."""
    m = _DATE_RE.match(value or "")
    if not m:
        return value or ""
    y, mo, d = m.groups()
    return f"{y}年" + (f"{int(mo)}月" if mo else "") + (f"{int(d)}日" if d else "")


def newest_first(news: list[dict]) -> list[dict]:
    """News by date, newest first ('2025-12' before '2025-11-30'); undated and unreadable dates last, as written."""
    def key(item):
        m = _DATE_RE.match(item.get("date", ""))
        if not m:
            return (1, 0, 0, 0)
        y, mo, d = (int(x or 99) for x in m.groups())  # a month without a day sorts above its days
        return (0, -y, -mo, -d)
    return sorted(news, key=key)


@dataclass
class Mentions:
    """What one post says about entities."""
    counts: dict[str, int] = field(default_factory=dict)     # id -> mentions, in order of first mention
    snippets: dict[str, str] = field(default_factory=dict)   # id -> text around the first mention
    edits: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, id) to link
    html: str = ""                                           # the post with first mentions linked


def find(post_html: str, registry: Registry, page_url: str = "") -> Mentions:
    """Mentions of registry entities in rendered HTML; links the first linkable one of each.

    ``page_url`` is the post's own dest path ("2025/09/18/slug/index.html"): links are
    relative to it, so the site works under any base path.
    """
    found = scan(post_html, registry)
    found.html = link(post_html, found.edits, page_url)
    return found


def scan(post_html: str, registry: Registry) -> Mentions:
    """One pass of the automaton over the whole page; each match is then placed against the
    page's tags to drop those in tags, code, links and URLs. Depends only on its arguments
    (so it can be cached by content)."""
    result = Mentions()
    if not registry or not post_html:
        return result
    tags = list(_TAG_RE.finditer(post_html))
    ti, skip, no_link = 0, 0, 0
    linked = set()
    for start, end, eid in matches(post_html, registry):
        while ti < len(tags) and tags[ti].end() <= start:
            tag = tags[ti]
            name = (tag.group(2) or "").lower()
            if name and not tag.group(3):
                step = -1 if tag.group(1) else 1
                if name in SKIP:
                    skip = max(0, skip + step)
                elif name in NO_LINK:
                    no_link = max(0, no_link + step)
            ti += 1
        if skip or (ti < len(tags) and tags[ti].start() < end):  # in code or a link, or in a tag
            continue
        if eid not in result.counts:
            result.snippets[eid] = _snippet(post_html, start, end)
        result.counts[eid] = result.counts.get(eid, 0) + 1
        if not no_link and eid not in linked:
            linked.add(eid)
            result.edits.append((start, end, eid))
    return result


def link(post_html: str, edits: list[tuple[int, int, str]], page_url: str) -> str:
    """The page with each edit's text wrapped in a link to its entity page."""
    if not edits:
        return post_html
    base = posixpath.dirname(page_url)
    up = posixpath.relpath(".", base or ".")  # "../../..": from the page's folder to the site root
    parts, last = [], 0
    for start, end, eid in edits:
        href = f"entities/{eid}/" if up == "." else f"{up}/entities/{eid}/"
        parts += [post_html[last:start], f'<a class="tz-entity" href="{href}">', post_html[start:end], "</a>"]
        last = end
    parts.append(post_html[last:])
    return "".join(parts)


def matches(text: str, registry: Registry):
    """(start, end, entity id) of each mention in HTML text (no tags), left to right."""
    auto = registry.automaton() if registry else None
    if auto is None or auto.kind != ahocorasick.AHOCORASICK:  # no usable alias
        return
    folded = fold(text)
    urls = [(u.start(), u.end()) for u in _URL_RE.finditer(text)] if ("http" in text or "www." in text) else ()
    refs = [(r.start(), r.end()) for r in _CHARREF_RE.finditer(text)] if "&" in text else ()
    ref_starts = [s for s, _ in refs]
    for end, (eid, length, spellings, latin_start, latin_end) in auto.iter_long(folded):
        start, end = end - length + 1, end + 1
        if latin_start and start > 0 and _LATIN.match(folded[start - 1]):
            continue
        if latin_end and end < len(folded) and _LATIN.match(folded[end]):
            continue
        if spellings is not None and _width(text[start:end]) not in spellings:
            continue
        if urls and any(s < end and start < e for s, e in urls):
            continue
        if refs and _cuts(refs, ref_starts, start, end):
            continue
        yield start, end, eid


def _cuts(spans: list[tuple[int, int]], starts: list[int], start: int, end: int) -> bool:
    """Whether [start, end) cuts one of the sorted, disjoint spans (holding whole ones, as
    "AT&amp;T" does, is fine)."""
    i = bisect.bisect_left(starts, end)  # the last span starting before end must end by end
    if i and spans[i - 1][1] > end:
        return True
    j = bisect.bisect_right(starts, start) - 1  # and none may start before start and reach past it
    return j >= 0 and spans[j][0] < start < spans[j][1]


def _plain(fragment: str) -> str:
    fragment = re.sub(r"^[^<>]*>", "", fragment)   # a tag cut by the window's start
    fragment = re.sub(r"<[^<>]*$", "", fragment)   # ... or by its end
    return " ".join(html.unescape(_TAG_RE.sub("", fragment)).split())


def _snippet(page: str, start: int, end: int) -> str:
    """Plain text around a mention: SNIPPET characters before it, twice that after."""
    before = _plain(page[max(0, start - SNIPPET * 8):start])
    after = _plain(page[end:end + SNIPPET * 16])
    return ("…" if len(before) > SNIPPET else "") + before[-SNIPPET:] + html.unescape(page[start:end]) \
        + after[:SNIPPET * 2] + ("…" if len(after) > SNIPPET * 2 else "")


def co_mentions(mentions: dict, limit: int = 10) -> dict[str, list[tuple[str, int]]]:
    """For each entity, the entities mentioned in the same posts most often (posts in common)."""
    pairs: dict[str, dict[str, int]] = {}
    for counts in mentions.values():
        ids = list(counts)
        for a in ids:
            row = pairs.setdefault(a, {})
            for b in ids:
                if a != b:
                    row[b] = row.get(b, 0) + 1
    return {a: sorted(row.items(), key=lambda kv: (-kv[1], kv[0]))[:limit] for a, row in pairs.items()}
