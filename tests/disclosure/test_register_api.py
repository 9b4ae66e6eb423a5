"""A year of requests entered through the API; section 三 of the annual report counted by hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.disclosure.conftest import Desk

COLUMNS = ("natural", "business", "research", "public_interest", "legal_service", "other_org")


def row(**counts: int) -> dict[str, int]:
    """A row of section 三 as the API returns it: each applicant column and the total."""
    values = {column: counts.get(column, 0) for column in COLUMNS}
    return {**values, "total": sum(values.values())}


def enter(office: Desk, **fields: Any) -> dict[str, Any]:
    return dict(office.call("POST", "/api/disclosure/requests", 201, json=fields))


def step(office: Desk, entry: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return dict(office.call("POST", f"/api/disclosure/requests/{entry['id']}/steps", json=fields))


def bj(moment: str) -> str:
    """``2025-02-03 09:30`` as ISO 8601 with the Beijing offset."""
    return moment.replace(" ", "T") + ":00+08:00"


# (who applied, how, when, what for, what was known when it was entered, the steps recorded afterwards).
# Answered when entered: kept in the register only. Not answered: each opens its case, steps follow.
REQUESTS: dict[str, tuple[str, str, str, str, str, dict[str, str], list[dict[str, str]]]] = {
    "A": ("natural", "甲", "letter", "2024-12-20 09:00", "2024年动物防疫补助发放名单",
          {"answered_at": "2025-01-10 10:00", "outcome": "disclosed"}, []),
    "B": ("商业企业", "乙公司", "网络", "2024-12-27 14:00", "屠宰企业年度检查报告", {}, []),
    "C": ("natural", "丙", "online", "2025-02-03 09:30", "粪污资源化利用项目验收材料",
          {"answered_at": "2025-02-20 16:00", "outcome": "部分公开"}, []),
    "D": ("natural", "丁", "letter", "2025-03-05 10:00", "某养殖场的环评批复全文",
          {"answered_at": "2025-03-28 10:00", "outcome": "不予公开", "reason": "保护第三方合法权益"}, []),
    "E": ("research", "某大学课题组", "email", "2025-04-01 11:00", "近十年各乡镇生猪存栏原始台账",
          {"answered_at": "2025-04-20 11:00", "outcome": "unavailable", "reason": "not_held"}, []),
    "F": ("社会公益组织", "某环保协会", "当面", "2025-05-06 15:00", "同一事项第二次申请",
          {"answered_at": "2025-05-08 15:00", "outcome": "not_processed", "reason": "重复申请"}, []),
    "G": ("legal_service", "某律师事务所", "fax", "2025-06-02 09:00", "有关的文件",
          {"correction_requested_at": "2025-06-05 09:00", "answered_at": "2025-07-01 09:00", "outcome": "other",
           "reason": "no_correction"}, []),
    "H": ("other_org", "某村委会", "online", "2025-07-01 09:00", "那份通知",
          {"correction_requested_at": "2025-07-03 09:00", "correction_received_at": "2025-07-10 09:00",
           "answered_at": "2025-07-25 09:00", "outcome": "unavailable", "reason": "补正后申请内容仍不明确"}, []),
    "L": ("natural", "戊", "online", "2025-08-11 09:00", "畜禽养殖禁养区划定图", {},
          [{"step": "extension", "at": "2025-08-25 09:00", "note": "需调取档案"},
           {"step": "answer", "at": "2025-09-30 09:00", "outcome": "disclosed"}]),
    "M": ("natural", "己", "in_person", "2025-10-09 09:00", "重大动物疫情应急预案涉密附件", {},
          [{"step": "answer", "at": "2025-10-20 09:00", "outcome": "withheld", "reason": "state_secret"}]),
    "J": ("natural", "辛", "online", "2025-12-15 09:00", "2025年兽药抽检不合格名单", {}, []),
    "K": ("business", "壬公司", "letter", "2025-12-22 09:00", "定点屠宰场名单", {},
          [{"step": "answer", "at": "2026-01-05 09:00", "outcome": "disclosed"}]),
}  # fmt: skip
DATES = ("correction_requested_at", "correction_received_at", "answered_at")


def build_the_register(office: Desk) -> dict[str, dict[str, Any]]:
    """The requests of late 2024 and of 2025, each the way a real one would come in."""
    e: dict[str, dict[str, Any]] = {}
    for letter, (kind, name, via, received, what, known, later) in REQUESTS.items():
        given = {key: bj(value) if key in DATES else value for key, value in known.items()}
        e[letter] = enter(office, applicant_type=kind, applicant_name=name, received_via=via,
                          received_at=bj(received), information=what, **given)  # fmt: skip
        for recorded in later:
            e[letter] = step(office, e[letter], **{**recorded, "at": bj(recorded["at"])})
    # An information-request case entered through the case intake, with its register fields.
    case = office.call("POST", "/api/alerts", 201, json={
        "kind": "info_request", "title": "申请公开饲料抽检结果", "content": "请公开2025年第三季度饲料抽检结果",
        "received_at": bj("2025-11-03 09:00"), "requester": {"name": "庚公司", "phone": "13800001111"},
        "disclosure": {"applicant_type": "business", "received_via": "online"},
    })  # fmt: skip
    listed = office.call("GET", "/api/disclosure/requests", params={"year": 2025})["items"]
    entry = next(item for item in listed if item["alert_id"] == case["id"])
    e["N"] = step(office, entry, step="answer", at=bj("2025-11-20 09:00"), outcome="partial")
    return e


# Counted by hand from the list above (A–P): who applied, and where each one stood in 2025.
EXPECTED_2025 = {
    "new": row(natural=6, business=2, research=1, public_interest=1, legal_service=1, other_org=1),  # C D L M P J; N K
    "carried_in": row(natural=1, business=1),  # A, B
    "disclosed": row(natural=3),  # A, L, P
    "partial": row(natural=1, business=1),  # C, N
    "withheld.third_party": row(natural=1),  # D
    "withheld.state_secret": row(natural=1),  # M
    "unavailable.not_held": row(research=1),  # E
    "unavailable.unclear": row(other_org=1),  # H
    "not_processed.repeated": row(public_interest=1),  # F
    "other.no_correction": row(legal_service=1),  # G
    "results_total": row(natural=6, business=1, research=1, public_interest=1, legal_service=1, other_org=1),
    "carried_out": row(natural=1, business=2),  # J; B, K (answered in 2026)
}


def table(report: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {r["key"]: r["values"] for r in report["rows"]}


def test_a_year_of_requests_counts_into_section_three_as_counted_by_hand(desk: Callable[[str, str], Desk]) -> None:
    office = desk("office-head", "2026-01-10 10:00")
    build_the_register(office)
    # A case entered through the case intake without its register fields is not counted, and says so.
    unregistered = office.call(
        "POST",
        "/api/alerts",
        201,
        json={
            "kind": "info_request",
            "title": "申请公开补贴名单",
            "content": "请公开能繁母猪补贴名单",
            "received_at": "2025-11-10T09:00:00+08:00",
            "requester": {"name": "癸"},
        },
    )
    report = office.call("GET", "/api/disclosure/reports/2025")
    assert [gap["alert_id"] for gap in report["unregistered"]] == [unregistered["id"]]
    assert report["reconciled"] is False
    assert not next(c for c in report["checks"] if c["key"] == "registered")["ok"]
    p = office.call(
        "POST",
        "/api/disclosure/requests",
        201,
        json={"alert_id": unregistered["id"], "applicant_type": "natural", "received_via": "当面"},
    )
    assert p["applicant_name"] == "癸" and p["received_at"] == "2025-11-10T09:00:00+08:00"
    step(office, p, step="answer", at="2025-11-28T09:00:00+08:00", outcome="disclosed")

    report = office.call("GET", "/api/disclosure/reports/2025")
    counted = table(report)
    for key, expected in EXPECTED_2025.items():
        assert counted[key] == expected, key
    assert all(values == row() for key, values in counted.items() if key not in EXPECTED_2025)
    assert report["reconciled"] is True and all(c["ok"] for c in report["checks"]), report["checks"]
    # Last year's 结转下年度 is this year's 上年结转; next year starts from this year's.
    assert table(office.call("GET", "/api/disclosure/reports/2024"))["carried_out"] == row(natural=1, business=1)
    next_year = table(office.call("GET", "/api/disclosure/reports/2026"))
    assert next_year["carried_in"] == row(natural=1, business=2)
    assert next_year["disclosed"] == row(business=1) and next_year["carried_out"] == row(natural=1, business=1)

    published = office.call("POST", "/api/disclosure/reports/2025/publish", json={"url": "https://example.org/nb2025"})
    assert published["status"] == "published" and published["frozen"] is True
    # A request of 2025 entered late: the published report keeps its figures, the register shows the change,
    # and next year's 上年结转 no longer equals the published 结转下年度 — flagged, not hidden.
    enter(
        office,
        applicant_type="natural",
        applicant_name="子",
        received_via="letter",
        received_at="2025-12-30T09:00:00+08:00",
        information="补录的申请",
    )
    after = office.call("GET", "/api/disclosure/reports/2025")
    assert table(after) == counted and after["changed_since_publication"] is True
    later = office.call("GET", "/api/disclosure/reports/2026")
    assert not next(c for c in later["checks"] if c["key"] == "carried_in")["ok"]
    refused = office.call("POST", "/api/disclosure/reports/2026/publish", 409, json={})
    assert "年度尚未结束" in refused["detail"] and "上年结转" in refused["detail"]
    office.call("POST", "/api/disclosure/reports/2025/publish", 409, json={})


def test_bad_or_missing_fields_are_refused_naming_the_field(desk: Callable[[str, str], Desk]) -> None:
    office = desk("office-staff", "2026-01-10 10:00")
    good = {
        "applicant_type": "natural",
        "applicant_name": "张某",
        "received_via": "letter",
        "received_at": "2025-06-02T09:00:00+08:00",
        "information": "某文件",
    }

    def refused(changes: dict[str, Any], field: str, status: int = 422) -> None:
        body = {k: v for k, v in {**good, **changes}.items() if v is not None}
        answer = office.call("POST", "/api/disclosure/requests", status, json=body)
        named = answer.get("details", {}).get("field") or "/".join(str(p) for p in answer["detail"][0]["loc"])
        assert field in named, answer

    refused({"applicant_type": None}, "applicant_type")
    refused({"applicant_type": "法人或其他组织"}, "applicant_type")
    refused({"received_via": "电话"}, "received_via")
    refused({"information": ""}, "information")
    refused({"applicant_name": " "}, "applicant_name")
    refused({"received_at": "2026-02-01T09:00:00+08:00"}, "received_at")
    refused({"answered_at": "2025-06-10T09:00:00+08:00"}, "outcome")
    refused({"answered_at": "2025-06-10T09:00:00+08:00", "outcome": "不予公开"}, "reason")
    refused({"answered_at": "2025-06-10T09:00:00+08:00", "outcome": "不予公开", "reason": "涉及隐私"}, "reason")
    refused({"answered_at": "2025-06-10T09:00:00+08:00", "outcome": "予以公开", "reason": "重复申请"}, "reason")
    refused({"answered_at": "2025-06-01T09:00:00+08:00", "outcome": "予以公开"}, "answered_at")
    refused({"correction_received_at": "2025-06-05T09:00:00+08:00"}, "correction_received_at")
    refused({"answered_at": "2025-06-10T09:00:00+08:00", "outcome": "other", "reason": "no_correction"}, "reason")
    refused({"colour": "red"}, "colour")
    entry = office.call("POST", "/api/disclosure/requests", 201, json=good)
    path = f"/api/disclosure/requests/{entry['id']}/steps"
    office.call("POST", path, 422, json={"step": "correction_received"})
    office.call("POST", path, json={"step": "correction_requested", "at": "2025-06-04T09:00:00+08:00"})
    office.call("POST", path, 409, json={"step": "correction_requested"})
    office.call("POST", path, 422, json={"step": "extension"})  # the clock is stopped while waiting
    office.call("POST", path, 422, json={"step": "answer", "outcome": "部分公开", "at": "2025-06-03T09:00:00+08:00"})
    office.call("POST", path, 422, json={"step": "promise"})
    # Someone who does not keep the register may not read it either.
    assert desk("production-staff", "2026-01-10 10:00").call("GET", "/api/disclosure/requests", 403)
