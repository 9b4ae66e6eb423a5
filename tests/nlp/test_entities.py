"""Entities: the district's places, named farms and companies, and masked personal numbers."""

from __future__ import annotations

from nlp.entities import extract


def test_town_and_village_of_the_district_are_found() -> None:
    found = extract(title="柳河镇前进村养猪场臭气熏天", text="我们前进村五组离猪场不到一百米。")
    assert found["towns"] == ["柳河镇"]
    assert "前进村" in found["places"] and "柳河镇" in found["places"]
    assert found["villages"] == ["柳河镇前进村"]


def test_a_village_name_alone_implies_its_town() -> None:
    found = extract(title="", text="梨树沟村有人在河边扔死猪。")
    assert found["towns"] == ["白沙镇"]


def test_short_aliases_count_only_inside_the_district() -> None:
    assert extract(title="", text="石桥边上有人钓鱼。")["towns"] == []
    assert extract(title="", text="青禾区石桥那边的鸡场苍蝇太多。")["towns"] == ["石桥镇"]


def test_named_farms_are_found_and_generic_mentions_are_not() -> None:
    found = extract(
        title="举报兴旺生猪养殖场",
        text="村东头的兴旺生猪养殖场和宏达养殖场都往河里排粪水，请问养殖场归谁管？附近还有一家大型养猪场。",
    )
    assert found["organisations"] == ["兴旺生猪养殖场", "宏达养殖场"]


def test_phone_and_id_numbers_come_out_masked() -> None:
    found = extract(title="", text="联系电话13912345678，身份证430102198805061234。")
    assert found["phones"] == ["139****5678"]
    assert found["id_numbers"] == ["4301**********1234"]


def test_numbers_with_the_fewest_digits_are_still_found() -> None:
    # extract() skips the number patterns for posts with too few digits: the shortest numbers they match
    # (a masked mobile has seven digits, a masked ID number four) must still come out.
    assert extract(title="", text="养猪场老板电话138＊＊＊＊2716。")["phones"] == ["138****2716"]
    assert extract(title="", text="身份证4101******xxx。")["id_numbers"] == ["4101******xxx"]
    assert extract(title="", text="猪场在3组，离我家100米。")["phones"] == []


def test_a_village_is_looked_for_within_the_town_written_before_it() -> None:
    # 新庄村 is a village of 柳河镇 only; written after 双塘镇 it is not 柳河镇's, and no town gets it.
    found = extract(title="双塘镇新庄村养猪场臭味大", text="")
    assert found["towns"] == ["双塘镇"]
    assert found["villages"] == []
    assert found["unresolved_places"] == ["新庄村"]
    assert extract(title="新庄村养猪场臭味大", text="")["towns"] == ["柳河镇"]


def test_a_village_name_two_towns_share_counts_for_neither_unless_its_town_is_named() -> None:
    # 石门村 is in 龙泉镇 and in 黄土岭乡.
    alone = extract(title="", text="石门村路边有死猪。")
    assert alone["towns"] == [] and alone["villages"] == []
    assert alone["unresolved_places"] == ["石门村"]
    named = extract(title="", text="龙泉镇石门村路边有死猪。")
    assert named["towns"] == ["龙泉镇"] and named["villages"] == ["龙泉镇石门村"]
    assert named["unresolved_places"] == []
    elsewhere = extract(title="黄土岭乡", text="前几天在石门村看到死猪。")
    assert elsewhere["villages"] == ["黄土岭乡石门村"]


def test_a_village_of_another_town_than_the_one_named_is_unresolved() -> None:
    found = extract(title="", text="石桥镇的养殖户说，前进村那边也有死猪。")
    assert found["towns"] == ["石桥镇"]
    assert found["unresolved_places"] == ["前进村"]


def test_places_written_in_traditional_characters_are_the_same_towns_and_villages() -> None:
    # 柳河鎮 / 前進村 / 龍泉鎮 / 雙塘鎮 are how a traditional input method writes the gazetteer's names.
    pairs = [
        ("柳河鎮前進村養豬場臭", "我們前進村離豬場很近。", "柳河镇前进村养猪场臭", "我们前进村离猪场很近。"),
        ("", "龍泉鎮石門村路邊有死豬。", "", "龙泉镇石门村路边有死猪。"),
        ("雙塘鎮新莊村養豬場臭味大", "", "双塘镇新庄村养猪场臭味大", ""),
        ("", "新莊村的養雞場雞糞亂堆。", "", "新庄村的养鸡场鸡粪乱堆。"),
    ]
    for title, text, simple_title, simple_text in pairs:
        found = extract(title=title, text=text)
        twin = extract(title=simple_title, text=simple_text)
        assert twin["towns"] and found == twin, (title, text)
    assert extract(title="", text="龍泉鎮石門村路邊有死豬。")["villages"] == ["龙泉镇石门村"]
    assert extract(title="雙塘鎮新莊村養豬場臭味大", text="")["unresolved_places"] == ["新庄村"]
    assert extract(title="", text="新莊村的養雞場雞糞亂堆。")["towns"] == ["柳河镇"]


def test_a_farm_named_in_traditional_characters_has_its_simplified_name() -> None:
    # The simplified form is the one alert grouping compares, so both spellings point at one farm.
    found = extract(title="投訴", text="興旺生豬養殖場的糞水流到村裡的魚塘。")
    assert found["organisations"] == extract(title="投诉", text="兴旺生猪养殖场的粪水流到村里的鱼塘。")["organisations"]
    assert found["organisations"] == ["兴旺生猪养殖场"]
