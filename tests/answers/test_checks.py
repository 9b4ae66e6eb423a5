"""The four checks as pure functions: what each finds, where, and what it leaves alone."""

from __future__ import annotations

import pytest

from alerts.responses.checks import CaseFacts, CheckLists, Finding, run_checks
from alerts.statements.service import load_default_terms

LISTS = CheckLists(
    terms=load_default_terms(),
    documents=[
        ("中华人民共和国动物防疫法", "主席令第69号"),
        ("关于加强畜禽粪污资源化利用的通知", "青农发〔2024〕12号"),
    ],
)
FACTS = CaseFacts(
    section="畜牧生产科",
    co_sections=("兽医站",),
    all_sections=("办公室", "畜牧生产科", "动物疫病防控科", "畜产品质量安全科", "兽医站"),
    towns=frozenset({"柳河镇"}),
    villages=frozenset({"前进村"}),
    requester={"name": "赵先生", "phone": "13900001111"},
)


def found(content: str, facts: CaseFacts = FACTS) -> list[Finding]:
    findings = run_checks(content, facts=facts, lists=LISTS)
    for finding in findings:
        assert content[finding.start : finding.end] == finding.text, finding
        assert finding.check in ("保密", "法律", "政治", "文字") and finding.message
    return findings


def kinds(content: str, facts: CaseFacts = FACTS) -> set[tuple[str, str, str]]:
    return {(f.check, f.kind, f.text) for f in found(content, facts)}


def test_a_plain_answer_passes_every_check() -> None:
    text = (
        "您好！您反映的柳河镇前进村养猪场粪污问题已收悉。"
        "畜牧生产科会同兽医站现场核查，已责令整改，将依据《动物防疫法》持续监管。"
    )
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("请联系张明（13812345678）。", ("保密", "name_phone", "张明（13812345678")),
        ("值班电话 0731-84512345。", ("保密", "phone", "0731-84512345")),
        ("身份证号 110101199003071234 已登记。", ("保密", "id_number", "110101199003071234")),
        ("住在前进村3组12号的养殖户。", ("保密", "address", "前进村3组12号")),
        ("已回电赵先生说明情况。", ("保密", "requester_name", "赵先生")),
        ("依据区牧内〔2025〕3号处理。", ("保密", "internal_document", "区牧内〔2025〕3号")),
        ("此事属于内部资料。", ("保密", "confidential_term", "内部资料")),
        ("依据《畜禽养殖管理办法》处理。", ("法律", "unknown_document", "《畜禽养殖管理办法》")),
        ("依据青农发〔2023〕7号处理。", ("法律", "unknown_number", "青农发〔2023〕7号")),
        ("我们将在3日内完成整改。", ("法律", "date_promise", "将在3日内完成")),
        ("保证不再发生。", ("法律", "outcome_promise", "保证")),
        ("这不是群体性事件。", ("政治", "review_term", "群体性事件")),
        ("已按装除臭设备。", ("文字", "misused_word", "按装")),
        ("养殖场（已整改。", ("文字", "bracket", "（")),
        ("他说“已整改。", ("文字", "bracket", "“")),
        ("共检查１２家。", ("文字", "number_style", "１２")),
        ("11月3日核查，十一月五日复查。", ("文字", "number_style", "十一月五日")),
        ("已转动物疫病防控科办理。", ("文字", "wrong_section", "动物疫病防控科")),
        ("石桥镇养殖场已整改。", ("文字", "wrong_place", "石桥镇")),
        ("东坡村养殖场已整改。", ("文字", "wrong_place", "东坡村")),
    ],
)
def test_each_check_finds_its_kind(text: str, expected: tuple[str, str, str]) -> None:
    assert expected in kinds(text)


def test_known_documents_allowed_numbers_and_the_case_own_names_are_left_alone() -> None:
    text = (
        "依据《中华人民共和国动物防疫法（2021年修订）》和青农发[2024]12号，可拨打12345反映。"
        "畜牧生产科与兽医站在柳河镇前进村核查。截至目前已整改。"
    )
    assert found(text) == []


def test_a_case_without_places_flags_no_place() -> None:
    assert kinds("石桥镇养殖场已整改。", CaseFacts(section="畜牧生产科")) == set()


def test_findings_come_in_reading_order_without_repeats() -> None:
    text = "按装好了。张明（13812345678）已按装。"
    findings = found(text)
    assert [f.start for f in findings] == sorted(f.start for f in findings)
    assert [f.text for f in findings].count("按装") == 2
    # The phone number is reported once, with the name, not again on its own.
    assert [f.kind for f in findings if f.check == "保密"] == ["name_phone"]


def test_a_pathological_text_gets_a_bounded_list() -> None:
    from alerts.responses.checks import MAX_FINDINGS

    findings = run_checks("（" * 10000 + "]" * 10000, facts=FACTS, lists=LISTS)
    assert len(findings) == MAX_FINDINGS
    assert [f.text for f in findings[:2]] == ["（", "（"]
