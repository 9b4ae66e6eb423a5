"""Raising alerts and moving them through the lifecycle, on each database backend."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import select

from alerts.flows import raise_alert, transition
from alerts.lifecycle import TRANSITIONS, Status
from alerts.models import Alert, AlertEvent
from alerts.schemas import ResponseInput
from core.db import session_scope
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.models import User
from tests.factories import make_alert, make_post, make_user

ROLES = {
    "duty": ("duty", None),
    "leader": ("leader", None),
    "admin": ("admin", None),
    "staff": ("staff", "production"),
    "head": ("head", "production"),
}


@pytest.fixture
def users(seeded: str) -> dict[str, int]:
    return {name: make_user(name, role, section) for name, (role, section) in ROLES.items()}


def act(alert_id: int, username: str, action: str, **kwargs: object) -> Alert:
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        actor = session.scalar(select(User).where(User.username == username))
        assert alert is not None and actor is not None
        return transition(session, alert=alert, actor=actor, action=action, **kwargs)  # type: ignore[arg-type]


def test_raise_routes_by_category_and_sets_deadlines(seeded: str) -> None:
    alert_id = make_alert(category="slaughter")
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        assert alert.section is not None and alert.section.code == "quality"
        assert "屠宰管理" in alert.routing_reason
        assert alert.status == Status.new
        assert alert.ack_due is not None and alert.close_due is not None and alert.ack_due < alert.close_due
        assert [e.action for e in alert.events] == ["raise"]


def test_raise_is_idempotent_and_skips_posts_needing_no_answer(seeded: str) -> None:
    alert_id = make_alert()
    quiet = make_post(title="区里开展防疫培训", category="epidemic", needs_response=False)
    with session_scope() as session:
        post_id = session.get(Alert, alert_id).posts[0].id  # type: ignore[union-attr]
        assert raise_alert(session, post_id=post_id).id == alert_id  # type: ignore[union-attr]
        assert raise_alert(session, post_id=quiet) is None
        assert session.scalar(select(Alert).where(Alert.id != alert_id)) is None


def test_full_case_writes_an_audit_event_per_step(users: dict[str, int]) -> None:
    alert_id = make_alert()
    act(alert_id, "duty", "acknowledge")
    act(alert_id, "duty", "assign")
    act(alert_id, "staff", "start")
    act(alert_id, "staff", "respond", response=ResponseInput(content="已责令养殖场整改", channel="board_reply"))
    alert = act(alert_id, "head", "close")
    assert alert.status == Status.closed
    with session_scope() as session:
        events = session.scalars(
            select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)
        ).all()
        assert [(e.action, e.from_status, e.to_status) for e in events] == [
            ("raise", None, "new"),
            ("acknowledge", "new", "acknowledged"),
            ("assign", "acknowledged", "assigned"),
            ("start", "assigned", "in_progress"),
            ("respond", "in_progress", "responded"),
            ("close", "responded", "closed"),
        ]
        assert all(e.actor_id is not None for e in events[1:])


def _drive_to(alert_id: int, status: Status) -> None:
    path: dict[Status, list[tuple[str, str, dict[str, Any]]]] = {
        Status.new: [],
        Status.acknowledged: [("duty", "acknowledge", {})],
        Status.assigned: [("duty", "acknowledge", {}), ("duty", "assign", {})],
        Status.in_progress: [("duty", "acknowledge", {}), ("duty", "assign", {}), ("staff", "start", {})],
        Status.responded: [
            ("duty", "acknowledge", {}),
            ("duty", "assign", {}),
            ("staff", "start", {}),
            ("staff", "respond", {"response": ResponseInput(content="已回复")}),
        ],
        Status.closed: [
            ("duty", "acknowledge", {}),
            ("duty", "assign", {}),
            ("staff", "start", {}),
            ("staff", "respond", {"response": ResponseInput(content="已回复")}),
            ("head", "close", {}),
        ],
        Status.dismissed: [("duty", "dismiss", {"note": "重复帖"})],
    }
    for user, action, kwargs in path[status]:
        act(alert_id, user, action, **kwargs)


FULL_INPUT = {"note": "说明", "response": ResponseInput(content="回应内容")}


@pytest.mark.parametrize(("status", "action"), list(itertools.product(list(Status), list(TRANSITIONS))))
def test_transition_table_is_enforced_for_every_state_and_role(
    users: dict[str, int], status: Status, action: str
) -> None:
    spec = TRANSITIONS[action]
    alert_id = make_alert()
    _drive_to(alert_id, status)
    # Refusals change nothing, so every role tries the same alert; one allowed role moves it at the end.
    allowed = [role for role in ROLES if role in spec.roles] if status in spec.sources else []
    for role in ROLES:
        if role in allowed:
            continue
        error = PermissionDenied if role not in spec.roles else Conflict
        with pytest.raises(error):
            act(alert_id, role, action, **FULL_INPUT)
        with session_scope() as session:
            assert session.get(Alert, alert_id).status == status  # type: ignore[union-attr]
    for role in allowed:
        fresh = make_alert()
        _drive_to(fresh, status)
        assert act(fresh, role, action, **FULL_INPUT).status == spec.target


def test_required_fields_are_named(users: dict[str, int]) -> None:
    alert_id = make_alert()
    with pytest.raises(InvalidInput) as error:
        act(alert_id, "duty", "dismiss", note="  ")
    assert error.value.details == {"field": "note"}
    _drive_to(alert_id, Status.in_progress)
    with pytest.raises(InvalidInput) as error:
        act(alert_id, "staff", "respond")
    assert error.value.details == {"field": "response"}


def test_section_staff_cannot_act_on_another_sections_alert(users: dict[str, int]) -> None:
    make_user("quality-staff", "staff", "quality")
    alert_id = make_alert(category="pollution")
    _drive_to(alert_id, Status.assigned)
    with pytest.raises(NotFound):
        act(alert_id, "quality-staff", "start")
