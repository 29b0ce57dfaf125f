"""llms.txt and llms-full.txt (https://llmstxt.org), read back from real builds: the structure
parsed as the proposal describes it (and rendered by a Markdown parser), the counts, what is left
out, the settings, and --dirty rebuilds after an edit and a deletion."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
import markdown as md
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from test_build import ROOT, make_project, mkdocs, post
from tsuzuri import llms

SITE_URL = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["site_url"]
ITEM = re.compile(r"^- \[(?P<title>(?:\\.|[^\]\\])*)\]\((?P<url>[^()\s]+)\)(?::[ ](?P<notes>.*))?$")


def parse_llms(text: str) -> dict:
    """llms.txt by the proposal: H1, optional blockquote, detail lines without headings, then
    H2 sections whose lines are all ``- [title](url): notes`` items. Fails on anything else."""
    lines = text.split("\n")
    assert lines[0].startswith("# ") and not lines[0].startswith("## "), lines[0]
    out = {"title": lines[0][2:], "summary": "", "details": [], "sections": {}}
    section = None
    for line in lines[1:]:
        if not line.strip():
            continue
        assert not line.startswith("# "), f"a second H1: {line}"
        if line.startswith("## "):
            section = line[3:]
            assert section not in out["sections"]
            out["sections"][section] = []
        elif section is None:
            if line.startswith("> ") and not out["details"]:
                out["summary"] += line[2:]
            else:
                assert not line.startswith("#"), line
                out["details"].append(line)
        else:
            m = ITEM.match(line)
            assert m, f"not a file-list item: {line!r}"
            out["sections"][section].append({"title": re.sub(r"\\(.)", r"\1", m["title"]), "url": m["url"],
                                             "notes": m["notes"] or ""})
    return out


def rendered_links(text: str) -> list[tuple[str, str]]:
    """(text, href) of every list item's link, as a real Markdown parser reads the file."""
    root = lxml.html.fromstring(f"<div>{md.markdown(text)}</div>")
    return [(a.text_content(), a.get("href")) for a in root.iter("a")]


def split_full(text: str) -> tuple[str, list[dict]]:
    """llms-full.txt -> (its header, the posts: title, the Key: value lines, body). Code fences
    are skipped when looking for H1s."""
    chunks, fence = [[]], None
    for line in text.split("\n"):
        m = re.match(r"^[ ]{0,3}(`{3,}|~{3,})", line)
        if fence is None and m:
            fence = m.group(1)
        elif fence is not None and re.match(rf"^[ ]{{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$", line):
            fence = None
        if fence is None and line.startswith("# "):
            chunks.append([])
        chunks[-1].append(line)
    header = "\n".join(chunks[1])  # (chunks[0] is empty: the file starts with the site's H1)
    posts = []
    for chunk in chunks[2:]:
        meta, i = {}, 2
        while chunk[i]:
            key, _, value = chunk[i].partition(": ")
            meta[key] = value
            i += 1
        posts.append({"title": chunk[0][2:], **meta, "body": "\n".join(chunk[i + 1:])})
    return header, posts


def local(site: Path, url: str, base: str = SITE_URL) -> Path:
    assert url.startswith(base), url
    path = unquote(urlsplit(url).path)[len(urlsplit(base).path):]
    return site / (path + "index.html" if path.endswith("/") or not path else path)


# ---------------------------------------------------------------- the seed site

