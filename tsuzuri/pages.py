"""Emit: the set of pages the site consists of, as plain values for the adapter.

URLs here are site-relative without a leading slash ("2025/09/18/slug/"); templates pass
them through MkDocs' ``url`` filter so the site works under any base path.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from . import charts
from .entities import TYPE_LABELS, Entity, Registry, co_mentions, date_label, fold, newest_first
from .posts import Post
from .site import Site
from .taxonomy import Term, term_key
from .urls import url_of

WEEKDAYS = "月火水木金土日"
ENTITY_PAGE = 50  # posts per entity page: their items are short (a title and one snippet)


@dataclass
class PageSpec:
    dest_uri: str          # "2025/09/18/slug/index.html"
    src_uri: str           # the virtual Markdown source MkDocs is given
    title: str
    template: str          # a template in templates/
    context: dict[str, Any] = field(default_factory=dict)
    html: str = ""         # pre-rendered body (posts)
    toc: list = field(default_factory=list)
    post: Post | None = None

    @property
    def url(self) -> str:
        return url_of(self.dest_uri)

    def source(self) -> str:
        """The virtual Markdown source MkDocs reads: front matter only (JSON is YAML). Material
        prints page titles as HTML (header, <title>), so the title is escaped text."""
        meta = json.dumps({"title": html.escape(self.title), "template": self.template}, ensure_ascii=False)
        return f"---\n{meta}\n---\n"

    def shows_the_same(self, other: "PageSpec") -> bool:
        """Whether a page of ``other`` would be the same page (the preview re-renders the rest)."""
        return (self.dest_uri, self.title, self.template, self.html, self.toc, self.context) == (
            other.dest_uri, other.title, other.template, other.html, other.toc, other.context)


def display_date(post: Post) -> str:
    d = post.date
    return f"{d.year}年{d.month}月{d.day}日（{WEEKDAYS[d.weekday()]}） {d:%H:%M}"


def summary(post: Post, site: Site) -> dict[str, Any]:
    """What a list page shows of a post (not its tags: only its own page lists them, and a post
    with N tags is on N tag pages, whose contexts would then hold N^2 of them)."""
    return {
        "title": post.title, "url": post.url, "date": display_date(post),
        "date_iso": post.date.isoformat(), "summary": post.summary,
        "categories": [_term(site.categories, c) for c in post.categories],
        "reading_time": post.reading_time, "author": post.author,
        "image": _image(site.images.get(post.url), post.title),
    }


def _image(image, title: str) -> dict[str, str] | None:
    """The thumbnail: ``src`` site-relative (templates pass it through ``url``) or absolute."""
    return {"src": image.src, "alt": image.alt or title} if image is not None else None


def _term(terms: dict[str, Term], name: str) -> dict[str, str]:
    return {"name": name, "url": terms[term_key(name)].url}


def build(site: Site) -> list[PageSpec]:
    """Every page of the site, deterministic in order and content."""
    specs: list[PageSpec] = []
    summaries = {p: summary(p, site) for p in site.posts}
    for post in site.posts:
        stem = posixpath.splitext(post.rel)[0]
        ctx = dict(summaries[post], kind="post", tags=[_term(site.tags, t) for t in post.tags],
                   entities=[_entity_ref(site.registry.entities[e], n) for e, n in post.mentions.items()],
                   related=[summaries[p] for p in site.related.get(post, [])])
        specs.append(PageSpec(post.dest_uri, f"_posts/{stem}.md", post.title, "post.html",
                              ctx, html=post.html, toc=post.toc, post=post))
    items = [summaries[p] for p in site.posts]
    specs += paginate(items, "", "最新の記事", site.config.paginate, src="index.md", older="記事一覧")
    specs += term_pages(site.categories, "categories", "カテゴリー", summaries, site.config.paginate)
    specs += term_pages(site.tags, "tags", "タグ", summaries, site.config.paginate)
    specs += entity_pages(site, summaries)
    specs.append(PageSpec("archive/index.html", "archive/index.md", "アーカイブ", "archive.html",
                          {"kind": "archive", "heading": "アーカイブ", "years": archive(site.posts, summaries),
                           "chart": archive_chart(site.posts)}))
    specs.append(PageSpec("search/index.html", "search/index.md", "検索", "search.html",
                          {"kind": "search", "heading": "記事を検索"}))
    return specs


def term_pages(terms: dict[str, Term], kind: str, label: str, summaries: dict, per_page: int) -> list[PageSpec]:
    """The index of a taxonomy (most used first) and one paginated list per term."""
    ordered = sorted(terms.values(), key=lambda t: (-len(t.posts), t.name))
    specs = [PageSpec(f"{kind}/index.html", f"{kind}/index.md", label, "terms.html", {
        "kind": kind, "heading": label,
        "terms": [{"name": t.name, "url": t.url, "count": len(t.posts)} for t in ordered],
    })]
    for term in sorted(terms.values(), key=lambda t: t.url):
        specs += paginate([summaries[p] for p in term.posts], term.url, f"{label}: {term.name}", per_page)
    return specs


def _entity_ref(entity: Entity, count: int = 0) -> dict[str, Any]:
    return {"id": entity.id, "name": entity.name, "url": entity.url, "type": entity.type_label, "count": count}


def _facts(entity: Entity, by_alias: dict[str, Entity]) -> dict[str, Any]:
    """The structured facts an entity page shows: figures, products, news (newest first, dates
    in readers' form), partners (linked when the registry knows them)."""
    partners = []
    for name in entity.partners:
        main = re.sub(r"\s*[（(][^()（）]*[)）]\s*$", "", name)  # "Amazon (AWS)": Amazon's page
        other = by_alias.get(fold(name)) or by_alias.get(fold(main))
        partners.append({"name": name, "url": other.url if other is not None and other.id != entity.id else ""})
    news = [dict(item, when=date_label(item.get("date", ""))) for item in newest_first(entity.news)]
    products = [dict(item, when=date_label(item.get("release", ""))) for item in entity.products]
    dates = {f.get("as_of", "") for f in entity.figures}
    as_of = date_label(dates.pop()) if len(dates) == 1 else ""  # one date for all: said once
    figures = [dict(f, as_of=date_label(f.get("as_of", "")) if not as_of else "") for f in entity.figures]
    return {"figures": figures, "figures_as_of": as_of, "products": products, "news": news, "partners": partners,
            "product_notes": any(p.get("status") or p.get("note") for p in products)}  # else no 備考 column


def entity_pages(site: Site, summaries: dict) -> list[PageSpec]:
    """One page per registry entity (posts that mention it, entities seen with it) and an index by type."""
    registry = site.registry
    mentioned: dict[str, list[Post]] = defaultdict(list)
    for post in site.posts:  # newest first
        for eid in post.mentions:
            mentioned[eid].append(post)
    # Every pair's count (the graph's edges between neighbours need more than each top 10).
    together = co_mentions({p: p.mentions for p in site.posts}, limit=len(registry.entities))
    pairs = {e: dict(row) for e, row in together.items()}
    span = _month_span(site.posts)
    specs = []
    groups: dict[str, list[dict]] = defaultdict(list)
    by_alias: dict[str, Entity] = {}  # partners' names -> their entity pages
    for entity in registry.entities.values():
        for alias in entity.aliases:
            by_alias.setdefault(fold(alias), entity)
    for entity in sorted(registry.entities.values(), key=lambda e: e.id):
        posts = mentioned.get(entity.id, [])
        groups[entity.type].append(_entity_ref(entity, len(posts)))
        items = [dict(summaries[p], mentions=p.mentions[entity.id], snippet=p.snippets.get(entity.id, ""))
                 for p in posts]
        info = {"kind": "entity", "type": entity.type_label, "description": entity.description,
                "aliases": [a for a in entity.aliases if a != entity.name], "website": entity.website}
        facts = _facts(entity, by_alias)
        for spec in paginate(items, entity.url, entity.name, ENTITY_PAGE):
            spec.template = "entity.html"
            spec.context.update(info)
            if spec.context["front"]:  # what changes with every post stays off the older pages
                spec.context.update(facts)  # ... and so do the facts: older pages are archives of posts
                spec.context["related"] = [_entity_ref(registry.entities[e], n)
                                           for e, n in together.get(entity.id, [])[:10]]
                spec.context["charts"] = entity_charts(entity, posts, together, pairs, registry, span)
            specs.append(spec)
    known = list(TYPE_LABELS)  # types in this order, unknown ones after them
    index = [{"type": t, "label": TYPE_LABELS.get(t, t), "count": sum(1 for e in es if e["count"]),
              "entities": sorted(es, key=lambda e: (-e["count"], e["name"]))}
             for t, es in sorted(groups.items(), key=lambda kv: (known.index(kv[0]) if kv[0] in known else 99, kv[0]))]
    specs.append(PageSpec("entities/index.html", "entities/index.md", "企業・人物", "entities.html",
                          {"kind": "entities", "heading": "企業・人物・機関", "groups": index}))
    return specs


GRAPH_NEIGHBOURS = 8


def _month_span(posts: list[Post]) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The site's first and last (year, month): every timeline shares this axis, so a reader sees
    when an entity stopped being written about (the first post of a new month therefore
    re-renders each entity's front page: once a month, a few dozen pages)."""
    if not posts:
        return None
    months = [(p.date.year, p.date.month) for p in posts]
    return min(months), max(months)


def archive_chart(posts: list[Post]) -> str:
    months = charts.per_month((p.date.year, p.date.month) for p in posts)
    if not months:
        return ""
    peak = _peak(months)
    return charts.timeline(months, ident="tz-archive-chart", title="月別の記事数", anchors=True,
                           desc=f"{months[0].label}から{months[-1].label}までに公開された記事は合計{len(posts)}件。"
                                f"最も多いのは{peak.label}の{peak.count}件。")


def _peak(months: list[charts.Month]) -> charts.Month:
    return max(months, key=lambda m: (m.count, -m.year, -m.month))  # the earliest of equal months


def entity_charts(entity: Entity, posts: list[Post], together: dict, pairs: dict, registry: Registry,
                  span: tuple[tuple[int, int], tuple[int, int]] | None) -> dict[str, str]:
    """The entity page's pictures: posts per month that mention it (on the site's month axis)
    and the entities most often mentioned with it, with their own co-mentions as thinner edges."""
    if not posts or span is None:
        return {}
    months = charts.per_month(((p.date.year, p.date.month) for p in posts), *span)
    peak = _peak(months)
    out = {"timeline": charts.timeline(
        months, ident="tz-entity-timeline", title=f"{entity.name}に言及した記事の数（月別）",
        desc=f"{months[0].label}から{months[-1].label}まで、{entity.name}に言及した記事は合計{len(posts)}件。"
             f"最も多いのは{peak.label}の{peak.count}件。")}
    near = together.get(entity.id, [])[:GRAPH_NEIGHBOURS]
    if near:
        ids = [e for e, _ in near]
        links = [(i, j, pairs[a].get(b, 0)) for i, a in enumerate(ids) for j, b in enumerate(ids[i + 1:], i + 1)]
        nodes = [charts.Node(registry.entities[e].name, posixpath.relpath(registry.entities[e].url, entity.url) + "/", n)
                 for e, n in near]
        names = "、".join(f"{nb.label}（{nb.weight}件）" for nb in nodes)
        out["graph"] = charts.cograph(
            entity.name, nodes, [lk for lk in links if lk[2]], ident="tz-entity-graph",
            title=f"{entity.name}と一緒に言及されることが多い企業・人物",
            desc=f"同じ記事で{entity.name}と一緒に言及された回数の多い順: {names}。線の太さは共通の記事数。")
    return out


def paginate(items: list[dict], base: str, heading: str, per_page: int, src: str | None = None,
             older: str | None = None) -> list[PageSpec]:
    """A list's front page at ``base`` and its older pages, ``per_page`` items each.

    Pages are anchored to the oldest post: ``base/page/1/`` holds the oldest ``per_page``
    items and keeps them forever, and the front page holds the newest ``per_page`` to
    ``2 * per_page - 1``. A new post therefore changes the front page (and, once every
    ``per_page`` posts, adds one older page and relinks its neighbour) instead of shifting
    every page of the list, so a rebuild re-renders a handful of list pages, not all of
    them. Older pages show nothing that a new post changes (no totals, no page count).
    """
    k, n = max(1, per_page), len(items)
    stable = max(0, n // k - 1)          # full chunks, counted from the oldest, with a page of their own

    def url(j: int) -> str:
        return base if j > stable else f"{base}page/{j}/"

    front = PageSpec(base + "index.html", src or base + "index.md", heading, "list.html", {
        "kind": "list", "heading": heading, "items": items[: n - stable * k], "front": True,
        "pagination": {"count": n, "label": "", "prev": None, "next": url(stable) if stable else None},
    })
    specs = [front]
    for j in range(stable, 0, -1):
        chunk = items[n - j * k: n - (j - 1) * k]
        span = date_span(chunk)
        title = f"{older or heading}（{span}）"
        dest = f"{base}page/{j}/index.html"
        specs.append(PageSpec(dest, dest[: -len(".html")] + ".md", title, "list.html", {
            "kind": "list", "heading": title, "items": chunk, "front": False,
            "pagination": {"label": span, "prev": url(j + 1), "next": url(j - 1) if j > 1 else None},
        }))
    return specs


def date_span(items: list[dict]) -> str:
    """「2025年1月2日〜2月3日」: the days of a newest-first list (stable: unlike a page number
    counted from the newest, a new post never changes it)."""
    def day(item: dict) -> tuple[int, int, int]:
        y, m, d = item["date_iso"][:10].split("-")
        return int(y), int(m), int(d)
    (y2, m2, d2), (y1, m1, d1) = day(items[0]), day(items[-1])
    first = f"{y1}年{m1}月{d1}日"
    if (y1, m1, d1) == (y2, m2, d2):
        return first
    return first + "〜" + (f"{m2}月{d2}日" if y1 == y2 else f"{y2}年{m2}月{d2}日")


def archive(posts: list[Post], summaries: dict[Post, dict]) -> list[dict]:
    """Years (newest first) of months (newest first) of posts."""
    years: dict[int, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for post in posts:
        years[post.date.year][post.date.month].append(summaries[post])
    return [{"year": y, "count": sum(len(v) for v in months.values()),
             "months": [{"month": m, "items": months[m]} for m in sorted(months, reverse=True)]}
            for y, months in sorted(years.items(), reverse=True)]
