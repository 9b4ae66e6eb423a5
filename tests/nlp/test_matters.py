"""Whose matter is it: which livestock subjects meet which problems, sentence by sentence."""

from __future__ import annotations

from nlp.features import extract, locate
from nlp.matters import has_subject, matter_names, sentence_starts


def _values(title: str, text: str) -> dict[str, float]:
    return dict(zip(matter_names(), extract(title, text).dense[-len(matter_names()) :], strict=True))


def test_a_farms_waste_water_among_other_matters_is_counted_as_ours() -> None:
    values = _values(
        "关于我们组的几件事",
        "一是村小学门口的路坑坑洼洼。二是路灯坏了半年没人修。三是组后面那家鸭场把粪水排进灌溉渠，田里的秧苗都泡黄了。",
    )
    assert values["matter:ours"] > 0 and values["matter:pair:farm:pollution"] > 0
    assert values["matter:topic:roads"] > 0


def test_animals_told_inside_a_land_taking_letter_count_as_another_offices_matter() -> None:
    values = _values(
        "工业园征地补偿太低",
        "县里建工业园征收了我家承包的山坡，山上的羊圈评估公司说是临时搭建不予补偿。"
        "为了配合征地，我把两百只山羊低价卖给了贩子。请征收办按政策核实补偿。",
    )
    assert values["matter:ours"] == 0
    assert values["matter:inside_other"] + values["matter:mixed"] > 0
    assert values["matter:beside:demolition"] > 0 and values["matter:topic:demolition"] > 0


def test_a_dog_is_a_livestock_subject_only_when_its_health_is_the_point() -> None:
    barking = extract("狗扰民", "隔壁的两条狗每天凌晨叫个不停，吵得全楼睡不着。")
    rabies = extract("", "小区里的狗从来没有打过狂犬疫苗，已经咬伤了两个孩子。")
    assert not has_subject(barking.matter) and has_subject(rabies.matter)


def test_a_clerk_complaint_without_the_station_names_no_subject_but_the_station_does() -> None:
    clerk = extract("", "窗口的工作人员说这不归他们管，推来推去。")
    station = extract("", "镇兽医站窗口的工作人员说这不归他们管，推来推去。")
    assert not has_subject(clerk.matter) and has_subject(station.matter)


def test_animals_in_other_senses_are_not_subjects() -> None:
    assert not has_subject(extract("鸡公岭隧道照明不足", "开车经过卧牛山和鸡公岭，路灯坏了一半。").matter)


def test_a_long_sentence_run_together_with_commas_is_cut_into_pieces() -> None:
    text = "，".join(["我们村后面山上的养猪场天天往河里排粪水"] * 8) + "。"
    starts = sentence_starts(text)
    assert len(starts) > 2 and starts == sorted(starts) and all(text[s - 1] == "，" for s in starts[1:])


def test_matter_features_point_at_the_words_that_make_them() -> None:
    extracted = extract("投诉", "村东头养猪场的粪水直接排进河里，河水又黑又臭。")
    spans = locate(extracted, "d:matter:pair:farm:pollution")
    words = {extracted.doc.clean[start:end] for start, end in spans}
    assert "养猪" in words and {"粪", "河"} <= words


def test_every_model_family_trains_on_the_features_of_letters_dominated_by_other_matters() -> None:
    from nlp.classifier import Settings, TextModel
    from nlp.corpus import read_examples, seed_files
    from nlp.heads import FAMILIES

    # A letter whose only livestock sentence is taken up by another office's matter gives the features their
    # lowest values; complement naive Bayes refuses a negative one, so every feature must stay at or above 0.
    title, text = "修路", "村里修路要占地，路要从我家猪圈旁边过，施工队天天来量地。"
    values = _values(title, text)
    assert values["matter:diffuse"] > 0 and values["matter:focus"] == 0
    assert min(extract(title, text).dense) >= 0
    examples = [e for i, e in enumerate(read_examples(seed_files())) if i % 12 == 0]
    for family in FAMILIES:
        prediction = TextModel(Settings(family=family)).fit(examples).predict(title, text)
        assert prediction.category in {"other", *(e.category for e in examples)}, family


def test_plain_words_for_dung_symptoms_and_a_closed_station_tie_a_subject_to_our_problems() -> None:
    dung = _values("", "后面那户人家养了十几头猪，猪屎味一到晚上就飘过来，窗户都不敢开。")
    assert dung["matter:pair:animal:pollution"] > 0 and dung["matter:owned:waste"] > 0
    sick = _values("", "家里的鸡这几天都蔫了，也不下蛋，不知道得了什么病。")
    assert sick["matter:pair:animal:health"] > 0
    closed = _values("", "镇兽医站一个星期有五天关着门，打电话也是空号。")
    assert closed["matter:pair:agency:staff"] > 0