def test_seed_site_llms_txt_follows_the_proposal(seed_site):
    text = (seed_site / "llms.txt").read_text(encoding="utf-8")
    doc = parse_llms(text)
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert doc["title"] == config["site_name"] and doc["summary"] == config["site_description"]
    posts = sorted((ROOT / "posts").glob("*.md"))
    assert f"- 記事数: {len(posts)}本（2025-09-18〜2025-12-21）" in doc["details"]
    assert list(doc["sections"]) == ["カテゴリー", "新着記事", "Optional"]   # no seed post links another
    categories = {i["title"]: int(i["notes"].rstrip("本")) for i in doc["sections"]["カテゴリー"]}
    assert sum(categories.values()) == len(posts)
    newest = doc["sections"]["新着記事"]
    assert [i["notes"][:10] for i in newest] == sorted((i["notes"][:10] for i in newest), reverse=True)
    assert len(newest) == len(posts)
    for section in doc["sections"].values():     # every link is a page or file of the built site
        for item in section:
            assert local(seed_site, item["url"]).is_file(), item
    # a Markdown parser reads the same links, titles intact
    items = [i for s in doc["sections"].values() for i in s]
    links = rendered_links(text)
    assert [(i["title"], i["url"]) for i in items] == [l for l in links if l[1] != SITE_URL + "llms-full.txt"]
    # descriptions are what the post page's meta description says
    page = lxml.html.parse(str(local(seed_site, newest[0]["url"]))).getroot()
    description = page.xpath('//meta[@name="description"]/@content')[0]
    assert newest[0]["notes"].endswith(" — " + description)


def test_seed_site_llms_full_has_every_post_cleaned(seed_site):
    header, posts = split_full((seed_site / "llms-full.txt").read_text(encoding="utf-8"))
    doc = parse_llms((seed_site / "llms.txt").read_text(encoding="utf-8"))
    assert [p["title"] for p in posts] == [i["title"] for i in doc["sections"]["新着記事"]]
    assert [p["URL"] for p in posts] == [i["url"] for i in doc["sections"]["新着記事"]]
    for p in posts:
        assert p["Date"] and p["Categories"]
        page = lxml.html.parse(str(local(seed_site, p["URL"]))).getroot()
        assert "---END---" not in p["body"] and not re.search(r"</?[a-z][a-z0-9]*[\s>]", p["body"])
        # the cleaner's work is the page's: the Markdown, rendered, shows each paragraph of the page
        shown = " ".join(lxml.html.fromstring(f"<div>{md.markdown(p['body'])}</div>").text_content().split())
        paras = [" ".join(para.text_content().split()) for para in page.xpath('//div[@class="tz-body"]//p')]
        assert len(paras) > 5 and [x for x in paras if x not in shown] == []
    # 21 repeated blocks dropped by the cleaner in the seed posts: none of them comes back
    openai = next(p for p in posts if "openai-foxconn" in p["URL"])
    paras = [x for x in openai["body"].split("\n\n") if len(x) > 40]
    assert len(paras) == len(set(paras))


# ---------------------------------------------------------------- a site made for the test

def body_linking(*urls: str) -> str:
    return "本文です。" + " ".join(f"[リンク{i}]({u})" for i, u in enumerate(urls)) + "\n"


REPEATED = "この節では市場の動向と各社の戦略を順に見ていき、最後に投資家にとっての意味を考えます。"
LINKER_POSTS = {
    # target is linked by three posts in three ways (relative, root, absolute with a fragment)
    "2025-01-01-target.md": post("[速報] 参照される記事 (1)", "2025-01-01 10:00:00 +0900",
                                 excerpt="よく参照される記事の要約。", redirect_from=["/old/target/"]),
    "2025-01-02-second.md": post("二番目に参照される記事", "2025-01-02 10:00:00 +0900",
                                 description="説明文（description）。", categories=["ニュース"]),
    "2025-01-03-a.md": post("A", "2025-01-03 10:00:00 +0900",
                            body_linking("../../../../2025/01/01/target/", "/2025/01/02/second/",
                                         "/2025/01/01/target/", "/2025/01/03/a/")),
    "2025-01-04-b.md": post("B", "2025-01-04 10:00:00 +0900",
                            body_linking(SITE_URL + "2025/01/01/target/index.html#x", "/2025/01/02/second/")),
    "2025-01-05-c.md": post("C", "2025-01-05 10:00:00 +0900", body_linking("/old/target/")),
    "2025-01-06-liquid.md": post(
        "Liquidと装飾の記事", "2025-01-06 10:00:00 +0900",
        "# 本文の見出し\n{: #top}\n\n前の記事は[こちら]({% post_url 2025-01-01-target %})。<b>太字</b>と"
        "<span style=\"color:red\">赤字</span>。<br>改行。\n{: .lead}\n\n<div class=\"box\">\n箱の中の文。\n</div>\n\n"
        "<script>alert(1)</script>\n<!-- 編集メモ -->\n\n![図](/assets/figure.png)\n\n"
        "```html\n<b>コードはそのまま</b>\n{: .keep}\n# コードの見出し\n```\n\n`<i>コード片</i>` も。\n\n"
        "## 節\n\n" + REPEATED + "\n\n---END---\n\n" + REPEATED + "\n\n## 追記\n\n終わり。"),
    "2025-01-07-hidden.md": post("検索エンジンに出さない記事", "2025-01-07 10:00:00 +0900",
                                 body_linking("/2025/01/02/second/"), robots="noindex, follow"),
    "2025-01-08-nositemap.md": post("サイトマップに出さない記事", "2025-01-08 10:00:00 +0900", sitemap=False),
    "2025-01-09-unpublished.md": post("非公開の記事", "2025-01-09 10:00:00 +0900", published=False),
}


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("llms"), LINKER_POSTS)
    result = mkdocs(["build"], project)   # (not --strict: the <script> is a warning)
    assert result.returncode == 0 and "ERROR" not in result.stderr, result.stderr[-3000:]
    return project / "site"


