"""The search engine side: segmentation, staged pages, and real Pagefind builds (full, cached,
delta) over small sets of posts. The browser side is tests/test_search_browser.py."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings, strategies as st

from tsuzuri import search
from tsuzuri.entities import Entity, Registry

ROOT = Path(__file__).resolve().parents[1]


def doc(url: str, text: str, **kw) -> search.SearchDoc:
    return search.SearchDoc(url=url, title=kw.pop("title", f"記事 {url}"), date="2025年1月2日",
                            date_iso=kw.pop("date_iso", "2025-01-02T09:00:00+09:00"), text=text, **kw)


def test_segment_pairs_japanese_keeps_numbers_whole_and_folds_width():
    words = lambda t: search.segment(t).split()  # noqa: E731
    assert words("AI基盤モデル") == ["AI", "AI基", "基盤", "盤モ", "モデ", "デル", "ル"]
    assert words("約1兆円、ＡＩ") == ["約", "1", "1兆", "兆円", "円", "、", "AI"]
    assert words("ｱｯﾌﾟﾙ") == ["アッ", "ップ", "プル", "ル"]  # half-width kana composed like NFKC
    assert words("Hon Hai　精密") == ["Hon", "Hai", "Hai精", "精密", "密"]  # ideographic space
    assert words("2.5兆円と25兆円、1,000億") == ["2\ua4f8" "5", "2\ua4f8" "5兆", "兆円", "円と", "と", "25", "25兆", "兆円",
                                             "円", "、", "1\ua4f9" "000", "1\ua4f9" "000億", "億"]
    assert words("データ・センター") == ["デー", "ータ", "タ", "・", "セン", "ンタ", "ター", "ー"]
    assert search.segment("Rapidus") == "Rapidus"


def test_a_percent_sign_pairs_with_its_number():
    """Pagefind drops %: 2.4% was the word 2ꓸ4, found by 2.4倍 and found in 2.4倍's posts."""
    words = lambda t: search.segment(t).split()  # noqa: E731
    p = search.PERCENT
    assert words("金利は2.4%の") == ["金利", "利は", "は", "2\ua4f84", f"2\ua4f84{p}", f"2\ua4f84{p}の", "の"]
    assert words("５０％、12.4 %") == ["50", f"50{p}", "、", "12\ua4f84", f"12\ua4f84{p}"]
    assert words("2.4倍") == ["2\ua4f84", "2\ua4f84倍", "倍"]
    assert search.segment("A100%") == "A100%"   # a Latin word's digits are no number


def test_js_uses_the_same_character_classes():
    js = (ROOT / "docs/assets/search.js").read_text(encoding="utf-8")
    ranges = re.search(r'const CJK = "([^"]+)"', js).group(1)
    assert ranges == "".join(f"\\\\u{lo:04x}-\\\\u{hi:04x}" for lo, hi in search.CJK_RANGES)
    runs = re.search(r'const RUN = "([^"]+)"', js).group(1)
    assert runs == "".join(f"\\\\u{lo:04x}-\\\\u{hi:04x}" for lo, hi in search.RUN_RANGES)


def test_staged_page_has_segmented_text_weights_and_original_metadata():
    d = doc("2025/01/02/a/", "半導体の話。", title="ラピダスの挑戦", categories=("ニュース",), tags=("AI", "半導体"),
            entities=("ラピダス",), aliases=("Rapidus",), headings=("背景",))
    page = search.page_html(d)
    assert '<meta data-pagefind-meta="title[content]" content="ラピダスの挑戦">' in page
    assert '<meta data-pagefind-filter="category[content]" content="ニュース">' in page
    assert '<meta data-pagefind-filter="tag[content]" content="半導体">' in page
    assert '<meta data-pagefind-filter="entity[content]" content="ラピダス">' in page
    assert '<meta data-pagefind-sort="date[content]" content="2025-01-02T09:00:00+09:00">' in page
    assert f'content="{d.key}"' in page
    pad = lambda n: " ".join([search.PAD] * n)  # noqa: E731
    # Each part at its own word positions: tags and aliases (weight 0: found, never ranked)
    # from 0, the title from 512, headings and body from 640 (search.js reads a hit's positions).
    assert f'<p data-pagefind-weight="0">AI / 半導 導体 体 / ラピ ピダ ダス ス / Rapidus {pad(512 - 12)}</p>' in page
    assert f'<h1 data-pagefind-weight="10">ラピ ピダ ダス スの の挑 挑戦 戦 {pad(128 - 7)}</h1>' in page
    assert f'<h2 data-pagefind-weight="3">背景 景 {search.PAD}</h2>' in page
    assert f'<div data-pagefind-weight="0.05"> 半導 導体 体の の話 話  。  {search.PAD}</div>' in page
    assert '<meta data-pagefind-meta="b[content]" content="643">' in page   # the body's first word: 640 + 3
    assert page.index("Rapidus") < page.index("ラピ ピダ ダス スの") < page.index("半導 導体 体の")


