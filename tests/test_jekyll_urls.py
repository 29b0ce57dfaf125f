"""Jekyll drop-in: URLs exactly as Jekyll 4.3 writes them, and what happens when two posts want one.

The slugify cases are Jekyll's own fixtures (test/test_utils.rb, "The `Utils.slugify` method").
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsuzuri.config import SiteConfig
from tsuzuri.diagnostics import ERROR, WARNING
from tsuzuri.site import load
from tsuzuri.urls import jekyll_slugify as slugify

CONFIG = SiteConfig(posts_dir="posts")
CORPUS = Path("/work/shared/corpora/jekyll/test")


# ---------------------------------------------------------------- Jekyll's fixtures, ported

@pytest.mark.parametrize("text, kwargs, expected", [
    (None, {}, None),
    ("Working with drafts", {}, "working-with-drafts"),
    ("Basic   Usage", {}, "basic-usage"),
    ("  Working with drafts   ", {}, "working-with-drafts"),
    ("So what is Jekyll, exactly?", {}, "so-what-is-jekyll-exactly"),
    ("كيف حالك؟", {}, "كيف-حالك"),
    ("Pre-releases", {}, "pre-releases"),
    ("The _config.yml file", {}, "the-config-yml-file"),
    ("Customizing Git - Git Hooks", {}, "customizing-git-git-hooks"),
    ("5時〜6時 三・一四", {}, "5時-6時-三-一四"),
    ("மல்லிப்பூ வகைகள்", {}, "மல்லிப்பூ-வகைகள்"),
    ("மல்லிப்பூ வகைகள்", {"mode": "pretty"}, "மல்லிப்பூ-வகைகள்"),
    ("The _config.yml file?", {"mode": "default"}, "the-config-yml-file"),
    ("The _config.yml file?", {"mode": None}, "the-config-yml-file"),
    ("The _config.yml file?", {"mode": "pretty"}, "the-_config.yml-file"),
    ("The _config.yml file?", {"mode": "ascii"}, "the-config-yml-file"),
    ("fürtive glance!!!!", {"mode": "ascii"}, "f-rtive-glance"),
    ("The _config.yml file?", {"mode": "latin"}, "the-config-yml-file"),
    ("fürtive glance!!!!", {"mode": "latin"}, "furtive-glance"),
    ("àáçèéíïòóúü", {"mode": "latin"}, "aaceeiioouu"),
    ("Aあわれ鬱господинZ", {"mode": "latin"}, "a-z"),
    ("The _config.yml file?", {"mode": "raw"}, "the-_config.yml-file?"),
    ("The _config.yml file?", {"mode": "none"}, "the _config.yml file?"),
    ("Working with drafts", {"cased": True}, "Working-with-drafts"),
    ("Basic   Usage", {"cased": True}, "Basic-Usage"),
    ("  Working with drafts   ", {"cased": True}, "Working-with-drafts"),
    ("So what is Jekyll, exactly?", {"cased": True}, "So-what-is-Jekyll-exactly"),
    ("Pre-releases", {"cased": True}, "Pre-releases"),
    ("The _config.yml file", {"cased": True}, "The-config-yml-file"),
    ("Customizing Git - Git Hooks", {"cased": True}, "Customizing-Git-Git-Hooks"),
    ("The _config.yml file?", {"mode": "default", "cased": True}, "The-config-yml-file"),
    ("The _config.yml file?", {"cased": True}, "The-config-yml-file"),
    ("The _config.yml file?", {"mode": "pretty", "cased": True}, "The-_config.yml-file"),
    ("The _config.yml file?", {"mode": "raw", "cased": True}, "The-_config.yml-file?"),
    ("The _config.yml file?", {"mode": "none", "cased": True}, "The _config.yml file?"),
    ("💎", {}, ""),
])
def test_jekyll_slugify_fixtures(text, kwargs, expected):
    assert slugify(text, **kwargs) == expected


@pytest.mark.parametrize("text, kwargs, expected", [
    ("ai-customer-", {"mode": "pretty", "cased": True}, "ai-customer"),     # the real blog's case
    ("-a-", {"mode": "pretty", "cased": True}, "a"),
    ("--a--", {"mode": "raw"}, "-a-"),          # raw collapses nothing: one hyphen goes at each end
    ("a -- b", {"mode": "pretty"}, "a-b"),
    ("AI導入", {"mode": "pretty", "cased": True}, "AI導入"),
    ("ＡＩ　導入", {"mode": "pretty", "cased": True}, "ＡＩ-導入"),  # width is kept, as in Jekyll
])
def test_slugify_edges(text, kwargs, expected):
    assert slugify(text, **kwargs) == expected


def _allowed(c: str, mode: str) -> bool:
    cat = unicodedata.category(c)
    return cat[0] in "LM" or cat == "Nd" or (mode == "pretty" and c in "._~!$&'()+,;=@")


@settings(max_examples=300, deadline=None)
@given(st.text(), st.sampled_from(["default", "pretty"]), st.booleans())
def test_slugify_properties(text, mode, cased):
    slug = slugify(text, mode, cased)
    assert slug == slugify(slug, mode, cased)       # a slug is its own slug
    assert "--" not in slug and not slug.startswith("-") and not slug.endswith("-")
    assert all(c == "-" or _allowed(c, mode) for c in slugify(text, mode, True))


# ---------------------------------------------------------------- placeholders through load()

def write(root: Path, name: str, front: str = "", body: str = "本文です。\n") -> Path:
    path = root / "posts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: タイトル\n{front}---\n\n{body}", encoding="utf-8")
    return path


def urls_of(site) -> dict[str, str]:
    return {p.rel: p.url for p in site.posts}


@pytest.mark.parametrize("name, front, url", [
    ("2026-02-25-ai-retail-customer-.md", "", "2026/02/25/ai-retail-customer/"),
    ("2025-01-02-Hello World.md", "", "2025/01/02/Hello-World/"),          # :title keeps case
    ("2025-01-02-x.md", "slug: 'So what, exactly?'\n", "2025/01/02/So-what,-exactly/"),  # pretty keeps ","
    ("2025-01-02-special-chars-(+).md", "", "2025/01/02/special-chars-(+)/"),
    ("2025-01-02-hash-#1.md", "", "2025/01/02/hash-1/"),
    ("2025-01-02-trailing-dots...md", "", "2025/01/02/trailing-dots/"),     # Jekyll strips the dots
    ("2025-01-02-日本語の記事.md", "", "2025/01/02/%E6%97%A5%E6%9C%AC%E8%AA%9E%E3%81%AE%E8%A8%98%E4%BA%8B/"),
])
def test_title_placeholder_is_jekylls_pretty_cased_slug(tmp_path, name, front, url):
    write(tmp_path, name, front)
    assert list(urls_of(load(tmp_path, CONFIG)).values()) == [url]


def test_slug_name_and_category_placeholders(tmp_path):
    write(tmp_path, "2025-01-02-Hello World!.md", "categories: [AI News, AI News]\n")
    pattern = "/:categories/:slugified_categories/:slug/:name/:title/"
    site = load(tmp_path, SiteConfig(posts_dir="posts", permalink=pattern))
    [url] = urls_of(site).values()
    # :categories is only lowercased (Jekyll escapes the space); :slug and :name are default slugs
    assert url == "ai%20news/ai-news/hello-world/2025-01-02-hello-world/Hello-World!/"


def test_jekyll_corpus_special_filenames(tmp_path):
    if not CORPUS.is_dir():
        pytest.skip("jekyll test corpus missing")
    site = load(CORPUS, SiteConfig(posts_dir="source"))
    by = {p.rel: p.url for p in site.posts}
    assert by["_posts/2018-10-12-trailing-dots...markdown"] == "2018/10/12/trailing-dots/"
    assert by["_posts/2016-11-26-special-chars-(+).markdown"] == "2016/11/26/special-chars-(+)/"
    assert by["_posts/2009-03-12-hash-#1.markdown"] == "2009/03/12/hash-1/"
    assert by["_posts/2014-03-22-escape-+ %20[].markdown"] == "2014/03/22/escape-+-20/"


# ---------------------------------------------------------------- collisions, as a property

@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "A", "a-2", "b", "ａ"]), st.integers(0, 3)), min_size=1, max_size=8))
def test_every_post_is_published_once_and_the_newest_keeps_each_url(posts):
    import tempfile
    from tsuzuri.site import assign_urls
    from tsuzuri.posts import read_post
    from tsuzuri.diagnostics import Diagnostics
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        read = []
        for i, (slug, hour) in enumerate(posts):
            path = write(root, f"2025-01-02-p{i}.md", f"slug: '{slug}'\ndate: 2025-01-02 0{hour}:00:00 +0900\n")
            read.append(read_post(path, CONFIG, root / "posts", root)[0])
        diags = Diagnostics()
        placed = assign_urls(read, CONFIG, diags)
        assert len(placed) == len(read) and len({p.dest_uri for p in placed}) == len(read)   # nothing dropped
        natural = {p: f"2025/01/02/{p.slug}/" for p in read}
        for slug in {s for s, _ in posts}:
            newest = max((p for p in read if p.slug == slug), key=lambda p: p.sort_key)
            assert unquote(newest.url) == natural[newest]                  # what the live site serves
        moved = sum(1 for p in placed if unquote(p.url) != natural[p])
        assert len([d for d in diags if "is already used by" in d.message]) == moved