def test_counts_most_linked_and_what_is_left_out(linked):
    doc = parse_llms((linked / "llms.txt").read_text(encoding="utf-8"))
    listed = 6   # nine posts: one unpublished, one noindex, one sitemap: false
    assert f"- 記事数: {listed}本（2025-01-01〜2025-01-06）" in doc["details"]
    assert {i["title"]: i["notes"] for i in doc["sections"]["カテゴリー"]} == {"投資分析": "5本", "ニュース": "1本"}
    assert [i["title"] for i in doc["sections"]["新着記事"]] == [
        "Liquidと装飾の記事", "C", "B", "A", "二番目に参照される記事", "[速報] 参照される記事 (1)"]
    # target: A (twice, and a self link of A's not counted), B (absolute, index.html#x), C (its
    # redirect_from path), the Liquid post (post_url); second: A, B (the noindex post's link counts too)
    most = doc["sections"]["よく参照される記事"]
    assert [(i["title"], i["notes"].split(" — ")[0]) for i in most] == [
        ("[速報] 参照される記事 (1)", "4本の記事からリンク"), ("二番目に参照される記事", "3本の記事からリンク")]
    assert most[0]["notes"].endswith(" — よく参照される記事の要約。")       # excerpt
    assert most[1]["notes"].endswith(" — 説明文（description）。")          # description wins
    assert most[0]["url"] == SITE_URL + "2025/01/01/target/"
    assert rendered_links((linked / "llms.txt").read_text(encoding="utf-8")).count(
        ("[速報] 参照される記事 (1)", SITE_URL + "2025/01/01/target/")) == 2     # brackets and parentheses intact
    both = (linked / "llms.txt").read_text(encoding="utf-8") + (linked / "llms-full.txt").read_text(encoding="utf-8")
    for hidden in ("検索エンジンに出さない記事", "サイトマップに出さない記事", "非公開の記事", "hidden", "nositemap"):
        assert hidden not in both
    assert (linked / "2025/01/07/hidden/index.html").is_file()      # (the pages themselves are built)


