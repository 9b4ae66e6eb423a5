"""From 1 January the office is reminded of last year's report until it is marked published (due 31 January):
on the register, report and dashboard pages, and through the notification inbox (clock pinned in 2027)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from alerts.tasks import sweep
from tests.disclosure.conftest import Desk
from tests.web.helpers import sign_in


def reminders(inbox: Desk) -> list[dict[str, object]]:
    items = inbox.call("GET", "/api/notifications", params={"limit": 100})["items"]
    return [item for item in items if item["kind"] == "disclosure.report_due"]


def test_the_annual_report_is_reminded_from_new_year_until_published(
    client: TestClient, desk: Callable[[str, str], Desk]
) -> None:
    office = desk("office-head", "2026-11-25 10:00")
    office.call(
        "POST",
        "/api/disclosure/requests",
        201,
        json={
            "applicant_type": "natural",
            "applicant_name": "甲",
            "received_via": "online",
            "information": "防疫物资采购结果",
            "received_at": "2026-11-02T09:00:00+08:00",
            "answered_at": "2026-11-20T09:00:00+08:00",
            "outcome": "disclosed",
        },
    )
    leader = desk("leader", "2026-12-31 18:00")
    sweep()
    assert reminders(leader) == []  # the year is not over yet

    leader.at("2027-01-02 07:30")
    sweep()
    assert reminders(leader) == []  # before the office opens
    leader.at("2027-01-02 09:00")
    sweep()
    sweep()  # once a day, however often the sweep runs
    first = reminders(leader)
    assert len(first) == 1
    assert first[0]["title"] == "【年报提醒】2026年政府信息公开工作年度报告"
    assert "法定发布期限为2027年1月31日，还有29天" in str(first[0]["body"])
    assert len(reminders(office.at("2027-01-02 09:05"))) == 1  # the office's head hears it too
    assert reminders(desk("production-staff", "2027-01-02 09:05")) == []

    sign_in(client, "office-staff")
    for page in ("/disclosure", "/disclosure/reports"):
        assert "年报提醒：</strong>2026年政府信息公开工作年度报告尚未发布" in client.get(page).text
    sign_in(client, "leader")
    assert "年报提醒" in client.get("/dashboard").text

    leader.at("2027-01-03 09:00")  # a Sunday, four weeks before the deadline: no new one
    sweep()
    leader.at("2027-01-04 09:00")  # Monday: weekly
    sweep()
    leader.at("2027-01-26 09:00")  # the last week: daily
    sweep()
    leader.at("2027-01-27 09:00")
    sweep()
    leader.at("2027-02-02 09:00")  # late: daily, and it says so
    sweep()
    late = reminders(leader)
    assert len(late) == 5
    assert "已超过法定发布期限（2027年1月31日）2天" in str(late[0]["body"])

    office.at("2027-02-02 10:00").call(
        "POST", "/api/disclosure/reports/2026/publish", json={"url": "https://example.org"}
    )
    leader.at("2027-02-03 09:00")
    sweep()
    assert len(reminders(leader)) == 5
    sign_in(client, "office-staff")
    assert "年报提醒" not in client.get("/disclosure").text