def test_what_does_not_fit_its_part_goes_on_after_it():
    d = doc("a/", "本文", title="題" * 200, aliases=tuple(f"Alias{i}" for i in range(600)))
    words = lambda html: re.sub(r"<[^>]+>", " ", html).split()  # noqa: E731
    body = words(search.page_html(d).split("<body>")[1])
    assert len(body) == 512 + 200 + 1 + 2 + 1 + (1199 - 512)  # nothing padded, nothing lost (PAD ends headings, body)
    assert body[510] == "Alias255" and body[512] == "題題" and body[640] == "題題"   # title's rest: heading weight
    assert body[-1] == "Alias599"


def test_docs_from_site_adds_every_alias_of_mentioned_entities():
    registry = Registry({"foxconn": Entity("foxconn", "鴻海精密工業", "company", ["鴻海", "鴻海精密工業", "Foxconn"]),
                         "tsmc": Entity("tsmc", "TSMC", "company", ["TSMC"])})
    post = SimpleNamespace(url="2025/01/02/a/", title="鴻海の話", date=dt.datetime(2025, 1, 2, 9, tzinfo=dt.timezone.utc),
                           text="鴻海が動く。", categories=["ニュース"], tags=["AI"], mentions={"foxconn": 1, "gone": 2},
                           toc=[{"name": "背景 &amp; 目的", "children": [{"name": "詳細", "children": []}]}])
    site = SimpleNamespace(posts=[post], registry=registry)
    [d] = search.docs_from_site(site)
    assert d.entities == ("鴻海精密工業",) and d.aliases == ("鴻海", "Foxconn")
    assert d.date == "2025年1月2日" and d.categories == ("ニュース",)
    assert d.headings == ("背景 & 目的", "詳細")   # toc names are escaped text
    # A site without a registry (or posts without mentions) still indexes.
    [plain] = search.docs_from_site(SimpleNamespace(posts=[SimpleNamespace(**{**vars(post), "mentions": {}})]))
    assert plain.entities == () and plain.aliases == ()


def test_key_changes_with_content_only():
    a, b = doc("a/", "本文"), doc("a/", "本文")
    assert a.key == b.key
    assert doc("a/", "本文。").key != a.key
    assert doc("a/", "本文", tags=("AI",)).key != a.key



def test_key_is_the_same_whichever_interpreter_path_runs_the_build():
    """`mkdocs build` runs .venv/bin/python3, `python -m mkdocs` .venv/bin/python: one venv,
    one Pagefind, so one cache (the interpreter's path once keyed every staged page)."""
    bin_dir = Path(sys.executable).parent
    names = [p for p in (bin_dir / "python", bin_dir / "python3") if p.exists()]
    if len(names) < 2:
        pytest.skip("one name for the interpreter here")
    code = "from tsuzuri import search; print(search.code_key())"
    keys = {subprocess.run([str(exe), "-c", code], capture_output=True, text=True, check=True,
                           cwd=Path(__file__).resolve().parents[1]).stdout.strip() for exe in names}
    assert len(keys) == 1 and keys != {""}

def entry(out: Path) -> dict:
    return json.loads((out / "pagefind-entry.json").read_text(encoding="utf-8"))


def readable(out: Path, text: str) -> list[str]:
    """The files of a bundle that hold ``text`` (as indexed: segmented), gzip undone."""
    def data(path: Path) -> bytes:
        try:
            return gzip.decompress(path.read_bytes())
        except (OSError, EOFError):
            return path.read_bytes()
    needle = search.segment(text).strip().encode()
    return [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and needle in data(p)]


def pages(out: Path) -> int:
    return sum(lang["page_count"] for lang in entry(out)["languages"].values())


