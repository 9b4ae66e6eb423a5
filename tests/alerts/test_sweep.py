"""The reminder and escalation sweep: each stage once, to the right people, quiet hours for ordinary cases."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import alerts.sweep
from alerts.cases import audit
from alerts.cases.models import Alert, AlertEvent
from alerts.notify.models import InboxItem, ReminderSent
from alerts.sweep import sweep
from alerts.tasks import sweep as sweep_job
from core.db import reading, session_scope
from tests.alerts.helpers import ROLES, act
from tests.factories import make_alert, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def users(seeded: str) -> dict[str, int]:
    return {name: make_user(name, role, section) for name, (role, section) in ROLES.items()}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def opened(alert_id: int, when: str) -> None:
    """Move a case's opening (and so its deadlines) to ``when``."""
    from alerts.sla.deadlines import apply_deadlines

    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        alert.opened_at = at(when)
        apply_deadlines(session, alert=alert)


def run(when: str) -> int:
    with session_scope() as session:
        return sweep(session, now=at(when))


def stages(alert_id: int) -> list[tuple[str, str]]:
    with session_scope() as session:
        events = session.scalars(
            select(AlertEvent)
            .where(AlertEvent.alert_id == alert_id, AlertEvent.action.in_(["remind", "due", "overdue"]))
            .order_by(AlertEvent.id)
        )
        return [(e.data["deadline"], e.action) for e in events]


def inbox_kinds(user_id: int) -> list[str]:
    with session_scope() as session:
        items = session.scalars(select(InboxItem).where(InboxItem.user_id == user_id).order_by(InboxItem.id))
        return [i.notification.kind for i in items]


def test_major_case_reminders_go_once_each_to_the_right_people_day_and_night(users: dict[str, int]) -> None:
    alert_id = make_alert(severity="重大")
    opened(alert_id, "2025-10-02 23:00")  # ack due 23:30 (30 min), reminded at half-time, 15 min grace
    assert run("2025-10-02 23:10") == 0
    assert run("2025-10-02 23:16") == 1
    assert run("2025-10-02 23:17") == 0  # never the same reminder twice
    assert stages(alert_id) == [("ack", "remind")]
    assert inbox_kinds(users["duty"])[-1] == "alert.reminder"
    assert run("2025-10-02 23:31") == 1
    assert inbox_kinds(users["head"])[-1] == "alert.due"
    assert run("2025-10-02 23:46") == 1
    assert inbox_kinds(users["leader"])[-1] == "alert.overdue"
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None and alert.escalated  # overdue cases are supervised (督办)
    assert run("2025-10-02 23:50") == 0
    assert stages(alert_id) == [("ack", "remind"), ("ack", "due"), ("ack", "overdue")]


def test_ordinary_cases_wait_for_the_end_of_quiet_hours_and_for_a_working_day(users: dict[str, int]) -> None:
    alert_id = make_alert(severity="一般")
    act(alert_id, "duty", "acknowledge")
    # Opened Mon 29 Sep 2025 09:00: response due Fri 10 Oct 17:30, close due Mon 13 Oct 17:30 (National Day
    # break 1–8 Oct, Saturday 11 Oct worked). 75 % of the response time is reached on 7 Oct 21:22.
    opened(alert_id, "2025-09-29 09:00")
    assert run("2025-10-07 21:30") == 0  # a holiday night
    assert run("2025-10-08 10:00") == 0  # still a holiday
    assert run("2025-10-09 08:05") == 1  # the first working morning
    assert run("2025-10-10 03:30") == 0  # 75 % of the close time passed at 03:22, but it is night
    assert run("2025-10-10 08:01") == 1
    assert run("2025-10-10 17:40") == 1  # response due: the head hears of it
    assert run("2025-10-10 22:00") == 0  # overdue since 21:30 (4 h grace), but quiet
    assert run("2025-10-11 08:01") == 1  # the make-up Saturday is a working day
    assert stages(alert_id) == [
        ("response", "remind"),
        ("close", "remind"),
        ("response", "due"),
        ("response", "overdue"),
    ]


def test_a_met_deadline_stops_its_reminders_and_an_extension_brings_new_ones(users: dict[str, int]) -> None:
    alert_id = make_alert(severity="较大")
    opened(alert_id, "2025-09-29 09:00")  # ack 2 working hours: 11:00; response 24 h; close 48 h
    act(alert_id, "duty", "acknowledge")
    act(alert_id, "duty", "assign")
    act(alert_id, "staff", "start")
    assert run("2025-09-29 11:30") == 0  # sign-for was done: nothing about it
    assert run("2025-09-30 04:00") == 1  # 75 % of the 24 h to respond: the assignee is reminded
    assert inbox_kinds(users["staff"])[-1] == "alert.reminder"
    act(
        alert_id,
        "staff",
        "request_extension",
        note="等检测结果",
        extension={"deadline": "response", "amount": 12, "unit": "hours"},
    )
    act(alert_id, "head", "approve_extension")
    assert run("2025-09-30 09:30") == 0  # the old deadline (09:00) no longer applies
    # 21:00 is the new response deadline; 36 of the 48 hours to close have passed too.
    assert run("2025-09-30 21:01") == 2
    assert stages(alert_id) == [("response", "remind"), ("response", "due"), ("close", "remind")]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_scheduled_sweep_commits_case_by_case_chunks_so_others_need_not_wait_for_all_cases(
    users: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alerts.sweep, "SWEEP_CHUNK", 1)
    titles = ["村旁养猪场臭气熏天", "镇上私屠滥宰无人管", "超市猪肉疑似注水"]
    categories = ["pollution", "slaughter", "product_safety"]
    alert_ids = [
        make_alert(title=title, category=category, severity="重大")
        for title, category in zip(titles, categories, strict=True)
    ]
    for alert_id in alert_ids:
        opened(alert_id, "2025-10-02 23:00")
    seen: list[int] = []

    def on_reminder(session: Session, event: AlertEvent) -> None:
        if event.action == "remind" and event.alert_id == alert_ids[-1]:
            # A fresh connection, as a page would read: the earlier cases' reminders are already committed.
            with reading(), session_scope() as reader:
                seen.append(
                    reader.scalar(
                        select(func.count()).select_from(ReminderSent).where(ReminderSent.alert_id.in_(alert_ids[:-1]))
                    )
                    or 0
                )

    monkeypatch.setattr(audit, "_listeners", [*audit._listeners, on_reminder])
    with time_machine.travel(at("2025-10-02 23:16"), tick=False):
        fired = sweep_job()

    assert fired == 3
    assert seen == [2]
    assert all(stages(alert_id) == [("ack", "remind")] for alert_id in alert_ids)
