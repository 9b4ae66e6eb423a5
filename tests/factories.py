"""Test data builders (real rows through the real services)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from alerts.cases.flows import raise_alert
from alerts.cases.models import Alert
from core.db import session_scope
from core.models import Analysis, OutboxEvent, Post, User
from core.service import create_user, store_post

PASSWORD = "correct horse battery"


def make_user(username: str, role: str, section: str | None = None) -> int:
    """Create a user with the test password; returns its id."""
    with session_scope() as session:
        return create_user(session, username=username, password=PASSWORD, role=role, section_code=section).id


def label_post(
    session: Session,
    *,
    post: Post,
    category: str,
    severity: str = "一般",
    needs_response: bool = True,
    relevant: bool = True,
    sentiment: str = "negative",
    reasons: list[dict[str, Any]] | None = None,
    entities: dict[str, Any] | None = None,
) -> None:
    """Give a just-stored post these labels instead of the classifier's: its queued analysis is dropped."""
    session.execute(delete(OutboxEvent).where(OutboxEvent.payload["post_id"].as_integer() == post.id))
    session.add(
        Analysis(
            post=post,
            model_version="test",
            relevant=relevant,
            category=category,
            needs_response=needs_response,
            severity=severity,
            sentiment=sentiment,
            score=0.9,
            reasons=reasons or [],
            entities=entities or {},
        )
    )


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
        label_post(
            session,
            post=stored.post,
            category=category,
            severity=severity,
            needs_response=needs_response,
            relevant=category != "other",
            reasons=[{"term": "养猪场", "weight": 1.0}],
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
