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


def test_names_beside_numbers_or_after_a_label_keep_only_the_surname() -> None:
    from core.privacy import contains_personal_data

    assert mask_text("联系人张三 电话13800138000") == "联系人张* 电话138****8000"
    assert mask_text("联系人：欧阳娜娜，电话 138-0013-8000") == "联系人：欧阳**，电话 138****8000"
    assert mask_text("村民李四13912345678反映") == "村民李*139****5678反映"
    assert mask_text("投诉人赵小明反映养猪场臭味") == "投诉人赵**反映养猪场臭味"
    assert mask_text("张三丰（13800138000）") == "张**（138****8000）"
    # Words before a number are not names, and forms of address name nobody.
    assert mask_text("请拨打电话13800138000咨询") == "请拨打电话138****8000咨询"
    assert mask_text("王先生13800138000") == "王先生138****8000"
    assert contains_personal_data("联系人张三") and not contains_personal_data("联系人张*")


def test_house_numbers_of_an_address_are_masked_and_document_numbers_stay() -> None:
    assert mask_text("家住幸福小区3栋2单元501室") == "家住幸福小区*栋*单元***室"
    assert mask_text("幸福路12号，前进村5组") == "幸福路**号，前进村*组"
    assert mask_text("文号青农发〔2024〕18号，存栏1200头") == "文号青农发〔2024〕18号，存栏1200头"


def test_numbers_inside_web_addresses_are_masked_like_bare_numbers() -> None:
    assert mask_text("https://tieba.example.com/p/13800138000 电话13800138000") == (
        "https://tieba.example.com/p/138****8000 电话138****8000"
    )
    assert mask_text("http://x/?tel=13812345678") == "http://x/?tel=138****5678"
    assert mask_text("/u/13812345678/") == "/u/138****5678/"
    assert mask_text("见http://x.cn/a?id=110101199003071234&tel=0731-84512345#top") == (
        "见http://x.cn/a?id=1101**********1234&tel=0731-****2345#top"
    )
    # Written with +86 and spaces, percent-encoded; the other escapes stay byte for byte.
    assert mask_text("http://x/?tel=%2B86%20138%201234%205678&n=%E5%BC%A0&p=/13812345678.html") == (
        "http://x/?tel=138****5678&n=%E5%BC%A0&p=/138****5678.html"
    )
    assert mask_text("/u/138****5678/") == "/u/138****5678/"


def test_tokens_and_hashes_in_addresses_are_left_working() -> None:
    assert mask_text("/alerts/12") == "/alerts/12"
    digest = "13800138000" + "a" * 53
    assert mask_text(digest) == digest
    assert mask_text(f"/evidence/{digest}") == f"/evidence/{digest}"
    assert mask_text("https://x.cn/s?token=ab13800138000cd") == "https://x.cn/s?token=ab13800138000cd"
    # An address with no personal number is untouched, whatever it holds.
    plain = "https://www.example.gov.cn/art/2026/12/1/art_1229_5912345.html?from=timeline&isappinstalled=0"
    assert mask_text(plain) == plain


def test_names_under_known_keys_are_masked_as_names() -> None:
    from core.privacy import mask_name

    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧阳**"
    assert mask_name("李女士") == "李女士" and mask_name("绿源养殖专业合作社") == "绿源养殖专业合作社"
    payload = {"author": "李四", "requester": {"name": "张三", "phone": "13800138000", "address": "幸福路12号"}}
    assert mask_value(payload) == {
        "author": "李*",
        "requester": {"name": "张*", "phone": "138****8000", "address": "幸福路**号"},
    }
    assert mask_value({"access_token": "x13800138000y", "t": "13800138000"}, keep=frozenset({"access_token"})) == {
        "access_token": "x13800138000y",
        "t": "138****8000",
    }


def test_a_masked_copy_sent_back_keeps_the_original_and_what_the_user_typed() -> None:
    from core.privacy import keep_unmasked, keep_unmasked_value

    stored = "值班电话0731-84512345，政务中心3栋305室；联系人张三 13800138000。"
    shown = mask_text(stored)
    assert shown == "值班电话0731-****2345，政务中心*栋***室；联系人张* 138****8000。"
    assert keep_unmasked(shown, of=stored) == stored
    assert keep_unmasked("张*", of="张三") == "张三"
    # Edited around the masked parts: the edit is kept, and so are the numbers left masked.
    edited = shown.replace("值班电话", "办公电话") + "周末不值班。"
    assert (
        keep_unmasked(edited, of=stored)
        == "办公电话0731-84512345，政务中心3栋305室；联系人张三 13800138000。周末不值班。"
    )
    # A number the user typed over, or text written anew, is theirs.
    assert keep_unmasked(shown.replace("138****8000", "13900139000"), of=stored).endswith("张三 13900139000。")
    assert keep_unmasked("全新的说明", of=stored) == "全新的说明"
    assert keep_unmasked("李*", of="张三") == "李*" and keep_unmasked("138****8000", of=None) == "138****8000"
    config = {"to": ["13800138000@139.com", "b@x.cn"], "url": "https://x.cn/hook?id=13800138000"}
    assert keep_unmasked_value(mask_value(config), of=config) == config
    reordered = {"to": ["b@x.cn", "138****8000@139.com", "c@x.cn"]}
    assert keep_unmasked_value(reordered, of=config) == {"to": ["b@x.cn", "13800138000@139.com", "c@x.cn"]}
