"""Implicit fragment boundaries: posts whose ---END--- markers were deleted by hand."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tsuzuri import boundaries
from tsuzuri.fragments import clean, key, parse_blocks

from test_fragments import articles, assert_idempotent_and_nothing_lost, fragmented

SCALE = int(os.environ.get("TSUZURI_STRESS", "1"))  # as in test_fragments: a soak, not for CI


def _deleted(broken: str) -> str:
    """The post after an editor deleted its marker lines (the blank lines around them stay)."""
    return broken.replace("\n---END---\n", "\n")


def _recognisable(broken: str) -> bool:
    """Whether each cut piece shows it was cut: its last paragraph has a complete sentence
    before the cut, or the piece is a long one and not the body's first line (a title); a
    cut heading is followed by itself again."""
    pieces = broken.split("\n\n---END---\n\n")
    for n, piece in enumerate(pieces[:-1]):
        last = piece.split("\n\n")[-1]
        if last.startswith("#") and not pieces[n + 1].startswith(last):
            return False  # a heading cut short is seen only when the restart begins with it again
        if "。" not in last and (len(key(last)) < boundaries.CUT_MIN or n == 0 and "\n\n" not in piece):
            return False
    return True


@settings(max_examples=300 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fragmented())
def test_recovers_article_after_markers_were_deleted(pair):
    article, broken = pair
    assume(_recognisable(broken))
    cleaned, report = clean(_deleted(broken))
    assert cleaned == article
    assert clean(cleaned)[0] == cleaned


# -- the shapes, on generated text ------------------------------------------------------------

_TOPICS = ["半導体", "データセンター", "基盤モデル", "電力網", "人材育成", "国産クラウド", "量子計算", "物流"]


def _para(n: int, sentences: int = 2) -> str:
    """A paragraph of sentences unique to n."""
    return "".join(f"{_TOPICS[(n + s) % len(_TOPICS)]}の動向は第{n}段落の{s}番目の論点として重要です。"
                   for s in range(sentences))


def _body(*blocks: str) -> str:
    return "\n\n".join(blocks) + "\n"


def _cut(paragraph: str, keep: int) -> str:
    return paragraph[:keep]  # the model stopped there, mid-sentence


def test_whole_article_repeated_after_a_cut():
    article = [_para(1), _para(2), "## 市場への影響", _para(3), _para(4)]
    body = _body(*article[:4], _cut(article[4], 40), *article)
    cleaned, report = clean(body)
    assert cleaned == _body(*article)
    assert report.implicit == 1 and report.fragments == 1


def test_restart_after_a_cut_block_completes_the_sentence():
    p2 = _para(2, 3)
    body = _body(_para(1), _cut(p2, 50), p2, _para(3))
    cleaned, report = clean(body)
    assert cleaned == _body(_para(1), p2, _para(3))
    assert report.count("dropped") + report.count("stitched") >= 1


def _new(n: int) -> str:
    return f"ここで第{n}の新しい観点を付け加えておきます。"


def test_section_reemitted_in_order_with_new_sentences_keeps_only_them():
    # each re-emitted paragraph repeats its original and adds a sentence: not one is a whole repeat
    section = [_para(2), _para(3), _para(4)]
    again = [p + _new(n) for n, p in enumerate(section)]
    body = _body(_para(1), *section, _para(5), *again, _para(6))
    cleaned, report = clean(body)
    assert cleaned == _body(_para(1), *section, _para(5), *map(_new, range(3)), _para(6))
    assert report.implicit == 1 and report.count("trimmed") == 3


def test_run_merged_into_one_paragraph_keeps_only_its_new_sentence():
    merged = _para(1) + _para(2) + _para(3) + _new(0)
    body = _body(_para(1), _para(2), _para(3), _para(4), merged, _para(5))
    cleaned, _ = clean(body)
    assert cleaned == _body(_para(1), _para(2), _para(3), _para(4), _new(0), _para(5))


def test_list_reemitted_after_its_cut_last_item():
    items = [f"- {t}は第{n}項目として今後の投資判断に影響する要素です。" for n, t in enumerate(_TOPICS[:3])]
    cut = items[:2] + [items[2][:20]]
    body = _body(_para(1), "\n".join(cut), "\n".join(items), _para(2))
    cleaned, _ = clean(body)
    assert cleaned == _body(_para(1), "\n".join(items), _para(2))


def test_boundary_without_a_blank_line_reports_body_lines():
    # the cut paragraph runs straight into the restarted heading: a marker line is inserted there
    body = "## 概要\n\n" + _para(1) + "\n\n" + _cut(_para(2), 30) + "\n## 概要\n\n" + _para(1) + "\n\n" + _para(2) + "\n"
    cleaned, report = clean(body)
    assert cleaned == "## 概要\n\n" + _para(1) + "\n\n" + _para(2) + "\n"
    # the repeated heading and paragraph stand on lines 6 and 8 of the body (not of the copy
    # with a marker line inserted after line 5)
    assert sorted(c.line for c in report.changes if c.action == "dropped") == [6, 8]


# -- human repetition stays --------------------------------------------------------------------

def _unchanged(body: str) -> None:
    assert boundaries.find(parse_blocks(body.rstrip("\n").split("\n"))) == []
    cleaned, report = clean(body)
    assert cleaned == body and not report.changed


def test_summary_restating_a_key_sentence_stays():
    key_sentence = "電力の確保こそが国内データセンター投資の最大の制約になります。"
    _unchanged(_body(_para(1) + key_sentence, _para(2), _para(3), "## まとめ",
                     key_sentence + "だからこそ送電網への投資に注目しておきたいところです。"))


def test_faq_with_the_same_answer_stays():
    answer = "はい、すべての料金プランで追加費用なしにご利用いただけます。"
    _unchanged(_body("## よくある質問", "**Q. 個人でも使えますか？**", answer,
                     "**Q. 法人契約でも使えますか？**", answer, "**Q. 試用期間はありますか？**", "最初の一か月は無料です。"))


def test_call_to_action_twice_stays():
    cta = ("この記事が参考になったら、ニュースレターに登録して最新の分析を受け取ってください。"
           "[ニュースレターに登録する](/newsletter/)")
    _unchanged(_body(_para(1), cta, _para(2), _para(3), cta, _para(4)))


def test_table_rows_repeating_stay():
    table = "| 企業 | 評価 |\n|---|---|\n| 甲社 | 強気の見通しを維持しています |\n| 乙社 | 強気の見通しを維持しています |"
    _unchanged(_body(_para(1), table, _para(2), table))


def test_unterminated_lines_without_repeats_stay():
    # a casual line, a list introduced without punctuation, a bold label: no repeat, no completion
    _unchanged(_body(_para(1), _para(2) + "まあ、そういう時代になったのだと思う",
                     "注目している分野は次の通り\n- 半導体の製造装置\n- 送電網の更新",
                     "**今後の見通し**", _para(3)))


def test_list_introduction_is_no_cut():
    # a paragraph that introduces the list right under it, ending without punctuation
    intro = _para(1) + "特に注目すべき企業は以下のとおりで"
    _unchanged(_body(intro, "- 甲社の半導体製造装置事業\n- 乙社の送電網更新事業", _para(2), "- 丙社の量子計算事業"))


# -- properties ----------------------------------------------------------------------------------

@settings(max_examples=200 * SCALE, deadline=None)
@given(articles(), st.data())
def test_article_with_unterminated_paragraphs_and_no_repeats_is_unchanged(blocks, data):
    """A marker-less post whose paragraphs may end without punctuation, but repeat nothing."""
    paras = [i for i, b in enumerate(blocks) if not b.startswith("#")]
    for i in data.draw(st.sets(st.sampled_from(paras))):
        blocks[i] = blocks[i][:-1] + "と考えている"
    body = "\n\n".join(blocks) + "\n"
    cleaned, report = clean(body)
    assert cleaned == body and not report.changed


_LINES = st.sampled_from([
    "", "", "### 見出しの例", "### 見出しの例", "- 項目A", "- 項目A", "| a | b |", "|---|---|", "| 1 | 2 |",
    "> 引用された文章です。", "例えば", "半導体への投資が加速しています。その影響は大きいと言えるでしょう。",
    "半導体への投資が加速しています。", "その影響は大きいと言えるでしょう。データセンターの電力需要も増えています。",
    "データセンターの電力需要も増えています。国産AIの開発も進みつつあり", "国産AIの開発も進みつつあり",
    "国産AIの開発も進みつつあります。人材の確保が課題です。", "人材の確保が課題で", "- 人材の確保が課題です。",
    "### 見出し", "短い。", "1. 番号付き",
])


@settings(max_examples=400 * SCALE, deadline=None)
@given(st.lists(_LINES, max_size=40))
def test_markerless_idempotent_and_nothing_unique_lost(lines):
    # a sentence goes only as a repeat (still in the output) or as a dropped trailing cut
    assert_idempotent_and_nothing_lost("\n".join(lines), lines)


# -- the marker path, as a second (implicit) pass would check it -------------------------------

def test_later_cut_of_an_unresolved_cut_sentence_completes_the_earlier_one():
    body = ("半導体への投資が加速しています。\n\nデータセンターの電力需要も増えてい\n\n---END---\n\n"
            "人材の確保が課題です。\n\nデータセンターの電力需要も増えてい\n\n---END---\n\n"
            "データセンターの電力需要も増えています。国産AIの開発も進みつつあります。\n")
    cleaned, _ = clean(body)
    assert cleaned == ("半導体への投資が加速しています。\n\nデータセンターの電力需要も増えています。\n\n"
                       "人材の確保が課題です。\n\n国産AIの開発も進みつつあります。\n")
    assert clean(cleaned)[0] == cleaned


def test_every_cut_off_repeat_ending_a_paragraph_at_a_marker_goes():
    body = ("国産AIの開発も進みつつあります。人材の確保が課題です。\n\n"
            "データセンターの電力需要も増えています。国産AIの開発も進み\n国産AIの開発も進みつつあ\n\n---END---\n\n"
            "送電網の更新も急がれています。\n")
    cleaned, _ = clean(body)
    assert cleaned == ("国産AIの開発も進みつつあります。人材の確保が課題です。\n\n"
                       "データセンターの電力需要も増えています。\n\n送電網の更新も急がれています。\n")


def test_bold_sentence_keeps_its_closing_marks_when_a_cut_repeat_goes():
    body = ("**投資家の皆さんへ。**\n\n本文の段落です。国産AIの開発も進みつつあります。\n\n"
            "**投資家の皆さんへ。**\n国産AIの開発も進みつつ\n\n---END---\n\n送電網の更新も急がれています。\n")
    cleaned, _ = clean(body)
    assert "**投資家の皆さんへ。**" in cleaned and "**投資家の皆さんへ。\n" not in cleaned + "\n"


def test_unresolved_implicit_cut_is_reported_without_naming_a_marker():
    body = _body(_para(1), _para(2) + "ここで途切れたまま続きの書かれない文で", _para(1), _para(3))
    cleaned, report = clean(body)
    assert cleaned == _body(_para(1), _para(2) + "ここで途切れたまま続きの書かれない文で", _para(3))
    [cut] = [c for c in report.changes if c.action == "unresolved-cut"]
    assert cut.line == 3 and "---END---" not in cut.detail


def test_run_reemitted_under_a_new_heading_does_not_cut_the_heading():
    body = _body(_para(1), _para(2), _para(3), _para(4), "## まとめ", _para(1), _para(2), _para(3), _para(5))
    cleaned, report = clean(body)
    assert cleaned == _body(_para(1), _para(2), _para(3), _para(4), "## まとめ", _para(5))
    assert report.implicit and not report.count("unresolved-cut")


# shapes of people's posts (a Vim community blog's) that once read as cuts
_HUMAN_SHAPES = {
    "setext headings": "変更点の一覧\n------------\n\n今回の版では多くの修正が入りました。\n\n既知の問題\n----------------\n\n"
                       "いくつかの問題が残っています。\n",
    "footnote reference": "参加には入場チケットが必要になりますので、ご注意ください。[^1]\n\n"
                          "[^1]: 学生は無料で参加できます。\n",
    "line ending in a URL": "資料は次の場所から取得できます。\n  ftp://ftp.example.org/pub/docs\n\n"
                            "ftp://ftp.example.org/pub/docs/readme.txt も併せて参照してください。\n",
    "list items without punctuation": "手順は次のとおりです。\n\n- 応募フォームに必要事項を記入して送信する\n"
                                      "- 当日までに発表用のスライドを準備する\n\n手順は次のとおりです。ご不明な点はお問い合わせください。\n",
    "heading with a longer sentence": "## 今月の新機能\n\n今月の新機能は二つあります。\n\n- 補完の改善\n- 表示の高速化\n\n"
                                      "## 来月の予定\n\n今月の新機能は二つあります。来月はさらに増える予定です。\n",
}


@pytest.mark.parametrize("shape", sorted(_HUMAN_SHAPES))
def test_human_shapes_have_no_boundary(shape):
    body = _HUMAN_SHAPES[shape]
    assert boundaries.find(parse_blocks(body.rstrip("\n").split("\n"))) == []


def test_a_repeat_the_marked_copy_kept_goes_in_a_further_pass():
    """Hypothesis found it: cleaned through implicit markers, the text kept a list item that
    repeats a sentence before it (a marker's fragment keeps short repeats); cleaned again,
    without markers, the item went as a generated repeat. The further pass now applies that
    rule too, so cleaning twice equals cleaning once."""
    lines = ["- 項目A", "", "国産AIの開発も進みつつあります。人材の確保が課題です。",
             "データセンターの電力需要も増えています。国産AIの開発も進みつつあり", "- 項目A",
             "その影響は大きいと言えるでしょう。データセンターの電力需要も増えています。", "- 人材の確保が課題です。"]
    once, _ = clean("\n".join(lines))
    assert clean(once)[0] == once
    assert "人材の確保が課題です。" in once   # nothing unique lost