def test_full_then_cached_then_delta_then_full(tmp_path):
    cache, out = tmp_path / "cache", tmp_path / "site" / "pagefind"
    docs = [doc(f"2025/01/{i:02d}/p{i}/", f"記事{i}の本文です。半導体について。") for i in range(1, 4)]

    full = search.build_index(docs, out, cache)
    assert (full.mode, full.indexed, full.posts) == ("full", 3, 3)
    assert pages(out) == 3 and full.peak_rss_mb > 0 and full.pagefind_seconds > 0
    main = json.loads((out / "tsuzuri.json").read_text())
    assert main == {"delta": None, "main": main["main"], "shards": [], "stale": []} and len(main["main"]) == 16
    assert not (out / "pagefind-ui.js").exists()  # Pagefind's stock UIs are not shipped

    again = search.build_index(docs, tmp_path / "other", cache)
    assert (again.mode, again.indexed) == ("cached", 0)
    assert sorted(p.name for p in (tmp_path / "other").iterdir()) == sorted(p.name for p in out.iterdir())

    new = doc("2025/02/01/new/", "新しい記事。")
    entry_inode = (out / "pagefind-entry.json").stat().st_ino
    added = search.build_index([*docs, new], out, cache)
    assert (added.mode, added.indexed) == ("delta", 1)
    cfg = json.loads((out / "tsuzuri.json").read_text())
    assert cfg == {"delta": "delta/", "main": main["main"], "shards": [], "stale": []}
    assert pages(out) == 3 and pages(out / "delta") == 1
    assert (out / "pagefind-entry.json").stat().st_ino == entry_inode  # main index left in place

    back = search.build_index(docs, out, cache)                    # the addition undone: no delta left
    assert back.mode == "cached" and not (out / "delta").exists()
    assert json.loads((out / "tsuzuri.json").read_text()) == main
    fresh = search.build_index([*docs, new], tmp_path / "fresh", cache)
    assert fresh.mode == "delta" and pages(tmp_path / "fresh" / "delta") == 1   # a new site/: copied whole

    # An edit or a deletion indexes the main index's shard again: a delta would only hide the old
    # copy, whose text would stay readable in the published files.
    edited = doc("2025/01/02/p2/", "書き直した本文。")
    again = search.build_index([docs[0], edited, new], out, cache)
    assert (again.mode, again.indexed) == ("full", 3) and pages(out) == 3 and not (out / "delta").exists()
    assert json.loads((out / "tsuzuri.json").read_text())["stale"] == []
    assert readable(out, "記事2の本文") == [] and readable(out, "記事3の本文") == [] and readable(out, "書き直した本文")

    many = [doc(f"2025/03/{i:02d}/m{i}/", f"別の記事{i}。") for i in range(1, search.DELTA_MIN + 2)]
    rebuilt = search.build_index(many, out, cache)
    assert (rebuilt.mode, rebuilt.indexed) == ("full", len(many))
    assert pages(out) == len(many) and not (out / "delta").exists()
    # Cached pages of posts that are gone were pruned.
    assert {p.stem for p in (cache / "pages").glob("*/*.html")} == {d.key for d in many}


def test_shards_bound_each_run_and_older_shards_are_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("TSUZURI_SEARCH_SHARD", "2")
    cache, out = tmp_path / "cache", tmp_path / "site" / "pagefind"
    docs = [doc(f"2025/01/{i:02d}/p{i}/", f"記事{i}の本文です。") for i in range(1, 6)]
    full = search.build_index(docs, out, cache)
    assert (full.mode, full.indexed) == ("full", 5)
    cfg = json.loads((out / "tsuzuri.json").read_text())
    assert len(cfg["shards"]) == 2                       # 5 posts: runs of 2, 2 and 1; the first at the root
    assert pages(out) == 2 and [pages(out / s) for s in cfg["shards"]] == [2, 1]
    assert not (out / "pagefind-ui.js").exists() and not (out / cfg["shards"][0] / "pagefind-ui.js").exists()

    newer = [doc(f"2025/02/{i:02d}/n{i}/", f"新しい記事{i}。") for i in range(1, search.DELTA_MIN + 2)]
    again = search.build_index(docs + newer, out, cache)  # too many for a delta: a full index ...
    assert (again.mode, again.indexed) == ("full", 1 + len(newer))  # ... that re-indexes the newest shard only
    cfg2 = json.loads((out / "tsuzuri.json").read_text())
    assert cfg2["shards"][0] == cfg["shards"][0]       # the older shards are the same, from the cache
    assert pages(out) + sum(pages(out / s) for s in cfg2["shards"]) == 5 + len(newer)
    assert len(list((cache / "shards").iterdir())) == len(cfg2["shards"]) + 1   # unused shards pruned

    assert search.install_last(cache, tmp_path / "serve" / "pagefind")
    assert json.loads((tmp_path / "serve/pagefind/tsuzuri.json").read_text())["shards"] == cfg2["shards"]


