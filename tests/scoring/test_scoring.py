"""Section score sheets: a policy entered on the admin page, the sheet recounted from the audit log by hand,
every point leading to its case, a published period frozen against later policy changes, and the exports."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from alerts.cases.models import Alert, AlertEvent
from alerts.sweep import sweep
from core.db import session_scope
from tests.disclosure.conftest import Desk, local
from tests.disclosure.test_pages import millimetres
from tests.factories import make_alert, make_user
from tests.web.helpers import csrf_of, sign_in

POLICY_FORM = {
    "base": "100",
    "floor": "0",
    "late_ack.points": "2",
    "late_ack.cap": "10",
    "overdue.points": "5",
    "escalated.points": "3",
    "reopened.points": "4",
    "dissatisfied.points": "2",
    "on_time_close.points": "1",
    "on_time_close.cap": "1",
    "note": "2025年第四季度细则",
}


def act(desk: Desk, alert_id: int, moment: str, action: str, **fields: Any) -> None:
    desk.at(moment).call("POST", f"/api/alerts/{alert_id}/transitions", json={"action": action, **fields})


def handle(duty: Desk, staff: Desk, head: Desk, alert_id: int, *, ack: str, close: str) -> None:
    """Sign for, assign and take up (minutes apart from ``ack``), respond at ``close`` and close half an hour later."""
    act(duty, alert_id, ack, "acknowledge")
    act(duty, alert_id, ack.replace(":00", ":05", 1), "assign")
    act(staff, alert_id, ack.replace(":00", ":10", 1), "start")
    act(
        staff,
        alert_id,
        close,
        "respond",
        response={"content": "已核实处理", "channel": "phone"},
    )
    act(head, alert_id, close.replace(":00", ":30", 1), "close")


def build_october(desk: Callable[[str, str], Desk]) -> dict[str, int]:
    """Four cases of October 2025 (一般: sign for within 1 working day, close within 5)."""
    duty = desk("duty", "2025-10-09 09:00")
    cases = {"c1": make_alert(title="石桥镇养猪场污水直排入河", category="pollution")}
    duty.at("2025-10-09 09:05")
    cases["c2"] = make_alert(title="东坝村养鸡场臭味扰民多日", category="pollution")
    duty.at("2025-10-09 09:10")
    cases["c3"] = make_alert(title="城南有人私屠滥宰生猪", category="slaughter")
    staff, head = desk("production-staff", "2025-10-09 09:20"), desk("production-head", "2025-10-09 09:20")
    leader = desk("leader", "2025-10-09 09:20")
    # c1: signed for on Monday 13th, after its deadline (Friday 10th 17:30); closed on time (due 15th 17:30).
    handle(duty, staff, head, cases["c1"], ack="2025-10-13 10:00", close="2025-10-14 10:00")
    # c2: supervised, closed on time, 不满意 on follow-up (发回重办), closed again late.
    act(duty, cases["c2"], "2025-10-09 09:30", "acknowledge")
    act(leader, cases["c2"], "2025-10-09 10:00", "escalate", note="群众反映强烈")
    act(duty, cases["c2"], "2025-10-09 10:05", "assign")
    act(staff, cases["c2"], "2025-10-09 10:10", "start")
    act(staff, cases["c2"], "2025-10-10 09:00", "respond", response={"content": "已督促整改", "channel": "phone"})
    act(head, cases["c2"], "2025-10-10 10:00", "close")
    act(duty, cases["c2"], "2025-10-10 11:00", "follow_up", satisfaction="不满意", note="仍有臭味")
    act(staff, cases["c2"], "2025-10-20 09:00", "respond", response={"content": "复查已达标", "channel": "phone"})
    act(head, cases["c2"], "2025-10-20 10:00", "close")  # due 16th 17:30 after the restart: late
    # c3: signed for and assigned, then left: the sweep finds its response and close deadlines overdue.
    act(duty, cases["c3"], "2025-10-09 09:40", "acknowledge")
    act(duty, cases["c3"], "2025-10-09 09:45", "assign")
    for moment in ("2025-10-14 09:00", "2025-10-16 09:00"):
        duty.at(moment)
        with session_scope() as session:
            sweep(session, now=local(moment))
    duty.at("2025-10-20 09:00")
    cases["c4"] = make_alert(title="西岭村散养户粪污堆放路边", category="pollution")
    handle(duty, staff, head, cases["c4"], ack="2025-10-20 10:00", close="2025-10-21 10:00")
    # November: c3 supervised (counts in November and in the year, not in October).
    act(leader, cases["c3"], "2025-11-03 10:00", "escalate", note="超期未回应")
    return cases


def recount_from_the_audit_log(start: datetime, end: datetime) -> dict[tuple[str, str], list[int]]:
    """(section code, item) → audit event ids, counted here by hand from the event rows alone."""
    found: dict[tuple[str, str], list[int]] = defaultdict(list)
    last_close: dict[int, AlertEvent] = {}
    overdue_cases: set[int] = set()
    with session_scope() as session:
        rows = session.execute(
            select(AlertEvent, Alert)
            .join(Alert, Alert.id == AlertEvent.alert_id)
            .where(AlertEvent.at >= start, AlertEvent.at < end)
            .order_by(AlertEvent.id)
        ).all()
        for event, alert in rows:
            assert alert.section is not None
            section = alert.section.code
            if event.action == "acknowledge" and event.data["late"]:
                found[(section, "late_ack")].append(event.id)
            elif event.action == "overdue" and event.data["deadline"] in ("response", "close"):
                if alert.id not in overdue_cases:
                    overdue_cases.add(alert.id)
                    found[(section, "overdue")].append(event.id)
            elif event.action == "escalate":
                found[(section, "escalated")].append(event.id)
            elif event.action == "reopen":
                found[(section, "reopened")].append(event.id)
            elif event.action == "follow_up" and event.data["satisfaction"] == "不满意":
                found[(section, "dissatisfied")].append(event.id)
            elif event.action == "close":
                last_close[alert.id] = event
        for alert_id, event in last_close.items():
            if not event.data["late"]:
                closed = session.get(Alert, alert_id)
                assert closed is not None and closed.section is not None
                found[(closed.section.code, "on_time_close")].append(event.id)
    return {key: sorted(ids) for key, ids in found.items()}


def sheet_evidence(sheets: dict[str, Any]) -> dict[tuple[str, str], list[int]]:
    return {
        (sheet["section"]["code"], item["key"]): sorted(e["event_id"] for e in item["evidence"])
        for sheet in sheets["sheets"]
        for item in sheet["items"]
        if item["evidence"]
    }


def totals(sheets: dict[str, Any]) -> dict[str, float]:
    return {sheet["section"]["code"]: sheet["total"] for sheet in sheets["sheets"]}


def test_a_policy_from_the_admin_page_gives_sheets_recounted_from_the_audit_log(
    client: TestClient, desk: Callable[[str, str], Desk]
) -> None:
    make_user("production-head", "head", "production")
    cases = build_october(desk)
    leader = desk("leader", "2025-11-03 11:00")

    sign_in(client, "admin")
    saved = client.post("/admin/scoring", data={**POLICY_FORM, "csrf": csrf_of(client.get("/admin/scoring").text)})
    assert saved.status_code == 200 and "第 1 版" in saved.text
    october = leader.call("GET", "/api/scoring/sheets", params={"period": "2025-10"})
    assert october["policy_version"] == 1 and october["status"] == "draft"

    # Recounted from the audit log alone, the sheet has the same evidence, item by item.
    assert sheet_evidence(october) == recount_from_the_audit_log(local("2025-10-01 00:00"), local("2025-11-01 00:00"))
    items = {s["section"]["code"]: {i["key"]: i for i in s["items"]} for s in october["sheets"]}
    production, quality = items["production"], items["quality"]
    # And as counted from the story above: c1 late sign-for; c2 supervised, sent back after 不满意;
    # c1 and c4 closed on time (c2's last close was late); c3 overdue once, however many deadlines.
    assert [e["alert_id"] for e in production["late_ack"]["evidence"]] == [cases["c1"]]
    assert [e["alert_id"] for e in production["escalated"]["evidence"]] == [cases["c2"]]
    assert [e["alert_id"] for e in production["reopened"]["evidence"]] == [cases["c2"]]
    assert [e["alert_id"] for e in production["dissatisfied"]["evidence"]] == [cases["c2"]]
    assert sorted(e["alert_id"] for e in production["on_time_close"]["evidence"]) == [cases["c1"], cases["c4"]]
    assert production["on_time_close"]["points"] == 1 and production["on_time_close"]["capped"] is True
    assert [e["alert_id"] for e in quality["overdue"]["evidence"]] == [cases["c3"]]
    assert quality["escalated"]["count"] == 0  # supervised in November
    assert totals(october) == {"office": 100, "production": 100 - 2 - 3 - 4 - 2 + 1, "epidemic": 100,
                               "quality": 95, "vetstation": 100}  # fmt: skip

    # Every point leads to its case and to the event in the case's log.
    for sheet in october["sheets"]:
        for item in sheet["items"]:
            for evidence in item["evidence"]:
                assert client.get(evidence["url"]).status_code == 200
                logged = leader.call("GET", f"/api/alerts/{evidence['alert_id']}")["events"]
                assert evidence["event_id"] in [e["id"] for e in logged]
    sign_in(client, "leader")
    page = client.get("/scoring", params={"period": "2025-10"}).text
    assert f'href="/alerts/{cases["c1"]}"' in page and "签收超时" in page

    # Publishing freezes October; a new policy version changes only what is not published.
    leader.call("POST", "/api/scoring/periods/2025-11/publish", 409)  # not over yet
    published = leader.call("POST", "/api/scoring/periods/2025-10/publish")
    assert published["status"] == "published" and totals(published) == totals(october)
    leader.call("POST", "/api/scoring/periods/2025-10/publish", 409)
    admin = desk("admin", "2025-11-03 12:00")
    body = {
        "base": 100,
        "floor": 0,
        "items": {"late_ack": {"points": 10}, "escalated": {"points": 3}, "overdue": {"points": 5}},
    }
    assert admin.call("PUT", "/api/scoring/policy", json=body)["version"] == 2
    leader.at("2025-11-03 12:05")
    frozen = leader.call("GET", "/api/scoring/sheets", params={"period": "2025-10"})
    assert frozen["policy_version"] == 1 and totals(frozen) == totals(october)
    year = leader.call("GET", "/api/scoring/sheets", params={"period": "2025"})
    assert year["policy_version"] == 2
    assert totals(year)["production"] == 100 - 10 - 3 and totals(year)["quality"] == 100 - 5 - 3
    assert leader.call("GET", "/api/scoring/policy/versions")[0]["version"] == 2

    # A section head sees the own section's sheet only; staff see none.
    head = desk("production-head", "2025-11-03 12:10").call("GET", "/api/scoring/sheets", params={"period": "2025-10"})
    assert [s["section"]["code"] for s in head["sheets"]] == ["production"]
    desk("production-staff", "2025-11-03 12:10").call("GET", "/api/scoring/sheets", 403, params={"period": "2025-10"})

    check_exports(client, cases)


def check_exports(client: TestClient, cases: dict[str, int]) -> None:
    sign_in(client, "leader")
    xlsx = client.get("/scoring/export.xlsx", params={"period": "2025-10"})
    book = load_workbook(io.BytesIO(xlsx.content))
    summary = [[cell.value for cell in line] for line in book["得分汇总"].iter_rows(min_row=4)]
    production = next(r for r in summary if r[0] == "畜牧生产科")
    assert production[-1] == "90" and production[2] == "2（1次）"
    details = [[cell.value for cell in line] for line in book["赋分明细"].iter_rows(min_row=2)]
    assert ["畜牧生产科", "签收超时", "-2", f"#{cases['c1']}"] == details[0][:4]
    assert all(str(line[-1]).endswith(f"/alerts/{str(line[3])[1:]}") for line in details)
    docx = Document(io.BytesIO(client.get("/scoring/export.docx", params={"period": "2025-10"}).content))
    assert millimetres(docx.sections[0].page_width) == 210 and millimetres(docx.sections[0].left_margin) == 28
    summary_table = docx.tables[0]
    assert [c.text for c in summary_table.rows[0].cells] == ["科室", "基础分", "扣分", "加分", "得分"]
    rows = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in summary_table.rows[1:]}
    assert rows["畜牧生产科"] == ["100", "11", "1", "90"] and rows["畜产品质量安全科"] == ["100", "5", "0", "95"]


def test_a_case_title_with_control_characters_exports_in_both_sheets(
    client: TestClient, desk: Callable[[str, str], Desk]
) -> None:
    bad = "\x00\x01\x0b\x1f"  # as a crawl may bring them (NUL is dropped when stored)
    duty = desk("duty", "2025-10-09 09:00")
    alert_id = make_alert(title=f"石桥镇{bad}养猪场污水直排", category="pollution")
    act(duty, alert_id, "2025-10-13 10:00", "acknowledge")  # after its deadline: a late sign-for
    desk("leader", "2025-11-03 12:00")
    sign_in(client, "leader")
    xlsx = client.get("/scoring/export.xlsx", params={"period": "2025-10"})
    assert xlsx.status_code == 200
    details = load_workbook(io.BytesIO(xlsx.content))["赋分明细"]
    titles = [line[4] for line in details.iter_rows(min_row=2, values_only=True)]
    assert titles == ["石桥镇\n养猪场污水直排"], titles  # the vertical tab kept as the line break it stood for
    docx = client.get("/scoring/export.docx", params={"period": "2025-10"})
    assert docx.status_code == 200
    cells = [c.text for table in Document(io.BytesIO(docx.content)).tables for r in table.rows for c in r.cells]
    assert "石桥镇\n养猪场污水直排" in cells
