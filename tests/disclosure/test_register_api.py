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


def build_the_register(office: Desk) -> dict[str, dict[str, Any]]:
    """The requests of late 2024 and of 2025, each the way a real one would come in."""
    e: dict[str, dict[str, Any]] = {}
    # Answered when entered: kept in the register only (no case to track).
    e["A"] = enter(
        office,
        applicant_type="natural",
        applicant_name="甲",
        received_via="letter",
        received_at="2024-12-20T09:00:00+08:00",
        information="2024年动物防疫补助发放名单",
        answered_at="2025-01-10T10:00:00+08:00",
        outcome="disclosed",
    )
    e["B"] = enter(
        office,
        applicant_type="商业企业",
        applicant_name="乙公司",
        received_via="网络",
        received_at="2024-12-27T14:00:00+08:00",
        information="屠宰企业年度检查报告",
    )
    e["C"] = enter(
        office,
        applicant_type="natural",
        applicant_name="丙",
        received_via="online",
        received_at="2025-02-03T09:30:00+08:00",
        information="粪污资源化利用项目验收材料",
        answered_at="2025-02-20T16:00:00+08:00",
        outcome="部分公开",
    )
    e["D"] = enter(
        office,
        applicant_type="natural",
        applicant_name="丁",
        received_via="letter",
        received_at="2025-03-05T10:00:00+08:00",
        information="某养殖场的环评批复全文",
        answered_at="2025-03-28T10:00:00+08:00",
        outcome="不予公开",
        reason="保护第三方合法权益",
    )
    e["E"] = enter(
        office,
        applicant_type="research",
        applicant_name="某大学课题组",
        received_via="email",
        received_at="2025-04-01T11:00:00+08:00",
        information="近十年各乡镇生猪存栏原始台账",
        answered_at="2025-04-20T11:00:00+08:00",
        outcome="unavailable",
        reason="not_held",
    )
    e["F"] = enter(
        office,
        applicant_type="社会公益组织",
        applicant_name="某环保协会",
        received_via="当面",
        received_at="2025-05-06T15:00:00+08:00",
        information="同一事项第二次申请",
        answered_at="2025-05-08T15:00:00+08:00",
        outcome="not_processed",
        reason="重复申请",
    )
    e["G"] = enter(
        office,
        applicant_type="legal_service",
        applicant_name="某律师事务所",
        received_via="fax",
        received_at="2025-06-02T09:00:00+08:00",
        information="有关的文件",
        correction_requested_at="2025-06-05T09:00:00+08:00",
        answered_at="2025-07-01T09:00:00+08:00",
        outcome="other",
        reason="no_correction",
    )
    e["H"] = enter(
        office,
        applicant_type="other_org",
        applicant_name="某村委会",
        received_via="online",
        received_at="2025-07-01T09:00:00+08:00",
        information="那份通知",
        correction_requested_at="2025-07-03T09:00:00+08:00",
        correction_received_at="2025-07-10T09:00:00+08:00",
        answered_at="2025-07-25T09:00:00+08:00",
        outcome="unavailable",
        reason="补正后申请内容仍不明确",
    )
    # Not answered when entered: each opens its case, and its steps are recorded as they happen.
    e["L"] = enter(
        office,
        applicant_type="natural",
        applicant_name="戊",
        received_via="online",
        received_at="2025-08-11T09:00:00+08:00",
        information="畜禽养殖禁养区划定图",
    )
    step(office, e["L"], step="extension", at="2025-08-25T09:00:00+08:00", note="需调取档案")
    e["L"] = step(office, e["L"], step="answer", at="2025-09-30T09:00:00+08:00", outcome="disclosed")
    e["M"] = enter(
        office,
        applicant_type="natural",
        applicant_name="己",
        received_via="in_person",
        received_at="2025-10-09T09:00:00+08:00",
        information="重大动物疫情应急预案涉密附件",
    )
    e["M"] = step(
        office, e["M"], step="answer", at="2025-10-20T09:00:00+08:00", outcome="withheld", reason="state_secret"
    )
    # An information-request case entered through the case intake, with its register fields.
    case = office.call(
        "POST",
        "/api/alerts",
        201,
        json={
            "kind": "info_request",
            "title": "申请公开饲料抽检结果",
            "content": "请公开2025年第三季度饲料抽检结果",
            "received_at": "2025-11-03T09:00:00+08:00",
            "requester": {"name": "庚公司", "phone": "13800001111"},
            "disclosure": {"applicant_type": "business", "received_via": "online"},
        },
    )
    listed = office.call("GET", "/api/disclosure/requests", params={"year": 2025})["items"]
    e["N"] = next(item for item in listed if item["alert_id"] == case["id"])
    e["N"] = step(office, e["N"], step="answer", at="2025-11-20T09:00:00+08:00", outcome="partial")
    e["J"] = enter(
        office,
        applicant_type="natural",
        applicant_name="辛",
        received_via="online",
        received_at="2025-12-15T09:00:00+08:00",
        information="2025年兽药抽检不合格名单",
    )
    e["K"] = enter(
        office,
        applicant_type="business",
        applicant_name="壬公司",
        received_via="letter",
        received_at="2025-12-22T09:00:00+08:00",
        information="定点屠宰场名单",
    )
    e["K"] = step(office, e["K"], step="answer", at="2026-01-05T09:00:00+08:00", outcome="disclosed")
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
