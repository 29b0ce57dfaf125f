"""Summaries: the editor's excerpt, unless it is missing or a template phrase; then the body's opening."""

from __future__ import annotations

import re
from pathlib import Path

from tsuzuri import excerpts
from tsuzuri.config import SiteConfig
from tsuzuri.diagnostics import NOTE
from tsuzuri.site import load

ROOT = Path(__file__).resolve().parents[1]


def _sentences(limit: int = 40) -> list[str]:
    """Real Japanese sentences from the seed posts' bodies (stand-ins for hand-written excerpts)."""
    site = load(ROOT, SiteConfig())
    found = []
    for post in site.posts:
        found += [s + "。" for s in re.split(r"。", excerpts.lead(post.html, 2000)) if 20 <= len(s) <= 80]
    return found[:limit]


def test_seed_template_excerpts_become_the_opening_of_the_body():
    site = load(ROOT, SiteConfig())
    by_slug = {p.slug: p for p in site.posts}
    # hand-written excerpts stay
    for slug in ("hon-hai-sharp-rapidus-ai-servers", "japan-1-trillion-yen-domestic-ai-model"):
        assert by_slug[slug].summary == by_slug[slug].excerpt
    # "…について詳細に分析します。" does not
    for slug, opening in (("japan-domestic-ai-push", "おや、ついに日本政府も本気を出してきたか"),
                          ("hon-hai-openai-ai-infrastructure", "ホンハイとOpenAIが手を組む"),
                          ("openai-foxconn-ai-hardware", "あなたも感じているかもしれませんが")):
        post = by_slug[slug]
        assert post.excerpt.endswith("について詳細に分析します。")
        assert post.summary.startswith(opening) and post.summary.endswith("。")
        assert len(post.summary) <= SiteConfig().excerpt_chars
        assert post.title not in post.summary                 # the repeated title line is not the opening
        notes = [d for d in site.diagnostics if d.file == post.source and "template phrase" in d.message]
        assert len(notes) == 1 and notes[0].severity == NOTE


def test_an_unlisted_template_shared_by_many_posts_is_found():
    topics = ["AI半導体", "データセンター投資", "鴻海とシャープ", "ラピダスの2nm", "国産LLM", "GPU需要",
              "電力インフラ", "OpenAIの資金調達", "TSMC熊本", "ソフトバンク"] * 12
    template = [f"{t}{i}の最新動向を徹底解説します。" for i, t in enumerate(topics)]
    real = _sentences()
    assert len(real) >= 30
    shared = excerpts.shared_templates(template + real)
    assert shared == ["の最新動向を徹底解説します。"]
    assert all(excerpts.is_template(e, shared) for e in template)
    assert not any(excerpts.is_template(e, shared) for e in real)


def test_common_endings_are_not_templates_by_themselves():
    # two posts are not "many"; a short shared ending is ordinary Japanese
    assert excerpts.shared_templates(["AとBが提携と発表しました。", "CがDを買収と発表しました。", "独自の要約です。"]) == []
    assert excerpts.shared_templates([f"記事{i}を発表しました。" for i in range(50)]) == ["を発表しました。"]
    # a real sentence before the shared phrase is not a topic: the excerpt is kept
    assert not excerpts.is_template("政府が1兆円の支援を決めた。その背景について詳細に分析します。")
    assert excerpts.is_template("  国産AIについて詳細に分析します。 ")


def test_summary_falls_back_to_paragraphs_not_headings_or_code():
    html = ("<h2>見出しは要約にならない</h2><pre><code>print('code')</code></pre>"
            "<p>最初の段落です。</p><ul><li>箇条書きの項目です。</li></ul><p>三つ目の文です。</p>")
    assert excerpts.summary("", html, 120) == "最初の段落です。 箇条書きの項目です。 三つ目の文です。"
    assert excerpts.summary("   ", html, 10) == "最初の段落です。"
    assert excerpts.summary("編集者の要約。", html, 120) == "編集者の要約。"
    assert excerpts.summary("", "", 120) == ""


def test_site_wide_pass_replaces_shared_templates(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    for i in range(6):
        (posts / f"2025-01-{i + 1:02d}-p{i}.md").write_text(
            f"---\ntitle: 記事{i}\nexcerpt: \"話題{i}の全体像を徹底的に解説。\"\n---\n\n本文{i}の最初の文です。続きの文です。\n",
            encoding="utf-8")
    (posts / "2025-02-01-own.md").write_text(
        "---\ntitle: 独自\nexcerpt: \"編集者が書いた要約です。\"\n---\n\n本文です。\n", encoding="utf-8")
    site = load(tmp_path, SiteConfig())
    summaries = {p.slug: p.summary for p in site.posts}
    assert summaries["own"] == "編集者が書いた要約です。"
    assert [summaries[f"p{i}"] for i in range(6)] == [f"本文{i}の最初の文です。続きの文です。" for i in range(6)]
    assert sum("template phrase" in d.message for d in site.diagnostics) == 6