def test_what_shapes_the_index_is_in_its_cache_key(tmp_path, monkeypatch):
    """A cached index made with another shard size, another Pagefind or other code is never
    served: the bundle is what a build without the cache would make."""
    cache = tmp_path / "cache"

    def docs() -> list[search.SearchDoc]:  # (a new build makes new docs: their keys are not remembered)
        return [doc(f"2025/01/{i:02d}/p{i}/", f"記事{i}の本文です。") for i in range(1, 6)]

    def layout(out: Path) -> list[int]:
        cfg = json.loads((out / "tsuzuri.json").read_text())
        return [pages(out), *(pages(out / s) for s in cfg["shards"])]

    search.build_index(docs(), tmp_path / "a", cache)
    assert layout(tmp_path / "a") == [5]
    monkeypatch.setenv("TSUZURI_SEARCH_SHARD", "2")
    assert not search.install_last(cache, tmp_path / "serve")   # (mkdocs serve) not the index of one shard
    again = search.build_index(docs(), tmp_path / "b", cache)
    assert (again.mode, again.indexed) == ("full", 5) and layout(tmp_path / "b") == [2, 2, 1]
    search.build_index(docs(), tmp_path / "cold", None)
    assert layout(tmp_path / "cold") == [2, 2, 1]
    assert search.build_index(docs(), tmp_path / "c", cache).mode == "cached"
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", sys.executable)  # another Pagefind binary
    assert search.Cache(cache).main() is None
    monkeypatch.delenv("PAGEFIND_BINARY_PATH")
    monkeypatch.setattr(search, "_code", lambda: "an edited search.py")  # the staged pages' code changed
    edited = search.build_index(docs(), tmp_path / "d", cache)
    assert (edited.mode, edited.indexed, layout(tmp_path / "d")) == ("full", 5, [2, 2, 1])


def test_no_cache_dir_always_builds_fully(tmp_path):
    docs = [doc("a/", "本文")]
    assert search.build_index(docs, tmp_path / "a").mode == "full"
    assert search.build_index(docs, tmp_path / "b").mode == "full"
    assert not list(tmp_path.glob("tsuzuri-search-*"))


def test_empty_site_gets_an_empty_marker(tmp_path):
    stats = search.build_index([], tmp_path / "pagefind", tmp_path / "cache")
    assert stats.mode == "empty"
    assert json.loads((tmp_path / "pagefind/tsuzuri.json").read_text())["empty"] is True


def test_indexer_runs_in_the_background_and_reports_failure(tmp_path, monkeypatch):
    done = []
    indexer = search.Indexer(tmp_path / "cache", on_done=lambda s, e, out: done.append((s, e)))
    indexer.start([doc("a/", "本文")], tmp_path / "site" / "pagefind")
    assert indexer.wait().mode == "full" and done[0][1] is None

    monkeypatch.setattr(search, "PAGEFIND", [sys.executable, "-c", "print('Error: boom'); raise SystemExit(3)"])
    indexer.start([doc("b/", "別の本文")], tmp_path / "site2" / "pagefind")
    with pytest.raises(search.SearchError, match="Pagefind exited with 3: Error: boom"):
        indexer.wait()
    assert isinstance(done[-1][1], search.SearchError)


def test_install_last_gives_serve_an_index_at_once(tmp_path):
    cache = tmp_path / "cache"
    assert not search.install_last(cache, tmp_path / "s1" / "pagefind")
    search.build_index([doc("a/", "本文")], tmp_path / "first", cache)
    assert search.install_last(cache, tmp_path / "s2" / "pagefind")
    assert pages(tmp_path / "s2" / "pagefind") == 1


def test_build_index_times_large_sites_separately():
    """The benchmark entry point is importable without MkDocs (engine rule)."""
    code = "import sys, tsuzuri.search; sys.exit('mkdocs' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def test_mkdocs_build_fails_on_a_pagefind_failure_without_a_traceback(tmp_path, monkeypatch):
    """A broken Pagefind install fails the build (strict or not: CI must not deploy a site whose
    search cannot load), with one error line naming the problem and no traceback."""
    from test_build import make_project, mkdocs

    project = make_project(tmp_path, {"2025-03-01-a.md": "---\ntitle: テスト\n---\n本文です。\n"})
    broken = tmp_path / "pagefind-broken"
    broken.write_text("#!/bin/sh\necho 'Error: cannot read the site' >&2\nexit 2\n", encoding="utf-8")
    broken.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(broken))
    result = mkdocs(["build"], project)
    monkeypatch.delenv("PAGEFIND_BINARY_PATH")
    assert result.returncode == 1, result.stderr
    assert "ERROR" in result.stderr and "search index not built: Pagefind exited with 2" in result.stderr
    assert "cannot read the site" in result.stderr and "Traceback" not in result.stderr
    assert mkdocs(["build", "--strict"], project).returncode == 0  # the real Pagefind again
    assert (project / "site/pagefind/pagefind-entry.json").exists()