def test_full_text_is_the_cleaned_markdown_without_html(linked):
    _, posts = split_full((linked / "llms-full.txt").read_text(encoding="utf-8"))
    assert len(posts) == 6
    p = posts[0]
    assert (p["title"], p["URL"], p["Date"]) == ("Liquidと装飾の記事", SITE_URL + "2025/01/06/liquid/",
                                                 "2025-01-06T10:00:00+09:00")
    body = p["body"]
    assert body.startswith("## 本文の見出し\n")                  # its H1 one level down, the IAL gone
    assert f"[こちら]({SITE_URL}2025/01/01/target/)" in body      # Liquid done, the link absolute
    assert "太字と赤字。\n改行。\n" in body and "箱の中の文。" in body
    assert "alert" not in body and "編集メモ" not in body and "{:" not in body.split("```")[0]
    assert f"![図]({SITE_URL}assets/figure.png)" in body
    assert "```html\n<b>コードはそのまま</b>\n{: .keep}\n# コードの見出し\n```" in body   # code as written
    assert "`<i>コード片</i>` も。" in body
    assert "### 節" in body and "---END---" not in body and body.count(REPEATED) == 1
    assert posts[-1]["title"] == "[速報] 参照される記事 (1)" and posts[-1]["Description"] == "よく参照される記事の要約。"


def test_settings_counts_names_and_off(tmp_path):
    posts = {k: v for k, v in LINKER_POSTS.items() if "liquid" not in k}
    for name in "abc":
        (tmp_path / name).mkdir()
    project = make_project(tmp_path / "a", posts, llms={"newest": 2, "most_linked": 1, "full_file": "",
                                                        "file": "ai.txt"})
    assert mkdocs(["build", "--strict"], project).returncode == 0
    site = project / "site"
    assert not (site / "llms.txt").exists() and not (site / "llms-full.txt").exists()
    doc = parse_llms((site / "ai.txt").read_text(encoding="utf-8"))
    assert len(doc["sections"]["新着記事"]) == 2 and len(doc["sections"]["よく参照される記事"]) == 1
    assert not any("llms-full" in line for line in doc["details"])
    off = make_project(tmp_path / "b", posts, llms=False)
    assert mkdocs(["build", "--strict"], off).returncode == 0
    assert [p.name for p in (off / "site").glob("*.txt")] == ["robots.txt"]
    bad = make_project(tmp_path / "c", posts, llms={"newest": "many"})
    result = mkdocs(["build"], bad)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "extra.tsuzuri: llms.newest must be a whole number of posts" in result.stderr


def test_a_post_cannot_take_the_llms_files(tmp_path):
    project = make_project(tmp_path, {
        "2025-01-01-full.md": post("全文を奪う記事", "2025-01-01 10:00:00 +0900", permalink="/llms-full.txt"),
        "2025-01-02-renamed.md": post("改名先を奪う記事", "2025-01-02 10:00:00 +0900", permalink="/ai.txt"),
        "2025-01-03-fine.md": post("普通の記事", "2025-01-03 10:00:00 +0900"),
    }, llms={"file": "ai.txt"})
    result = mkdocs(["build"], project)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 2 and all("reserved" in line or "site's own" in line for line in errors), errors
    site = project / "site"
    assert parse_llms((site / "ai.txt").read_text(encoding="utf-8"))["details"][0].startswith("- 記事数: 1本")
    assert split_full((site / "llms-full.txt").read_text(encoding="utf-8"))[1][0]["title"] == "普通の記事"


def test_dirty_builds_after_an_edit_and_a_deletion_equal_cold_builds(tmp_path):
    project = make_project(tmp_path, LINKER_POSTS)
    posts = project / "posts"

    def build(out: str, *args: str) -> Path:
        result = mkdocs(["build", "-d", out, *args], project)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
        return project / out

    def same(a: Path, b: Path) -> None:
        for name in ("llms.txt", "llms-full.txt"):
            assert (a / name).read_bytes() == (b / name).read_bytes(), name

    build("site")
    (posts / "2025-01-02-second.md").write_text(post("書き直した題", "2025-01-02 10:00:00 +0900",
                                                     "書き直した本文。"), encoding="utf-8")
    out = build("site", "--dirty")
    same(out, build("cold1"))
    _, full = split_full((out / "llms-full.txt").read_text(encoding="utf-8"))
    assert [p["body"].strip() for p in full if p["title"] == "書き直した題"] == ["書き直した本文。"]
    (posts / "2025-01-05-c.md").unlink()          # one of the target's links goes with it
    (posts / "2025-01-03-a.md").unlink()
    out = build("site", "--dirty")
    same(out, build("cold2"))
    doc = parse_llms((out / "llms.txt").read_text(encoding="utf-8"))
    assert "- 記事数: 4本（2025-01-01〜2025-01-06）" in doc["details"]
    assert [(i["title"], i["notes"].split(" — ")[0]) for i in doc["sections"]["よく参照される記事"]] == [
        ("書き直した題", "2本の記事からリンク"), ("[速報] 参照される記事 (1)", "2本の記事からリンク")]  # a tie: newest first
    text = (out / "llms-full.txt").read_text(encoding="utf-8")
    assert "2025/01/03/a/" not in text and "2025/01/05/c/" not in text
    shutil.rmtree(project / "cold1")


