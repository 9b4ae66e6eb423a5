"""Every action × state × role of the transition table, on each database backend.

One case is driven to each state; every (action, role) pair is then tried on it inside a savepoint that is
rolled back, so each attempt sees the same case.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.cases.flows import transition
from alerts.cases.lifecycle import TRANSITIONS, Status, allowed_actions
from alerts.cases.models import Alert, AlertEvent, Response
from alerts.cases.schemas import ResponseInput
from core.db import session_scope
from core.errors import Conflict, MuqingError, PermissionDenied
from core.models import User
from tests.alerts.helpers import ROLES, act, drive_to
from tests.factories import make_alert, make_user

HANDLING = (Status.assigned, Status.in_progress)


@pytest.fixture
def users(seeded: str) -> dict[str, int]:
    return {name: make_user(name, role, section) for name, (role, section) in ROLES.items()}


def full_input(action: str, other_alert_id: int) -> dict[str, Any]:
    """Every field an action may need, so only the table decides."""
    given: dict[str, Any] = {
        "note": "说明",
        "response": ResponseInput(content="回应内容"),
        "severity": "重大",
        "satisfaction": "满意",
    }
    if action == "merge":
        given["target_alert_id"] = other_alert_id
    return given


def set_up_pending(session: Session, alert: Alert, people: dict[str, User], action: str, status: Status) -> None:
    """Give the case what ``action`` needs besides its state: a response to sign off, an extension, a flag."""
    if action in ("sign_off", "reject_response") and status == Status.responded:
        session.add(Response(alert=alert, content="拟稿", status="pending_sign_off"))
        session.flush()
    if action in ("approve_extension", "refuse_extension") and status in HANDLING:
        transition(session, alert=alert, actor=people["staff"], action="request_extension", note="等检测")
    if action == "clear_escalation":
        alert.escalated = True


@pytest.mark.parametrize("status", list(Status))
def test_transition_table_is_enforced_for_every_action_and_role(users: dict[str, int], status: Status) -> None:
    alert_id = make_alert()
    other = make_alert(title="另一条同类帖子")
    drive_to(alert_id, status, merge_into=make_alert(title="合并目标") if status == Status.merged else None)
    mistakes: list[str] = []
    with session_scope() as session:
        people = {name: session.scalar(select(User).where(User.username == name)) for name in ROLES}
        for action, spec in TRANSITIONS.items():
            for role, actor in people.items():
                assert actor is not None
                allowed = role in spec.roles and status in spec.sources
                if allowed != (action in allowed_actions(status=status, role=role)):
                    mistakes.append(f"{action}/{role}: allowed_actions disagrees with the table")
                savepoint = session.begin_nested()
                try:
                    alert = session.get(Alert, alert_id)
                    assert alert is not None
                    set_up_pending(session, alert, people, action, status)  # type: ignore[arg-type]
                    events = session.scalar(select(AlertEvent.id).order_by(AlertEvent.id.desc()).limit(1))
                    outcome = _attempt(session, alert, actor, action, full_input(action, other))
                    if not allowed:
                        expected = PermissionDenied if role not in spec.roles else Conflict
                        if not isinstance(outcome, expected):
                            mistakes.append(f"{action}/{role}: expected {expected.__name__}, got {outcome!r}")
                        latest = session.scalar(select(AlertEvent.id).order_by(AlertEvent.id.desc()).limit(1))
                        if alert.status != status or latest != events:
                            mistakes.append(f"{action}/{role}: a refused action changed the case")
                        continue
                    if outcome is not None:
                        mistakes.append(f"{action}/{role}: refused with {outcome!r}")
                        continue
                    target = spec.target or status
                    last = session.scalar(
                        select(AlertEvent)
                        .where(AlertEvent.alert_id == alert.id)
                        .order_by(AlertEvent.id.desc())
                        .limit(1)
                    )
                    assert last is not None
                    if alert.status != target or (last.action, last.from_status, last.to_status) != (
                        action,
                        status.value,
                        target.value,
                    ):
                        mistakes.append(f"{action}/{role}: ended {alert.status}, logged {last.action}")
                finally:
                    savepoint.rollback()
                    session.expire_all()
    assert mistakes == [], "\n".join(mistakes)


def _attempt(session: Session, alert: Alert, actor: User, action: str, given: dict[str, Any]) -> MuqingError | None:
    try:
        transition(session, alert=alert, actor=actor, action=action, **given)
    except MuqingError as error:
        return error
    return None


def test_the_table_names_every_action_once_with_a_label() -> None:
    assert len({t.label for t in TRANSITIONS.values()}) == len(TRANSITIONS)
    for spec in TRANSITIONS.values():
        assert spec.roles and spec.sources


def test_buttons_follow_pending_items(users: dict[str, int]) -> None:
    alert_id = make_alert(severity="较大")
    drive_to(alert_id, Status.in_progress)
    act(alert_id, "staff", "request_extension", note="等检测")
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        head = allowed_actions(status=alert.status, role="head", alert=alert)
        assert {"approve_extension", "refuse_extension"} <= set(head)
        assert "request_extension" not in allowed_actions(status=alert.status, role="staff", alert=alert)
    act(alert_id, "head", "approve_extension")
    act(alert_id, "staff", "respond", response=ResponseInput(content="拟稿"))
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        assert {"sign_off", "reject_response"} <= set(allowed_actions(status=alert.status, role="head", alert=alert))
    act(alert_id, "head", "sign_off")
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        assert "sign_off" not in allowed_actions(status=alert.status, role="head", alert=alert)
