"""Reasons a duty officer can read: words or phrases of the post as written, with where they are; no title rule."""

from __future__ import annotations

import re
from typing import Any

import pytest

# Livestock complaints under titles that say nothing; each must be flagged on its text alone.
GENERIC = [
    ("投诉", "村东头的养猪场把猪粪水排到小河里，整条河又黑又臭，下游的人还在河里洗菜。", "pollution"),
    ("求助", "我家的猪这几天接连病死了七八头，发烧不吃食，镇兽医站一直找不到人，求派兽医来看看。", "epidemic"),
    ("反映问题", "有人每天凌晨在出租屋里私自杀猪，血水流进下水道，肉不经检疫就拉到菜场去卖。", "slaughter"),
    ("环境污染", "山坡上的养牛场把牛粪堆在水沟边，一下雨全冲进了我们吃水的水库。", "pollution"),
    ("", "楼下住户在院子里养了几十只鸡鸭，鸡粪臭得没法开窗，天不亮就开始叫。", "pollution"),
]
PUNCTUATION = re.compile(r"[\s\d，。！？、；：“”‘’（）()《》,.!?;:'\"<>\-—…]")


@pytest.fixture(scope="module")
def analyze_post(trained_model: str) -> Any:
    from nlp.analyze import analyze

    return analyze


@pytest.mark.parametrize(("title", "text", "category"), GENERIC)
def test_a_livestock_complaint_is_flagged_whatever_its_title(
    analyze_post: Any, title: str, text: str, category: str
) -> None:
    result = analyze_post(title=title, text=text)
    assert result.relevant and result.category == category and result.needs_response, (title, result)
    # The same complaint under a livestock headline gets the same decision: the title is just more text.
    assert analyze_post(title="养殖场污染投诉", text=text).relevant


def test_every_reason_is_a_phrase_of_the_post_with_its_place(analyze_post: Any) -> None:
    posts = [*((t, x) for t, x, _ in GENERIC), ("金牛路红绿灯时间太短", "金牛路路口的绿灯只有十秒，老人过不去。")]
    for title, text in posts:
        result = analyze_post(title=title, text=text)
        assert result.reasons, title
        for reason in result.reasons:
            term = reason["term"]
            assert len(term) >= 2 and not PUNCTUATION.search(term), reason
            field = title if reason["field"] == "title" else text
            assert field[reason["start"] : reason["end"]] == term, reason
            assert isinstance(reason["weight"], float)


def test_reasons_of_a_farm_complaint_are_its_key_words(analyze_post: Any) -> None:
    result = analyze_post(
        title="投诉", text="兴旺养殖场的猪粪水直接排进村里的水库，水库是全村人吃水的地方，已经第三次反映了。"
    )
    terms = " ".join(reason["term"] for reason in result.reasons)
    assert "猪粪" in terms and "养殖场" in terms
    assert result.severity == "重大"
    assert any(reason.get("rule") for reason in result.reasons)


def test_a_complaint_about_staff_attitude_is_negative_and_needs_an_answer(analyze_post: Any) -> None:
    result = analyze_post(
        title="投诉兽医站工作人员",
        text="今天去镇兽医站开检疫证明，窗口的工作人员一边玩手机一边骂人，态度极其恶劣，还让我们滚出去。",
    )
    assert result.relevant and result.category == "conduct"
    assert result.needs_response and result.sentiment == "negative"


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("鸡公岭隧道的灯坏了", "鸡公岭隧道里面的灯坏了一半，开车进去一片漆黑，已经出过两次事故。"),
        ("这个开发商太牛了", "开发商延期交房两年，业主去问还说你们告去吧，简直无法无天。"),
        ("跟物业沟通就是对牛弹琴", "楼上漏水漏到我家，找了物业五次都说会处理，到现在没人来。"),
        ("小区化粪池堵了", "小区的化粪池堵了半个月，粪水从井盖往外冒，物业推说没钱清掏。"),
        ("被猫抓了打狂犬疫苗能报销吗", "被自家的猫抓伤，去社区医院打了五针人用狂犬疫苗，花了六百多。"),
    ],
)
def test_livestock_words_in_other_senses_are_not_flagged(analyze_post: Any, title: str, text: str) -> None:
    result = analyze_post(title=title, text=text)
    assert not result.relevant and result.category == "other" and not result.needs_response


def test_the_model_is_unsure_near_its_threshold(trained_model: str) -> None:
    from nlp.registry import get_model

    _, model = get_model()
    threshold = model.settings.relevant_threshold
    even = {"pollution": 0.5, "market": 0.5}
    assert model.uncertainty(threshold, even) == 1.0
    assert model.uncertainty(1.0, {"pollution": 1.0, "market": 0.0}) == 0.0
    assert model.uncertainty(0.0, even) == 0.0
    short = model.settings.short_threshold
    assert model.uncertainty(short, even, threshold=short) == 1.0


def test_a_short_post_needs_a_less_sure_probability_than_a_long_letter() -> None:
    from nlp.classifier import Settings, TextModel

    model = TextModel(Settings(relevant_threshold=0.99, short_length=100, short_threshold=0.95))
    assert model.threshold(40) == 0.95 and model.threshold(99) == 0.95
    assert model.threshold(100) == 0.99 and model.threshold(1500) == 0.99


def test_a_reason_neither_starts_nor_ends_with_a_function_word() -> None:
    from nlp.features import extract
    from nlp.reasons import phrases

    text = "这里是县城所在地的物流服务中心"
    extracted = extract("", text)
    # Every character weighs the same, so the strongest run of words spans the whole clause, 是 and 的 included.
    found = phrases(extracted, [1.0] * len(extracted.doc.clean))
    terms = [reason["term"] for reason in found]
    assert terms and all(term[0] not in "这是的" and term[-1] not in "是的" for term in terms), terms
    # Trimming never moves a reason off its words: each is still found where it says.
    for reason in found:
        assert text[reason["start"] : reason["end"]] == reason["term"]
