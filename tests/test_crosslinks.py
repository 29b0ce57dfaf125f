"""Tags as terms, related-post ranking, and the cross-linked seed site (real MkDocs build)."""

from __future__ import annotations

import datetime as dt
import math
import re
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tsuzuri import related, taxonomy
from tsuzuri.posts import Post

from test_build import make_project, mkdocs, post

JST = dt.timezone(dt.timedelta(hours=9))


def make(i: int, tags=(), mentions=(), day: int = 1) -> Post:
    return Post(path=Path(f"p{i}.md"), source=f"posts/p{i}.md", rel=f"p{i}.md", title=f"記事{i}",
                date=dt.datetime(2025, 1, 1, tzinfo=JST) + dt.timedelta(days=day), slug=f"p{i}",
                categories=[], tags=list(tags), author="", excerpt="", published=True, permalink=None,
                data={}, body="", body_line=1, url=f"p{i}/", mentions={m: 1 for m in mentions})


# --- tags ------------------------------------------------------------------------------------

def test_width_and_case_variants_are_one_tag_in_the_most_common_spelling():
    posts = [make(1, ["AI", "半導体"]), make(2, ["ＡＩ"]), make(3, ["ai", "AI"]), make(4, ["AI"]), make(5, ["Ａｉ "])]
    terms = taxonomy.build(posts, "tags", "tags")
    assert {t.name: len(t.posts) for t in terms.values()} == {"AI": 5, "半導体": 1}
    assert terms["ai"].url == "tags/ai/"
    assert [p.tags for p in posts] == [["AI", "半導体"], ["AI"], ["AI"], ["AI"], ["AI"]]


def test_tags_whose_slugs_collide_keep_separate_pages():
    terms = taxonomy.build([make(1, ["C#"]), make(2, ["C"])], "tags", "tags")
    assert sorted(t.url for t in terms.values()) == ["tags/c-2/", "tags/c/"]


def test_spelling_tie_goes_to_the_ascii_form():
    terms = taxonomy.build([make(1, ["ＡＩ"]), make(2, ["AI"])], "tags", "tags")
    assert [t.name for t in terms.values()] == ["AI"]


# --- related posts ---------------------------------------------------------------------------

def titles(result, p):
    return [q.title for q in result[p]]


def test_a_tag_on_every_post_counts_for_nothing():
    posts = [make(i, ["最新ニュース", "技術動向"], day=i) for i in range(6)]
    assert all(v == [] for v in related.compute(posts).values())


def test_rarer_shared_features_rank_higher_and_ties_go_to_the_closest_date():
    a = make(0, ["AI", "半導体"], ["foxconn", "openai"], day=10)
    rare = make(1, ["AI"], ["foxconn"], day=100)          # shares a rare entity
    common = make(2, ["AI", "半導体"], [], day=11)         # shares only common tags
    near = make(3, ["AI"], ["openai"], day=9)              # shares openai (as rare as foxconn), closer
    fill = [make(i, ["AI", "半導体"], [], day=50 + i) for i in range(4, 8)]
    result = related.compute([a, rare, common, near, *fill])
    assert titles(result, a)[:2] == ["記事3", "記事1"]      # equal score: closer date first
    assert "記事2" in titles(result, a) and len(result[a]) == 5


def brute(posts, limit=5):
    n = len(posts)
    feats = [related.features(p) for p in posts]
    df = {}
    for fs in feats:
        for f in fs:
            df[f] = df.get(f, 0) + 1
    out = {}
    for i, p in enumerate(posts):
        scored = []
        for j, q in enumerate(posts):
            s = sum(math.log(n / df[f]) for f in feats[i] & feats[j])
            if j != i and round(s, 9) > 0:
                scored.append((-round(s, 9), abs(q.date.timestamp() - p.date.timestamp()), q.url))
        out[p] = [u for *_, u in sorted(scored)[:limit]]
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sets(st.sampled_from("ABCDE")), st.sets(st.sampled_from("uvwxyz")),
                          st.integers(0, 30)), min_size=1, max_size=70))
def test_ranking_equals_brute_force(spec):
    posts = [make(i, tags, ents, day) for i, (tags, ents, day) in enumerate(spec)]
    result = related.compute(posts)
    expected = brute(posts)
    assert {p: [q.url for q in qs] for p, qs in result.items()} == expected


def test_ranking_is_deterministic():
    posts = [make(i, ["AI", "x" if i % 2 else "y"], [f"e{i % 5}"], day=i % 3) for i in range(40)]
    first = {p.url: [q.url for q in qs] for p, qs in related.compute(posts).items()}
    again = {p.url: [q.url for q in qs] for p, qs in related.compute(list(reversed(posts))).items()}
    assert first == again


# --- the seed site ---------------------------------------------------------------------------

class Links(HTMLParser):
    def __init__(self, scope_class: str | None = None):
        super().__init__()
        self.links, self.scope, self.depth = [], scope_class, 0 if scope_class else 1

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.scope and self.scope in (attrs.get("class") or "").split():
            self.depth = 1
        elif self.depth and tag in ("div", "section", "footer", "article", "nav", "ul"):
            self.depth += 1 if self.scope else 0
        if self.depth and tag == "a":
            self.links.append((attrs.get("href"), attrs.get("class")))

    def handle_endtag(self, tag):
        if self.scope and self.depth and tag in ("div", "section", "footer", "article", "nav", "ul"):
            self.depth -= 1


