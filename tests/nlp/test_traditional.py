"""Posts typed in traditional characters are read like their simplified twins; simplified text is left as it is."""

from __future__ import annotations

import re
from typing import Any

import pytest

from core.traditional import simplified_table, to_simplified
from nlp.text import clean, document

# Our own wording, each post with its simplified twin and the category both must get.
TWINS = [
    (
        "養豬場污染",
        "村後面那家養豬場天天把糞水排進水庫，我們喝的自來水都有一股臭味，反映了好幾次都沒人管。",
        "养猪场污染",
        "村后面那家养猪场天天把粪水排进水库，我们喝的自来水都有一股臭味，反映了好几次都没人管。",
        "pollution",
    ),
    (
        "求助",
        "我家養的豬這幾天接連病死了七八頭，發燒不吃東西，鎮獸醫站一直找不到人，請派獸醫來看看。",
        "求助",
        "我家养的猪这几天接连病死了七八头，发烧不吃东西，镇兽医站一直找不到人，请派兽医来看看。",
        "epidemic",
    ),
    (
        "私宰",
        "有人每天淩晨在出租屋裡私自殺豬，血水流進下水道，肉沒經過檢疫就拉到菜市場去賣。",
        "私宰",
        "有人每天凌晨在出租屋里私自杀猪，血水流进下水道，肉没经过检疫就拉到菜市场去卖。",
        "slaughter",
    ),
]
PUNCTUATION = re.compile(r"[\s\d，。！？、；：“”‘’（）()《》,.!?;:'\"<>\-—…]")


@pytest.fixture(scope="module")
def analyze_post(trained_model: str) -> Any:
    from nlp.analyze import analyze

    return analyze


def _assert_reasons_as_typed(result: Any, title: str, text: str) -> None:
    assert result.reasons
    for reason in result.reasons:
        term = reason["term"]
        assert len(term) >= 2 and not PUNCTUATION.search(term), reason
        field = title if reason["field"] == "title" else text
        assert field[reason["start"] : reason["end"]] == term, reason


@pytest.mark.parametrize(("title", "text", "simple_title", "simple_text", "category"), TWINS)
def test_a_traditional_post_gets_the_decision_of_its_simplified_twin(
    analyze_post: Any, title: str, text: str, simple_title: str, simple_text: str, category: str
) -> None:
    traditional = analyze_post(title=title, text=text)
    simplified = analyze_post(title=simple_title, text=simple_text)
    assert simplified.relevant and simplified.category == category
    assert traditional.relevant and traditional.category == category, traditional
    assert traditional.needs_response == simplified.needs_response
    assert traditional.severity == simplified.severity
    assert traditional.p_relevant == pytest.approx(simplified.p_relevant, abs=0.01)
    _assert_reasons_as_typed(traditional, title, text)
    # Reasons are what the writer typed: the traditional post's reasons are its own traditional words,
    # at the places where the simplified twin has the same words.
    assert any(to_simplified(r["term"]) != r["term"] for r in traditional.reasons), traditional.reasons
    assert [(to_simplified(r["term"]), r["field"], r["start"], r["end"]) for r in traditional.reasons] == [
        (r["term"], r["field"], r["start"], r["end"]) for r in simplified.reasons
    ]


def test_the_reported_reservoir_complaint_names_its_traditional_words(analyze_post: Any) -> None:
    title, text = TWINS[0][:2]
    result = analyze_post(title=title, text=text)
    terms = {r["term"] for r in result.reasons}
    assert any("養豬場" in term for term in terms) and any("糞水" in term for term in terms), terms
    assert result.needs_response


def test_a_post_mixing_simplified_and_traditional_characters(analyze_post: Any) -> None:
    # A simplified input method with a few words pasted from a traditional source.
    title = "鸡场扰民"
    text = "我们小区后面的養雞場雞糞乱堆，夏天臭得没法開窗，苍蝇满屋飞，希望有关部门管一管。"
    result = analyze_post(title=title, text=text)
    assert result.relevant and result.category == "pollution", result
    _assert_reasons_as_typed(result, title, text)
    assert any(term in r["term"] for r in result.reasons for term in ("養雞場", "雞糞")), result.reasons


def test_a_simplified_text_comes_out_of_cleaning_unchanged() -> None:
    # 干/后/发/面 are each the simplified form of two traditional characters; 乾, 於, 著 and 噁 are
    # simplified characters too (乾坤, a surname, 著名, 二噁英), so none of them may move.
    text = "干部说干净的面条要晒干，皇后面前发了头发和工资，后来於老师著名的乾坤论文提到二噁英。"
    # Only the full-width commas change (made half-width, as before); every character stays.
    assert clean(text) == text.replace("，", ",")
    assert to_simplified(text) == text


def test_traditional_characters_are_mapped_one_for_one() -> None:
    text = "養豬場糞水發臭、麵粉廠後門、頭髮、幹部、開會、綫路、衞生、説明"
    assert clean(text) == "养猪场粪水发臭、面粉厂后门、头发、干部、开会、线路、卫生、说明"
    assert len(clean(text)) == len(text)
    # Where the simplified form depends on the phrase (畫 is 画 in 畫面 and 划 in 計畫; 餘 is 余 or 馀;
    # 麼 is 么 or 麽), the character is left as typed rather than guessed.
    assert to_simplified("畫餘麼") == "畫餘麼"
    # Full-width letters and upper case are still folded in the same single pass.
    assert clean("ＡＢ養豬Ｃ") == "ab养猪c"


def test_offsets_of_words_in_a_traditional_post_are_those_of_the_original() -> None:
    doc = document("養豬場污染", "糞水排進水庫")
    words = {word: (start, end) for word, start, end, _ in doc.words}
    assert "养猪场" in words and "粪水" in words
    start, end = words["粪水"]
    assert doc.original(start, end) == "糞水"
    assert doc.locate(start, end) == ("text", 0, 2)


def test_the_table_is_built_once() -> None:
    table = simplified_table()
    assert simplified_table() is table
    assert table[ord("豬")] == ord("猪") and ord("干") not in table and ord("乾") not in table
