"""Phone and ID numbers are masked wherever text is shown or sent."""

from __future__ import annotations

from core.privacy import contains_personal_numbers, find_id_numbers, find_phones, mask_text, mask_value

POST = (
    "我是柳河镇前进村村民，电话13800138000（也可打138 0013 8000），家里座机0731-84512345，"
    "身份证号430102198805061234，有事请联系。投诉热线12345已经打过三次。"
)


def test_phone_and_id_numbers_are_masked_and_the_rest_is_kept() -> None:
    masked = mask_text(POST)
    assert "13800138000" not in masked and "0013 8000" not in masked
    assert "84512345" not in masked and "198805061234" not in masked
    assert "138****8000" in masked
    assert "0731-****2345" in masked
    assert "4301**********1234" in masked
    assert "热线12345" in masked and "柳河镇前进村" in masked
    assert not contains_personal_numbers(masked)


def test_masking_twice_changes_nothing() -> None:
    once = mask_text(POST)
    assert mask_text(once) == once


def test_numbers_that_are_not_personal_stay() -> None:
    text = "存栏生猪1200头，2023年补贴资金共计150000元，文号青农发〔2024〕18号，订单20231231123456789。"
    assert mask_text(text) == text


def test_found_numbers_are_returned_masked_once_each() -> None:
    assert find_phones(POST) == ["138****8000", "0731-****2345"]
    assert find_id_numbers(POST) == ["4301**********1234"]
    assert find_phones("已打码的号码138****2716") == ["138****2716"]


def test_nested_notification_data_is_masked() -> None:
    payload = {"title": "来电13912345678反映", "lines": ["身份证 43010219880506123X"], "count": 3}
    assert mask_value(payload) == {"title": "来电139****5678反映", "lines": ["身份证 4301**********123X"], "count": 3}
