"""The search engine side: the index's words, the bundle (word files, post texts, meta), its
cache and the background indexer, and the browser's query words (docs/assets/search.js under
node) against the index's. The browser itself: tests/test_search_browser.py."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings, strategies as st

from tsuzuri import search, search_terms
from tsuzuri.entities import Entity, Registry

ROOT = Path(__file__).resolve().parents[1]
P = search_terms.PERCENT


def doc(url: str, text: str, **kw) -> search.SearchDoc:
    return search.SearchDoc(url=url, title=kw.pop("title", f"記事 {url}"), date="2025年1月2日",
                            date_iso=kw.pop("date_iso", "2025-01-02T09:00:00+09:00"), text=text, **kw)


def words(text: str) -> set[str]:
    return set(search_terms.counts(text))


# -- the index's words ---------------------------------------------------------------------

def test_japanese_as_pairs_and_characters_numbers_whole_widths_folded():
    assert search_terms.counts("AI基盤モデル") == {"ai": 1, "ai基": 1, "基盤": 1, "盤モ": 1, "モデ": 1, "デル": 1,
                                                 "基": 1, "盤": 1, "モ": 1, "デ": 1, "ル": 1}
    assert words("約1兆円、ＡＩ") == {"約", "約1", "1", "1兆", "兆円", "兆", "円", "ai"}
    assert words("ｱｯﾌﾟﾙ") == {"アッ", "ップ", "プル", "ア", "ッ", "プ", "ル"}   # half-width kana composed (NFKC)
    assert words("Hon Hai　精密") == {"hon", "hai", "hai精", "精密", "精", "密"}   # ideographic space
    assert {"2\ua4f85", "2\ua4f85兆", "25", "25兆", "1\ua4f9000", "1\ua4f9000億"} <= words("2.5兆円と25兆円、1,000億")
    assert "ータセ" not in words("データ・センター") and "タセ" not in words("データ・センター")   # 、・ cut runs
    assert search_terms.counts("半導体の半導体")["半導"] == 2


def test_percent_versions_and_leads_make_exact_words():
    assert {"2\ua4f84", f"2\ua4f84{P}"} <= words("金利は2.4%の") and f"2\ua4f84{P}" not in words("2.4倍")
    assert {"50", f"50{P}", f"12\ua4f84{P}"} <= words("５０％、12.4 %")
    assert words("A100%") == {"a100"}                      # a Latin word's digits are no number
    for text in ("Llama 4の推論", "Llama4の推論", "Llama-4の推論"):
        assert "llama4" in words(text), text
    assert "llama4" not in words("Llama 40の推論") and "llama4" not in words("Llamaは4つ")
    assert "gpt4o" in words("GPT-4o") and "4の" in words("Llama 4の推論")
    assert {"音声", "声ai", "ai"} <= words("音声 AIの") and "声ai" not in words("音声、AI")


def test_js_uses_the_same_character_classes():
    js = (ROOT / "docs/assets/search.js").read_text(encoding="utf-8")
    runs = re.search(r'const RUN = "([^"]+)"', js).group(1)
    assert runs == "".join(f"\\\\u{lo:04x}-\\\\u{hi:04x}" for lo, hi in search_terms.RUN_RANGES)


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
    """`mkdocs build` runs .venv/bin/python3, `python -m mkdocs` .venv/bin/python: one cache."""
    bin_dir = Path(sys.executable).parent
    names = [p for p in (bin_dir / "python", bin_dir / "python3") if p.exists()]
    if len(names) < 2:
        pytest.skip("one name for the interpreter here")
    code = "from tsuzuri import search; print(search.code_key())"
    keys = {subprocess.run([str(exe), "-c", code], capture_output=True, text=True, check=True,
                           cwd=ROOT).stdout.strip() for exe in names}
    assert len(keys) == 1 and keys != {""}


# -- the bundle ----------------------------------------------------------------------------

def read_bundle(out: Path) -> tuple[dict, dict[str, dict[int, int]]]:
    """meta.json, and every word file decoded: word -> {post number: value}."""
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    size, shift = (4, 16) if meta["shift"] == 16 else (8, 32)
    found: dict[str, dict[int, int]] = {}
    for path in (out / "w").glob("*.bin"):
        data, at = gzip.decompress(path.read_bytes()), 0
        while at < len(data):
            n = data[at]
            word = data[at + 1:at + 1 + n].decode("utf-8")
            count = int.from_bytes(data[at + 1 + n:at + 5 + n], "little")
            assert search.word_file(word, meta["files"]) == int(path.stem), word   # filed where the browser looks
            planes = data[at + 5 + n:at + 5 + n + count * size]     # byte planes: every first byte, ...
            postings = [int.from_bytes(bytes(planes[b * count + k] for b in range(size)), "little") for k in range(count)]
            found[word] = {p >> shift: p & ((1 << shift) - 1) for p in postings}
            at += 5 + n + count * size
    return meta, found


def test_bundle_holds_each_words_posts_counts_and_flags(tmp_path):
    docs = [doc("2025/01/03/b/", "半導体の話。半導体の未来。", title="半導体と鴻海", date_iso="2025-01-03",
                categories=("ニュース",), tags=("AI",), headings=("未来",), aliases=("Foxconn",)),
            doc("2025/01/01/a/", "別の話です。", date_iso="2025-01-01", categories=("技術", "ニュース"))]
    stats = search.build_index(docs, tmp_path / "out")
    assert (stats.mode, stats.posts, stats.indexed) == ("full", 2, 2)
    meta, found = read_bundle(tmp_path / "out")
    assert meta["posts"] == 2 and meta["categories"] == ["技術", "ニュース"] and meta["tags"] == ["AI"]
    assert meta["category"] == [[0, 1], [1]] and meta["tag"] == [[], [0]]   # oldest first: a/ is post 0
    value = found["半導"][1]
    assert value & 0xFF == 2 and (value >> 8) == search.TITLE   # twice in the text, and in the title
    assert found["未来"][1] >> 8 == search.HEADING and found["未来"][1] & 0xFF == 1
    assert found["foxconn"] == {1: search.EXTRA << 8}            # only an alias: found, never counted
    assert found["ai"] == {1: search.EXTRA << 8}                 # a tag likewise
    assert set(found["話"]) == {0, 1}
    post = json.loads((tmp_path / "out/p/1.json").read_text(encoding="utf-8"))
    assert post == {"url": "2025/01/03/b/", "title": "半導体と鴻海", "date": "2025年1月2日", "category": "ニュース",
                    "text": "半導体の話。半導体の未来。"}


def test_wide_sites_use_wide_postings(tmp_path, monkeypatch):
    """Past 65,535 posts a posting holds the number in 32 bits: checked on the encoding itself."""
    parts = search._read_shard([doc("a/", "本文")], 70000, 32)
    assert parts[1]["本文"] == ((70000 << 32) | 1).to_bytes(8, "little")
    encoded = search._encode(["本文"], {"本文": [parts[1]["本文"]]}, 32)
    assert encoded[11:] == ((70000 << 32) | 1).to_bytes(8, "little")   # one posting: its planes are its bytes


def test_full_then_cached_then_only_the_changed_shard(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "SHARD", 2)
    cache, out = tmp_path / "cache", tmp_path / "site" / "searchindex"
    docs = [doc(f"2025/01/{i:02d}/p{i}/", f"記事{i}の本文です。半導体について。", title=f"題{i}", date_iso=f"2025-01-{i:02d}")
            for i in range(1, 6)]
    full = search.build_index(docs, out, cache)
    assert (full.mode, full.indexed, full.posts) == ("full", 5, 5) and full.peak_rss_mb > 0
    again = search.build_index(docs, tmp_path / "other", cache)
    assert (again.mode, again.indexed) == ("cached", 0)
    assert sorted(p.name for p in (tmp_path / "other").iterdir()) == ["meta.json", "p", "w"]

    # An edit reads its shard again; a deletion (or an addition) the shards from it on.
    edited = [*docs[:1], doc("2025/01/02/p2/", "書き直した本文。", title="題2", date_iso="2025-01-02"), *docs[2:]]
    stats = search.build_index(edited, out, cache)
    assert (stats.mode, stats.indexed) == ("full", 2)
    meta, found = read_bundle(out)
    assert "書き" in found and found["記事"] == {0: 1, 2: 1, 3: 1, 4: 1}
    texts = [json.loads(p.read_text(encoding="utf-8"))["text"] for p in (out / "p").glob("*.json")]
    assert "記事2の本文です。半導体について。" not in texts   # the old text is gone from the bundle
    cold = search.build_index(edited, tmp_path / "cold")    # the same bundle as without a cache
    assert read_bundle(tmp_path / "cold") == (meta, found)
    deleted = search.build_index(edited[:1] + edited[2:], out, cache)
    assert (deleted.mode, deleted.indexed) == ("full", 4)    # the posts after it moved up: their shards
    assert read_bundle(out)[0]["posts"] == 4
    assert len(list((cache / "shards").iterdir())) == 2      # shards of older builds pruned


def test_a_new_post_reads_only_itself(tmp_path, monkeypatch):
    """The newest shard is not full: its posts' words are cached one by one, so a new post is
    the only one read (not the shard's others); the bundle equals a cold build's."""
    monkeypatch.setattr(search, "SHARD", 4)
    cache, out = tmp_path / "cache", tmp_path / "site" / "searchindex"
    docs = [doc(f"2025/01/{i:02d}/p{i}/", f"記事{i}の本文です。", title=f"題{i}", date_iso=f"2025-01-{i:02d}")
            for i in range(1, 7)]
    assert search.build_index(docs[:5], out, cache).indexed == 5
    before = (out / "p" / "0.json").stat().st_ino
    added = search.build_index(docs, out, cache)
    assert (added.mode, added.indexed) == ("full", 1)
    assert (out / "p" / "0.json").stat().st_ino == before   # an unchanged file is linked, not written
    search.build_index(docs, tmp_path / "cold")
    assert read_bundle(out) == read_bundle(tmp_path / "cold")
    assert sorted(p.name for p in (cache / "words").iterdir()) == sorted(d.key for d in docs[4:])   # the newest shard's


def test_what_shapes_the_index_is_in_its_cache_key(tmp_path, monkeypatch):
    """An index made by other code is never served: edited code reads every post again."""
    cache = tmp_path / "cache"
    docs = lambda: [doc(f"2025/01/{i:02d}/p{i}/", f"記事{i}の本文です。") for i in range(1, 4)]  # noqa: E731
    search.build_index(docs(), tmp_path / "a", cache)
    assert search.build_index(docs(), tmp_path / "b", cache).mode == "cached"
    monkeypatch.setattr(search, "_code", lambda: "an edited search.py")
    edited = search.build_index(docs(), tmp_path / "c", cache)
    assert (edited.mode, edited.indexed) == ("full", 3)


def test_no_cache_dir_writes_no_cache(tmp_path):
    docs = [doc("a/", "本文")]
    assert search.build_index(docs, tmp_path / "a" / "searchindex").mode == "full"
    assert search.build_index(docs, tmp_path / "b" / "searchindex").mode == "full"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["searchindex"]


def test_empty_site_gets_an_empty_index(tmp_path):
    stats = search.build_index([], tmp_path / "searchindex", tmp_path / "cache")
    assert stats.mode == "empty"
    assert json.loads((tmp_path / "searchindex/meta.json").read_text())["posts"] == 0


def test_indexer_runs_in_another_process_and_reports_failure(tmp_path):
    done = []
    indexer = search.Indexer(tmp_path / "cache", on_done=lambda s, e, out: done.append((s, e)))
    try:
        indexer.start([doc("a/", "本文")], tmp_path / "site" / "searchindex")
        stats = indexer.wait()
        assert stats.mode == "full" and done[0][1] is None
        (tmp_path / "blocked").write_text("a file where the site's folder should be")
        indexer.start([doc("b/", "別の本文")], tmp_path / "blocked" / "searchindex")
        with pytest.raises(search.SearchError, match="could not write the search index"):
            indexer.wait()
        assert isinstance(done[-1][1], search.SearchError)
    finally:
        indexer.close()


def test_install_last_gives_serve_an_index_at_once(tmp_path):
    cache = tmp_path / "cache"
    assert not search.install_last(cache, tmp_path / "s1" / "searchindex")
    search.build_index([doc("a/", "本文")], tmp_path / "first", cache)
    assert search.install_last(cache, tmp_path / "s2" / "searchindex")
    assert read_bundle(tmp_path / "s2" / "searchindex")[0]["posts"] == 1


def test_the_engine_does_not_import_mkdocs():
    code = "import sys, tsuzuri.search; sys.exit('mkdocs' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def test_a_failed_index_fails_the_build_with_one_line(tmp_path):
    """The adapter turns an index failure into one error (MkDocs exits 1, strict or not: CI must
    not deploy a site whose search cannot load), never a traceback."""
    sys.path.insert(0, str(ROOT / "hooks"))
    try:
        import tsuzuri_hooks as hooks
        from mkdocs.exceptions import PluginError
    finally:
        sys.path.remove(str(ROOT / "hooks"))
    (tmp_path / "blocked").write_text("a file")
    indexer = search.Indexer(None)
    from tsuzuri.session import current as session
    saved = (session.command, session.indexer)
    try:
        session.command, session.indexer = "build", indexer
        indexer.start([doc("a/", "本文")], tmp_path / "blocked" / "searchindex")
        with pytest.raises(PluginError, match=r"^search index not built: could not write the search index: .*blocked"):
            hooks._finish_search()
    finally:
        session.command, session.indexer = saved
        indexer.close()


# -- the browser's query words agree with the index's (docs/assets/search.js under node) ----

NODE = shutil.which("node")
_JS_SERVER = """
globalThis.document = { querySelectorAll: () => [] };
const m = await import(process.argv[1]);
const rl = (await import("node:readline")).createInterface({ input: process.stdin });
for await (const line of rl) {
  const [kind, a, b] = JSON.parse(line);
  console.log(JSON.stringify(kind === "file" ? m.wordFile(a, b) : m.explain(a, b)));
}
"""


@pytest.fixture(scope="module")
def js():
    if NODE is None:
        pytest.skip("node is not installed")
    proc = subprocess.Popen([NODE, "--input-type=module", "-e", _JS_SERVER, (ROOT / "docs/assets/search.js").as_uri()],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8")

    def ask(*args):
        proc.stdin.write(json.dumps(args) + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())
    yield ask
    proc.stdin.close()
    proc.wait(timeout=10)


def holds(text: str, query: str, js) -> bool:
    """Whether a post with ``text`` is found by ``query`` and shown: the index holds every
    needed word (a prefix: some word starting so), and every group stands in the text."""
    have = words(text)
    found = js("explain", query, text)
    need_ok = all(any(w.startswith(n["prefix"]) for w in have) if isinstance(n, dict) else n in have
                  for need, _ in found["groups"] for n in need)
    return need_ok and found["stands"]


def test_word_files_agree(js):
    for word in ("半導", "ai", "ai人", "foxconn", "foxc", "2\ua4f85兆", "llama4", "é", "ラ"):
        for files in (1, 8, 4096):
            assert js("file", word, files) == search.word_file(word, files), (word, files)


def test_numbers_and_versions_are_exact(js):
    for text, query, hit in [
            ("予算は2.5兆円に", "2.5兆円", True), ("予算は25兆円に", "2.5兆円", False), ("2.55兆円", "2.5兆円", False),
            ("２．５兆円", "2.5兆円", True), ("金利は2.4%", "2.4%", True), ("2.45%", "2.4%", False),
            ("2.4倍", "2.4%", False), ("12.4%", "2.4%", False), ("2.4倍", "2.4", True), ("2.45", "2.4", False),
            (" 0A%", "0A%", True), ("A100%", "A100%", True),   # a word with digits and %: no number
            ("Éric Schmidtの発言", "ÉRIC", True), ("ÉRICの発言", "éric", True),   # not only ASCII is lowercased
            ("Llama 4の推論", "Llama 4 推論", True), ("Llama4で推論", "Llama 4 推論", True),
            ("Llama-4の推論", "Llama 4 推論", True), ("Llama 40の推論", "Llama 4 推論", False),
            ("Llamaは4つの推論", "Llama 4 推論", False), ("AI人材が不足", "AI人材", True), ("ＡＩ人材", "AI人材", True),
            ("AI の人材", "AI人材", False), ("3,000億円", "3,000億円", True), ("3,0001億円", "3,000億円", False),
            ("Foxconnが", "foxc", True), ("データセンター", "データ センター", True), ("デー タセンター", "データセンター", False),
            ("シャットダウンのグループ", "シャープ", False), ("音声 AIの現実", "音声AI", True),
            ("音声、AIの現実", "音声AI", False), ("生成AIエージェント", "生成AIエージェント", True)]:
        assert holds(text, query, js) == hit, (text, query)


TEXT = st.text(alphabet="データセンター電力半導体輸出規制のはがAIxy0123456789.,%兆円倍、 \u3000-Ａ％", max_size=40)
LATIN = re.compile(r"[A-Za-z0-9.,%Ａ％]")   # one word once widths are folded


@settings(max_examples=300, deadline=None)
@given(text=TEXT, data=st.data())
def test_any_stretch_of_a_text_finds_it(js, text, data):
    """Any stretch of a text (no space or 、 in it, not cutting a Latin word or number) finds the
    text: its needed words are in the text's index words and it stands in the text."""
    folded = text.replace("\u3000", " ")
    cuts = [i for i in range(len(folded) + 1)
            if not (0 < i < len(folded) and LATIN.match(folded[i - 1]) and LATIN.match(folded[i]))]
    i = data.draw(st.sampled_from(cuts))
    j = data.draw(st.sampled_from([c for c in cuts if c > i] or [i]))
    query = folded[i:j]
    if not query or re.search(r"[\s、]", query) or query[0] in ".,%" or query[-1] in ".,":
        return
    if not js("explain", query, "")["groups"]:
        return
    assert holds(text, query, js), (text, query, js("explain", query, text))
