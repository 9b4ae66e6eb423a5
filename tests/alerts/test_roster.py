"""The duty roster: who is on duty, rotations with holiday shifts, handovers; new alerts go to the officer on duty."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from alerts.cases.models import Alert
from alerts.roster import service as roster
from alerts.sla.service import work_calendar
from core.db import session_scope
from core.errors import Conflict, InvalidInput
from core.models import User
from core.timeutil import utcnow
from tests.factories import make_alert, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def officers(seeded: str) -> dict[str, int]:
    names = {"zhang": "duty", "li": "duty", "wang": "duty", "chen": "leader", "staff": "staff"}
    return {name: make_user(name, role, "production" if role == "staff" else None) for name, role in names.items()}


def test_new_alerts_go_to_whoever_is_on_duty(officers: dict[str, int]) -> None:
    now = utcnow()
    with session_scope() as session:
        roster.save_shift(
            session,
            starts_at=now - timedelta(hours=2),
            ends_at=now + timedelta(hours=6),
            user_id=officers["zhang"],
            backup_user_id=officers["li"],
        )
    alert_id = make_alert()
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None and alert.duty_user_id == officers["zhang"]
        assert alert.events[0].data["duty_user_id"] == officers["zhang"]
        # When the officer is away (account disabled), the backup takes the shift.
        zhang = session.get(User, officers["zhang"])
        assert zhang is not None
        zhang.active = False
    with session_scope() as session:
        duty = roster.on_duty(session)
        assert duty.user is not None and duty.user.id == officers["li"] and duty.backup is None


def test_nobody_on_duty_leaves_the_alert_to_every_duty_officer(officers: dict[str, int]) -> None:
    alert_id = make_alert()
    with session_scope() as session:
        assert session.get(Alert, alert_id).duty_user_id is None  # type: ignore[union-attr]
        assert roster.on_duty(session).shift is None


def test_a_rotation_marks_holiday_shifts_and_gives_them_a_leader(officers: dict[str, int]) -> None:
    with session_scope() as session:
        shifts = roster.generate_rotation(
            session,
            start=date(2025, 9, 27),
            days=16,
            user_ids=[officers["zhang"], officers["li"], officers["wang"]],
            backup_user_ids=[officers["li"]],
            holiday_leader_ids=[officers["chen"]],
            handover_at=time(8, 30),
            calendar=work_calendar(session),
        )
        by_day = {s.starts_at.astimezone(SHANGHAI).date(): s for s in shifts}
        assert by_day[date(2025, 9, 27)].kind == "holiday"  # an ordinary Saturday
        assert by_day[date(2025, 9, 28)].kind == "regular"  # the make-up Sunday is worked
        assert by_day[date(2025, 10, 1)].kind == "holiday" and by_day[date(2025, 10, 1)].leader_id == officers["chen"]
        assert "国庆节" in by_day[date(2025, 10, 3)].note
        assert by_day[date(2025, 10, 11)].kind == "regular"
        assert all(s.backup_user_id != s.user_id for s in shifts)
        assert [s.user_id for s in shifts[:4]] == [
            officers["zhang"],
            officers["li"],
            officers["wang"],
            officers["zhang"],
        ]
        moment = datetime(2025, 10, 2, 3, 0, tzinfo=SHANGHAI)  # before the 08:30 handover: still 1 Oct's shift
        assert roster.on_duty(session, at=moment).shift == by_day[date(2025, 10, 1)]
    with pytest.raises(Conflict), session_scope() as session:
        roster.generate_rotation(
            session,
            start=date(2025, 10, 5),
            days=2,
            user_ids=[officers["zhang"]],
            handover_at=time(8, 30),
            calendar=work_calendar(session),
        )


def test_shift_validation(officers: dict[str, int]) -> None:
    now = utcnow()
    cases = [
        ({"starts_at": now, "ends_at": now - timedelta(hours=1), "user_id": officers["zhang"]}, "ends_at"),
        ({"starts_at": now, "ends_at": now + timedelta(hours=1), "user_id": officers["staff"]}, "user_id"),
        (
            {
                "starts_at": now,
                "ends_at": now + timedelta(hours=1),
                "user_id": officers["zhang"],
                "backup_user_id": officers["zhang"],
            },
            "backup_user_id",
        ),
    ]
    for fields, field in cases:
        with pytest.raises(InvalidInput) as error, session_scope() as session:
            roster.save_shift(session, **fields)  # type: ignore[arg-type]
        assert error.value.details["field"] == field


def test_handover_records_the_open_cases_and_the_next_officer(officers: dict[str, int]) -> None:
    now = utcnow()
    with session_scope() as session:
        roster.save_shift(
            session, starts_at=now - timedelta(hours=8), ends_at=now + timedelta(minutes=5), user_id=officers["zhang"]
        )
        roster.save_shift(
            session, starts_at=now + timedelta(minutes=5), ends_at=now + timedelta(hours=24), user_id=officers["li"]
        )
    first, second = make_alert(), make_alert(title="另一起投诉")
    with session_scope() as session:
        zhang = session.get(User, officers["zhang"])
        assert zhang is not None
        handover = roster.hand_over(session, from_user=zhang, note="柳河镇养猪场投诉待回访，注意跟进")
        assert handover.to_user_id == officers["li"] and handover.open_alert_ids == [first, second]
        handover_id = handover.id
    with session_scope() as session:
        wang = session.scalar(select(User).where(User.username == "wang"))
        assert wang is not None
        with pytest.raises(Conflict):
            roster.receive_handover(session, handover_id=handover_id, user=wang)
        li = session.get(User, officers["li"])
        assert li is not None
        assert roster.receive_handover(session, handover_id=handover_id, user=li).received_at is not None
