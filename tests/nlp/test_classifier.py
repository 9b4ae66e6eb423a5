"""What a duty officer sees: relevant complaints flagged with a category and reasons, traps left alone."""

from __future__ import annotations

import re
from typing import Any

import pytest

TRAPS = [
    ("城东街道锦绣苑小区化粪池堵塞", "小区化粪池堵了半个月，污水从井盖往外冒，物业一直不处理，请督促物业清掏。"),
    ("金牛广场路口红绿灯时间太短", "金牛广场那个路口左转绿灯只有十秒，每天早上都堵，希望交警调整一下。"),
    ("", "楼下烧烤摊的烤羊肉串油烟太大，每天营业到凌晨两点，吵得睡不着，城管管一管吧。"),
    ("兽医站公交站牌被撞歪了", "12路车兽医站公交站的站牌被车撞歪一个多月了，也没有人来修，下雨天等车很不方便。"),
    ("学校的学生奶是不是临期的", "孩子说学校发的学生奶快过期了，请教育部门查一查供货商。"),
    ("", "领导说要杀鸡儆猴，结果处分了一个临时工，真正的责任人一点事没有。"),
    ("车管所门口黄牛党猖獗", "车管所门口天天有黄牛党拉客，交钱就能插队办证，请公安查一查。"),
]


@pytest.fixture(scope="module")
def analyze_post(trained_model: str) -> Any:
    from nlp.analyze import analyze

    return analyze


def test_a_farm_complaint_is_flagged_as_pollution_with_readable_reasons(analyze_post: Any) -> None:
    result = analyze_post(
        title="柳河镇前进村养猪场臭气熏天",
        text="村东头的兴旺生猪养殖场粪水直排小河，整个村子臭得没法住，苍蝇成群，请畜牧部门派人查处。电话13812345678",
    )
    assert result.relevant and result.category == "pollution" and result.needs_response
    assert 0.5 < result.score <= 1.0
    terms = [reason["term"] for reason in result.reasons]
    assert terms and all(isinstance(term, str) and term for term in terms)
    assert not any(re.search(r"\d{4}", term) for term in terms)
    assert result.entities["phones"] == ["138****5678"]
    assert "柳河镇" in result.entities["places"]


@pytest.mark.parametrize(("title", "text"), TRAPS)
def test_keyword_traps_are_not_flagged(analyze_post: Any, title: str, text: str) -> None:
    result = analyze_post(title=title, text=text)
    assert not result.relevant and result.category == "other" and not result.needs_response


def test_each_kind_of_matter_gets_its_category(analyze_post: Any) -> None:
    cases = {
        "slaughter": ("举报私屠滥宰", "我们村有人每天凌晨在家里杀猪，没有检疫就拉到集市上卖，请执法部门查处。"),
        "epidemic": ("村里的猪接连病死", "我家养的猪这几天发烧不吃食，死了五头，镇兽医站一直没人，请派兽医来看看。"),
        "product_safety": (
            "菜市场猪肉没有检疫章",
            "菜市场几个肉摊卖的猪肉没有盖检疫章，还有注水肉，请有关部门查一查。",
        ),
        "policy": ("能繁母猪补贴什么时候发", "能繁母猪补贴说好上半年发，现在都年底了还没到账，请问什么时候发放？"),
        "market": ("猪肉价格涨得太快", "猪肉从十几块一斤涨到三十多块，老百姓吃不起了，希望投放储备肉平抑价格。"),
        "conduct": (
            "老兽医退休待遇何时落实",
            "我父亲在乡畜牧站当了四十年兽医，如今退休了领不到养老金，多次反映没有结果。",
        ),
    }
    for category, (title, text) in cases.items():
        result = analyze_post(title=title, text=text)
        assert result.relevant and result.category == category, (category, result.category)


def test_urgent_terms_raise_severity_and_say_why(analyze_post: Any) -> None:
    result = analyze_post(
        title="村里猪场大批死猪",
        text="这几天村里猪场死了几十头猪，怀疑是非洲猪瘟，死猪扔到河里，下游就是饮用水源，大家都很恐慌。",
    )
    assert result.relevant and result.needs_response and result.severity == "重大"
    rules = [reason for reason in result.reasons if "rule" in reason]
    assert rules and all(reason["raise_to"] in ("较大", "重大") for reason in rules)


def test_relevant_news_needs_no_answer(analyze_post: Any) -> None:
    result = analyze_post(
        title="区畜牧中心举办春季动物防疫培训班",
        text="近日，区畜牧发展促进中心举办春季重大动物疫病防控培训班，各镇兽医站技术人员和村级防疫员共80余人参加培训。",
    )
    assert result.relevant and not result.needs_response


def test_a_long_letter_about_another_offices_matter_is_not_flagged_however_much_it_tells_of_animals(
    analyze_post: Any,
) -> None:
    result = analyze_post(
        title="高速公路征地补偿不到位",
        text=(
            "尊敬的领导：我是清水镇塘下村的村民。我家祖祖辈辈种田养猪，前些年我又在屋后搭了一排猪栏，最多的时候养了"
            "五六十头猪，一家人的开销全靠它。去年高速公路要从我们组经过，我家的房子、菜地和猪栏都划进了征地红线。"
            "为了配合征地，我提前把猪低价卖给了收猪的贩子。可是指挥部算补偿的时候，猪栏按临时建筑算，一平方只给几十块，"
            "房子的面积也比实际少算了二十多平方。我去征地办问了四次，每次都说按文件办。恳请领导核实征地补偿，给我们一个公道。"
        ),
    )
    assert not result.relevant and result.category == "other"


def test_a_livestock_matter_told_in_one_sentence_of_a_long_letter_is_flagged(analyze_post: Any) -> None:
    result = analyze_post(
        title="关于我们村的几个问题",
        text=(
            "领导您好！我是石门村的村民，想反映几个问题。第一，村里到镇上的公交车一天只有两班，老人看病很不方便。"
            "第二，村小学的操场下雨就积水，孩子们没地方活动。第三，村西头新开的养牛场把牛粪牛尿冲进灌溉渠，"
            "下游几十亩稻田都是臭水。第四，村里的路灯坏了好几个月。请领导关心一下。"
        ),
    )
    assert result.relevant and result.category == "pollution"