def links(path: Path, scope: str | None = None) -> list[tuple[str, str]]:
    parser = Links(scope)
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.links


FOXCONN_POSTS = ["2025/11/23/openai-foxconn-ai-hardware/", "2025/11/22/hon-hai-openai-ai-infrastructure/",
                 "2025/11/04/hon-hai-sharp-rapidus-ai-servers/"]


def test_foxconn_page_lists_the_three_seed_posts_newest_first(seed_site):
    page = seed_site / "entities/foxconn/index.html"
    hrefs = [h for h, c in links(page, "tz-list")]
    assert [h.lstrip("./") for h in hrefs if h.startswith("../../20")] == FOXCONN_POSTS
    html = page.read_text(encoding="utf-8")
    assert "言及している記事（3件）" in html
    for alias in ["鴻海", "ホンハイ", "Hon Hai", "Foxconn"]:
        assert alias in html
    assert re.search(r"\d+回言及", html)
    together = [h for h, _ in links(page) if h and h.startswith("../") and not h.startswith("../../")]
    assert "../openai/" in together


def test_post_links_first_mentions_tags_entities_and_related(seed_site):
    page = seed_site / "2025/11/04/hon-hai-sharp-rapidus-ai-servers/index.html"
    body = [h for h, c in links(page, "tz-body") if c == "tz-entity"]
    assert body.count("../../../../entities/foxconn/") == 1 and len(body) == len(set(body))
    footer = [h for h, _ in links(page, "tz-post-footer")]
    assert "../../../../entities/foxconn/" in footer and "../../../../entities/rapidus/" in footer
    related_links = [h for h, _ in links(page, "tz-related-list")]
    assert len(related_links) == 4  # every other seed post shares a rare entity or tag with it
    assert all((page.parent / h / "index.html").resolve().exists() for h in related_links)
    tags = [h for h, _ in links(page, "tz-tags")]
    assert tags and all(h.startswith("../../../../tags/") for h in tags)


def test_tag_and_entity_indexes_are_in_the_navigation(seed_site):
    html = (seed_site / "index.html").read_text(encoding="utf-8")
    assert 'href="tags/"' in html and 'href="entities/"' in html
    tags = (seed_site / "tags/index.html").read_text(encoding="utf-8")
    assert re.search(r'href="ai/">AI</a> <span class="tz-count">5件', tags)
    entities = (seed_site / "entities/index.html").read_text(encoding="utf-8")
    assert "企業" in entities and "人物" in entities and 'href="foxconn/"' in entities


def test_width_variant_tags_build_one_page(tmp_path):
    posts = {"2025-01-01-a.md": post("記事A", "2025-01-01 10:00:00 +0900", tags=["AI", "半導体"]),
             "2025-01-02-b.md": post("記事B", "2025-01-02 10:00:00 +0900", tags=["ＡＩ"]),
             "2025-01-03-c.md": post("記事C", "2025-01-03 10:00:00 +0900", tags=["ai"])}
    project = make_project(tmp_path, posts)
    result = mkdocs(["build", "--strict"], project)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (project / "site/tags").iterdir() if p.is_dir()) == ["ai", "半導体"]
    html = (project / "site/tags/ai/index.html").read_text(encoding="utf-8")
    assert all(t in html for t in ["記事A", "記事B", "記事C"])


def test_registry_errors_fail_the_strict_build(tmp_path):
    project = make_project(tmp_path, {"2025-01-01-a.md": post("鴻海の記事", "2025-01-01 10:00:00 +0900",
                                                               body="鴻海が発表した。")})
    (project / "entities.yml").write_text("- id: a\n  name: 鴻海\n  type: company\n- id: a\n  name: B\n",
                                          encoding="utf-8")
    result = mkdocs(["build", "--strict"], project)
    assert result.returncode != 0
    assert "entities.yml:4: error: duplicate entity id 'a' (first at line 1)" in result.stderr
    result = mkdocs(["build"], project)  # non-strict: the site is still built, with the good entity linked
    assert result.returncode == 0, result.stderr
    assert 'class="tz-entity"' in (project / "site/2025/01/01/a/index.html").read_text(encoding="utf-8")


def test_rare_links_survive_the_date_window_of_common_features():
    """Beyond related.WINDOW posts per feature, a common tag only brings in posts near in date;
    a rare shared entity still relates two posts far apart."""
    n = related.WINDOW * 3
    posts = [make(i, ["半導体"] if i < n - 5 else ["他"], [], day=i) for i in range(n)]
    posts[0].mentions = {"rare-co": 1}
    posts[n - 10].mentions = {"rare-co": 1}
    result = related.compute(posts)
    assert titles(result, posts[0])[0] == f"記事{n - 10}"
    assert titles(result, posts[n - 10])[0] == "記事0"
    assert all(abs(q.date - posts[100].date).days <= related.WINDOW for q in result[posts[100]])