# ---------------------------------------------------------------- the Markdown transformer

WORDS = st.text(alphabet="あいう漢字カナabcXYZ019", min_size=1, max_size=8)
INLINE = st.one_of(
    WORDS.map(lambda w: ("text", w, w)),
    WORDS.map(lambda w: ("html", f"<b>{w}</b>", w)),
    WORDS.map(lambda w: ("html", f'<span class="x" data-y=\'1\'>{w}</span>', w)),
    WORDS.map(lambda w: ("code", f"`<i>{w}</i> {{: .x}}`", f"`<i>{w}</i> {{: .x}}`")),
    WORDS.map(lambda w: ("link", f"[{w}](/p/{w}/){{:target=\"_blank\"}}", f"[{w}](https://s.example/p/{w}/)")),
    st.just(("gone", "<!-- メモ -->", "")), st.just(("gone", "<script>x()</script>", "")), st.just(("br", "<br>", "")),
)


@st.composite
def blocks(draw):
    kind = draw(st.sampled_from(["para", "heading", "ial", "fence", "html", "setext"]))
    if kind == "para":
        parts = draw(st.lists(INLINE, min_size=1, max_size=5))
        return kind, " ".join(p[1] for p in parts), parts
    words = draw(WORDS)
    if kind == "heading":
        level = draw(st.integers(1, 6))
        return kind, "#" * level + " " + words, [("text", words, words)]
    if kind == "setext":
        return kind, words + "\n===", [("text", words, words)]
    if kind == "ial":
        return kind, "{: .note #id}", []
    if kind == "html":
        return kind, f"<div class=\"box\">\n{words}\n</div>", [("text", words, words)]
    inner = draw(st.lists(st.sampled_from(["# 見出し", "<b>x</b>", "{: .x}", "[a](/b/)", words, ""]), max_size=4))
    code = "\n".join(["```", *inner, "```"])
    return kind, code, [("fence", code, code)]


def _outside_code(text: str) -> str:
    text = re.sub(r"^```\n.*?^```$", "", text, flags=re.MULTILINE | re.DOTALL)
    return re.sub(r"`[^`\n]+`", "", text)


@settings(max_examples=300, deadline=None)
@given(st.lists(blocks(), max_size=8))
def test_markdown_keeps_text_and_code_and_drops_markup(doc):
    source = "\n\n".join(b[1] for b in doc)
    out = llms.markdown(source, "https://s.example/2025/01/01/x/")
    rest = _outside_code(out)
    assert not re.search(r"<[A-Za-z/!]", rest), out           # no HTML
    assert "{:" not in rest, out                               # no attribute list
    assert not re.search(r"^#[ \t]|^=+$", rest, re.MULTILINE), out   # no H1: the posts' titles are the H1s
    at = 0
    for _, _, parts in doc:                                    # every text, code and link, in order
        for kind, _, kept in parts:
            if kept:
                found = out.find(kept, at)
                assert found >= 0, (kept, out)
                at = found + len(kept)


def test_markdown_leaves_an_unclosed_fence_as_text_and_keeps_other_links():
    out = llms.markdown("```\n<b>x</b>\n\n[a](#frag) [b](mailto:a@b.jp) [c](https://o.example/)", "https://s.example/p/")
    assert out == "```\nx\n\n[a](#frag) [b](mailto:a@b.jp) [c](https://o.example/)"
