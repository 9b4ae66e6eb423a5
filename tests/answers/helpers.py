"""Cases with places and farms, walked through the real flows, for the answering tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from alerts.cases.flows import raise_alert, transition
from alerts.cases.models import Alert
from alerts.cases.schemas import ResponseInput
from core.db import session_scope
from core.models import User
from core.service import store_post
from tests.factories import label_post


def case(
    title: str,
    *,
    content: str = "",
    category: str = "pollution",
    severity: str = "一般",
    towns: tuple[str, ...] = (),
    villages: tuple[str, ...] = (),
    farms: tuple[str, ...] = (),
) -> int:
    """Raise a case from one post labelled with these places and farms; returns the alert id."""
    entities: dict[str, Any] = {
        "towns": list(towns),
        "places": [*towns, *villages],
        "villages": [f"{towns[0]}{v}" if towns else v for v in villages],
        "organisations": list(farms),
    }
    with session_scope() as session:
        stored = store_post(session, url=None, title=title, content=content or f"{title}，请有关部门尽快处理。")
        label_post(session, post=stored.post, category=category, severity=severity, entities=entities)
        session.flush()
        alert = raise_alert(session, post_id=stored.post.id)
        assert alert is not None
        return alert.id


def act(alert_id: int, username: str, action: str, **kwargs: Any) -> None:
    """Apply one lifecycle action as ``username``."""
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        actor = session.scalar(select(User).where(User.username == username))
        assert alert is not None and actor is not None
        transition(session, alert=alert, actor=actor, action=action, **kwargs)


def to_in_progress(alert_id: int, *, staff: str = "production-staff") -> None:
    """Sign for, assign and start a case."""
    act(alert_id, "duty", "acknowledge")
    act(alert_id, "duty", "assign")
    act(alert_id, staff, "start")


def close_with(alert_id: int, answer: str, *, satisfaction: str = "满意", section: str = "production") -> None:
    """Answer a case in progress, sign off what waits, close it and record the follow-up."""
    act(alert_id, f"{section}-staff", "respond", response=ResponseInput(content=answer, channel="board_reply"))
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        pending = alert is not None and alert.pending_response is not None
    if pending:
        act(alert_id, f"{section}-head", "sign_off", note="已核对")
    act(alert_id, f"{section}-head", "close")
    act(alert_id, "duty", "follow_up", satisfaction=satisfaction, note="当事人表示认可")
