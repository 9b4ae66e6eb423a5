"""Helpers for alert tests: act as a user, drive a case to a state."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from alerts.cases.flows import transition
from alerts.cases.lifecycle import Status
from alerts.cases.models import Alert, AlertEvent
from alerts.cases.schemas import ResponseInput
from alerts.notify.models import NotificationChannel
from core.db import session_scope
from core.models import User
from core.service import store_post
from tests.factories import label_post

ROLES = {
    "duty": ("duty", None),
    "leader": ("leader", None),
    "admin": ("admin", None),
    "staff": ("staff", "production"),
    "head": ("head", "production"),
}


def act(alert_id: int, username: str, action: str, **kwargs: Any) -> Alert:
    """Apply ``action`` on an alert as ``username`` in its own transaction."""
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        actor = session.scalar(select(User).where(User.username == username))
        assert alert is not None and actor is not None
        return transition(session, alert=alert, actor=actor, action=action, **kwargs)


def status_of(alert_id: int) -> str:
    """The alert's current state."""
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        return alert.status


def events_of(alert_id: int) -> list[tuple[str, str | None, str | None]]:
    """(action, from, to) of every audit event of an alert."""
    with session_scope() as session:
        rows = session.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id))
        return [(e.action, e.from_status, e.to_status) for e in rows]


def respond(alert_id: int) -> None:
    """Staff responds; where the policy wants sign-off, the head signs it off."""
    act(alert_id, "staff", "respond", response=ResponseInput(content="已回复群众"))
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        pending = alert is not None and alert.pending_response is not None
    if pending:
        act(alert_id, "head", "sign_off")


def drive_to(alert_id: int, status: Status, *, merge_into: int | None = None) -> None:
    """Move a fresh alert to ``status`` along the usual path."""
    if status == Status.new:
        return
    if status == Status.dismissed:
        act(alert_id, "duty", "dismiss", note="重复帖")
        return
    if status == Status.merged:
        assert merge_into is not None
        act(alert_id, "duty", "merge", target_alert_id=merge_into, note="同一事项")
        return
    act(alert_id, "duty", "acknowledge")
    if status == Status.acknowledged:
        return
    act(alert_id, "duty", "assign")
    if status == Status.assigned:
        return
    act(alert_id, "staff", "start")
    if status == Status.in_progress:
        return
    respond(alert_id)
    if status == Status.responded:
        return
    act(alert_id, "head", "close")
    assert status == Status.closed


def add_channel(name: str, kind: str, config: dict[str, Any], **fields: Any) -> int:
    """Add a notification channel; returns its id."""
    with session_scope() as session:
        channel = NotificationChannel(name=name, kind=kind, config=config, **fields)
        session.add(channel)
        session.flush()
        return channel.id


FARM = {"places": ["柳河镇", "前进村"], "towns": ["柳河镇"], "organisations": ["兴旺生猪养殖场"]}


def analysed_post(
    title: str,
    content: str,
    *,
    category: str = "pollution",
    severity: str = "一般",
    entities: dict[str, Any] | None = None,
    reposts: int | None = None,
) -> int:
    """Store a post with the given analysis (its own queued analysis removed); returns the post id."""
    with session_scope() as session:
        stored = store_post(session, url=None, title=title, content=content, engagement={"reposts": reposts})
        label_post(session, post=stored.post, category=category, severity=severity, entities=entities)
        return stored.post.id
