"""The audit log: every change to a case is one append-only event, and events are what notifications follow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from alerts.cases.models import Alert, AlertEvent
from core.models import User
from core.timeutil import utcnow

EventListener = Callable[[Session, AlertEvent], object]
_listeners: list[EventListener] = []


def on_event(listener: EventListener) -> EventListener:
    """Register ``listener`` to run for every recorded event, in the same transaction (e.g. notifications)."""
    _listeners.append(listener)
    return listener


def _load_listeners() -> None:
    # Notifications listen to every event; importing them here means no code path can forget them.
    import alerts.notify.service  # noqa: F401


def record_event(
    session: Session,
    *,
    alert: Alert,
    action: str,
    actor: User | None,
    from_status: str | None,
    to_status: str | None,
    note: str = "",
    data: dict[str, Any] | None = None,
    notify: bool = True,
    at: datetime | None = None,
) -> AlertEvent:
    """Append one audit event (who, when, from, to, why) and let the listeners react to it."""
    if alert.id is None:
        session.flush()
    # By id, not through ``alert.events``: appending to that collection would load a busy case's whole log.
    event = AlertEvent(
        alert_id=alert.id,
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
        at=at or utcnow(),
    )
    session.add(event)
    session.flush()
    session.expire(alert, ["events"])
    _load_listeners()
    if notify:
        for listener in _listeners:
            listener(session, event)
    return event