def test_staging_survives_a_cache_emptied_between_builds(tmp_path):
    """mkdocs serve remembers staged pages; if .cache/ is emptied meanwhile, they are written again."""
    cache, out = tmp_path / "cache", tmp_path / "site" / "pagefind"
    docs = [doc(f"2025/01/{i:02d}/p{i}/", f"記事{i}の本文です。") for i in range(1, 4)]
    search.build_index(docs, out, cache)
    edited = [*docs, doc("2025/01/04/p4/", "新しい本文。")]
    assert search.build_index(edited, out, cache).mode == "delta"   # p4's page staged (and remembered)
    shutil.rmtree(cache / "pages")
    again = search.build_index(edited, tmp_path / "other", cache)
    assert (again.mode, again.indexed) == ("delta", 1) and pages(tmp_path / "other" / "delta") == 1


# -- the index's words and the browser's query words agree (docs/assets/search.js under node) --

NODE = shutil.which("node")
_JS_SERVER = """
globalThis.document = { querySelectorAll: () => [] };
const m = await import(process.argv[1]);
const rl = (await import("node:readline")).createInterface({ input: process.stdin });
for await (const line of rl) console.log(JSON.stringify(m.queries(JSON.parse(line))));
"""


@pytest.fixture(scope="module")
def js_queries():
    if NODE is None:
        pytest.skip("node is not installed")
    proc = subprocess.Popen([NODE, "--input-type=module", "-e", _JS_SERVER, (ROOT / "docs/assets/search.js").as_uri()],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8")

    def ask(text: str):
        proc.stdin.write(json.dumps(text) + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())
    yield ask
    proc.stdin.close()
    proc.wait(timeout=10)


def pagefind_words(segmented: str) -> list[str]:
    """What Pagefind makes of segmented text: one position per whitespace-separated word,
    lowercased, only its letters and digits (punctuation keeps its position, empty)."""
    return ["".join(c for c in w.lower() if c.isalnum()) for w in segmented.split()]


def phrase_at(words: list[str], phrase: list[str]) -> list[int]:
    return [i for i in range(len(words) - len(phrase) + 1) if words[i:i + len(phrase)] == phrase]


def pattern_at(words: list[str], pattern: list[list]) -> list[int]:
    """Where each [offset, word] of a pattern stands at its offset (search.js, everyOther)."""
    return [i for i in range(len(words)) if all(i + o < len(words) and words[i + o] == w for o, w in pattern)]


def test_a_long_word_is_searched_by_every_other_pair(js_queries):
    """データセンター: デー タセ ンタ ター (4 of Pagefind's index chunks per shard, not 6), and only
    where the word stands, not across two words with a space between (データ センター has
    デー@0 and タセ... never: a PAD stands between them) nor across 、."""
    q = js_queries("データセンター")
    assert q["search"] == [[]] and q["pattern"] == [[[0, "デー"], [2, "タセ"], [4, "ンタ"], [5, "ター"]]]
    for text, hit in [("新しいデータセンターへ", True), ("デー タセンター", False), ("デー、タセンター", False),
                      ("データセンタ", False)]:
        assert bool(pattern_at(pagefind_words(search.segment(text)), q["pattern"][0])) == hit, text


TEXT = st.text(alphabet="データセンター電力半導体輸出規制のはがAIxy0123456789.,%兆円倍、 \u3000", max_size=40)
LATIN = re.compile(r"[A-Za-z0-9.,%]")  # one Pagefind word: % sticks to its number


@settings(max_examples=300, deadline=None)
@given(text=TEXT, data=st.data())
def test_query_matches_exactly_where_its_characters_stand(js_queries, text, data):
    """Any stretch of a text (no space or 、 in it, not cutting a Latin word or number) is found
    in the text's index words: as a phrase when it has several words, else as a prefix (a lone
    number exactly). And a phrase is only found where the stretch stands: 2.5 never in 25."""
    folded = text.replace("\u3000", " ")
    cuts = [i for i in range(len(folded) + 1)
            if not (0 < i < len(folded) and LATIN.match(folded[i - 1]) and LATIN.match(folded[i]))]
    i = data.draw(st.sampled_from(cuts))
    j = data.draw(st.sampled_from([c for c in cuts if c > i] or [i]))
    query = folded[i:j]
    if not query or re.search(r"[\s、]", query) or query[0] in ".," or query[-1] in ".,":
        return
    q = js_queries(query)
    if q is None:
        return
    words = pagefind_words(search.segment(text))
    for alts in q["match"]:
        assert any(found(words, m) for m in alts), (text, query, alts, words)
    for alts, searched, pattern in zip(q["match"], q["search"], q["pattern"]):
        if not searched:  # the browser matches by every other pair: exactly where the phrase stands
            assert pattern_at(words, pattern) == phrase_at(words, pagefind_words(alts[0].strip('"'))), (text, query)
    if len(q["match"]) == 1 and len(q["match"][0]) == 1 and q["match"][0][0].startswith('"'):
        # precision: only where the query stands
        phrase = pagefind_words(q["match"][0][0].strip('"'))
        squeezed, wanted = re.sub(r"\s", "", folded).lower(), re.sub(r"\s", "", query).lower()
        for start in phrase_at(words, phrase):
            assert wanted in squeezed, (text, query, phrase)


def test_numbers_and_pairs_are_exact(js_queries):
    words = pagefind_words(search.segment("予算は25兆円、Llama 40で推論"))
    for query in ("2.5兆円", "5兆円"):
        phrase = pagefind_words(js_queries(query)["match"][0][0].strip('"'))
        assert not phrase_at(words, phrase), query
    assert js_queries("4")["match"] == [['"4"']]   # a lone number is exact
    # 2ꓸ5兆 holds the whole number: 2ꓸ5 (in every post with a 2.5) is not fetched
    assert pagefind_words(js_queries("2.5兆円")["match"][0][0].strip('"')) == ["2\ua4f85兆", "兆円"]
    assert js_queries("AI人材")["match"] == [['"AI人 人材"']]


def test_a_version_stands_next_to_its_name(js_queries):
    """Llama 4 推論: Llama and 4 side by side or written as one word (Llama4), never a 4 elsewhere
    in a post about Llama, nor Llama 40."""
    q = js_queries("Llama 4 推論")
    assert q["match"] == [['"Llama 4"', '"Llama4"'], ["推論"]]
    for text, hit in [("Llama 4の推論", True), ("Llama4で推論", True), ("Llama-4の推論", True), ("Llama 40の推論", False),
                      ("Llamaは4つの推論", False), ("Llama40で推論", False)]:
        words = pagefind_words(search.segment(text))
        assert all(any(found(words, m) for m in alts) for alts in q["match"]) == hit, text


def found(words: list[str], match: str) -> bool:
    """Whether Pagefind finds one of queries()'s match terms in a page's words."""
    if match.startswith('"'):
        return bool(phrase_at(words, pagefind_words(match.strip('"'))))
    word = "".join(pagefind_words(match))
    return any(w.startswith(word) for w in words)


def test_an_amount_is_not_found_in_a_longer_number(js_queries):
    """The number before a unit pairs whole with it (2.55兆円 has no 5兆 for 2.5兆円 to meet), and
    a number with a sign Pagefind drops (2.4%) is still a number, matched exactly."""
    longer = pagefind_words(search.segment("2.55兆円、2.45%、1.55倍、3,0001億円、ＡＩ人材"))
    for query in ("2.5兆円", "2.4%", "1.5倍", "3,000億円", "２．５兆円", "I人材"):
        assert not all(any(found(longer, m) for m in alts) for alts in js_queries(query)["match"]), query
    same = pagefind_words(search.segment("2.5兆円、2.4%、1.5倍、3,000億円、AI人材"))
    for query in ("2.5兆円", "2.4%", "1.5倍", "3,000億円", "２．５兆円", "AI人材", "人材", "2.4", "２．４％"):
        assert all(any(found(same, m) for m in alts) for alts in js_queries(query)["match"]), query
    # 2.4% is not 2.4倍 (Pagefind drops the sign: the query was the number alone)
    other = pagefind_words(search.segment("2.4倍、12.4%"))
    assert not all(any(found(other, m) for m in alts) for alts in js_queries("2.4%")["match"])
