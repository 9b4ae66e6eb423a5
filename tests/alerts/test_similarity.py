"""The same-matter score that groups repeat complaints."""

from __future__ import annotations

from alerts.cases.similarity import compare, matter_of, organisation_key

FIRST = matter_of(
    title="柳河镇前进村兴旺养殖场臭气熏天",
    text="前进村东头的兴旺生猪养殖场粪水直排小河，整个村子臭得没法住，请领导管一管。",
    category="pollution",
    entities={"places": ["柳河镇", "前进村"], "towns": ["柳河镇"], "organisations": ["兴旺生猪养殖场"]},
)


def test_the_same_farm_named_again_in_the_same_category_is_the_same_matter() -> None:
    again = matter_of(
        title="再次反映兴旺养殖场的问题",
        text="上个月反映过的兴旺养殖场到现在还在往沟里排猪粪，一点没改，第二次投诉。",
        category="pollution",
        entities={"organisations": ["兴旺养殖场"]},
    )
    match = compare(FIRST, again)
    assert match.same
    assert any("兴旺" in reason for reason in match.reasons)


def test_a_repost_is_the_same_matter_whatever_its_labels() -> None:
    repost = matter_of(
        title="【转】柳河镇前进村兴旺养殖场臭气熏天",
        text="前进村东头的兴旺生猪养殖场粪水直排小河，整个村子臭得没法住，请领导管一管。",
        category="epidemic",
    )
    assert compare(FIRST, repost).score == 1.0


def test_same_village_and_a_similar_story_is_the_same_matter() -> None:
    neighbour = matter_of(
        title="前进村养殖场粪水直排",
        text="前进村养猪场的粪水直排村边小河，臭得村子里没法住人，请有关部门管一管。",
        category="pollution",
        entities={"places": ["柳河镇", "前进村"], "towns": ["柳河镇"]},
    )
    assert compare(FIRST, neighbour).same


def test_another_story_in_the_same_town_is_not() -> None:
    other = matter_of(
        title="柳河镇集市上有人卖注水肉",
        text="柳河镇逢集那天有个摊位的猪肉一按就出水，怀疑是注水肉。",
        category="product_safety",
        entities={"places": ["柳河镇"], "towns": ["柳河镇"]},
    )
    assert not compare(FIRST, other).same
    same_category = matter_of(
        title="柳河镇下河村鸡场苍蝇多",
        text="下河村新开的养鸡场苍蝇成群，飞到家里饭桌上。",
        category="pollution",
        entities={"places": ["柳河镇", "下河村"], "towns": ["柳河镇"]},
    )
    assert not compare(FIRST, same_category).same


def test_the_same_farm_in_another_category_is_kept_apart() -> None:
    deaths = matter_of(
        title="兴旺养殖场死猪扔在路边",
        text="兴旺生猪养殖场这几天死了不少猪，直接扔在前进村路边。",
        category="epidemic",
        entities={"places": ["柳河镇", "前进村"], "towns": ["柳河镇"], "organisations": ["兴旺生猪养殖场"]},
    )
    assert not compare(FIRST, deaths).same


def test_organisation_names_compare_by_their_distinctive_head() -> None:
    assert organisation_key("兴旺生猪养殖场") == organisation_key("兴旺养殖场") == "兴旺"
    assert organisation_key("宏兴生猪养殖专业合作社") == "宏兴"
