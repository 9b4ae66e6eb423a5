"""Test data builders (real rows through the real services)."""

from __future__ import annotations

from sqlalchemy import delete, select

from alerts.flows import raise_alert
from alerts.models import Alert
from core.db import session_scope
from core.models import Analysis, OutboxEvent, User
from core.service import create_user, store_post

PASSWORD = "correct horse battery"


def make_user(username: str, role: str, section: str | None = None) -> int:
    """Create a user with the test password; returns its id."""
    with session_scope() as session:
        return create_user(session, username=username, password=PASSWORD, role=role, section_code=section).id


def make_post(
    *,
    title: str,
    category: str = "pollution",
    severity: str = "一般",
    needs_response: bool = True,
    url: str | None = None,
) -> int:
    """Store a post with the given analysis; returns the post id.

    The post's queued analysis is removed, so the labels given here are the ones the alert layer sees.
    """
    with session_scope() as session:
        stored = store_post(session, url=url, title=title, content=f"{title}，请有关部门处理。")
        if not stored.created:
            raise ValueError(
                f"make_post: {title!r} was stored before (post {stored.post.id}); give each post its own text"
            )
        session.execute(delete(OutboxEvent).where(OutboxEvent.payload["post_id"].as_integer() == stored.post.id))
        session.add(
            Analysis(
                post=stored.post,
                model_version="test",
                relevant=category != "other",
                category=category,
                needs_response=needs_response,
                severity=severity,
                sentiment="negative",
                score=0.9,
                reasons=[{"term": "养猪场", "weight": 1.0}],
                entities={},
            )
        )
        return stored.post.id


def make_alert(
    *, title: str = "村旁养猪场臭气熏天", category: str = "pollution", severity: str = "一般", url: str | None = None
) -> int:
    """Store an analysed post that needs a response and raise its alert; returns the alert id."""
    post_id = make_post(title=title, category=category, severity=severity, url=url)
    with session_scope() as session:
        alert = raise_alert(session, post_id=post_id)
        assert alert is not None
        return alert.id


def get_user(username: str) -> User:
    """A user row (detached)."""
    with session_scope() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        return user


def get_alert(alert_id: int) -> Alert:
    """An alert row (detached)."""
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        return alert
