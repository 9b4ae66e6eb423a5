"""What alerts add to a post's search document: its case, the section handling it, the decided category and
severity (which may differ from the classifier's). Registered with core's search; see core/search/plugins.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.cases.models import Alert, AlertPost
from core.models import Section
from core.search.plugins import register_fields, track


def document_fields(session: Session, post_ids: list[int]) -> Mapping[int, Mapping[str, Any]]:
    """The case fields of each post that belongs to an alert."""
    rows = session.execute(
        select(AlertPost.post_id, Alert.id, Alert.category, Alert.severity, Section.code)
        .join(Alert, Alert.id == AlertPost.alert_id)
        .outerjoin(Section, Section.id == Alert.section_id)
        .where(AlertPost.post_id.in_(post_ids))
    )
    return {
        post_id: {"alert_id": alert_id, "category": category, "severity": severity, "section": section}
        for post_id, alert_id, category, severity, section in rows
    }


def _posts_of_link(session: Session, link: AlertPost) -> Iterable[int]:
    return [link.post_id]


def _posts_of_alert(session: Session, alert: Alert) -> Iterable[int]:
    if alert.id is None:
        return []
    # Runs inside a flush: read through the connection, never through the session (no autoflush).
    return list(session.connection().scalars(select(AlertPost.post_id).where(AlertPost.alert_id == alert.id)))


register_fields(document_fields)
track(AlertPost, post_ids=_posts_of_link)
track(Alert, post_ids=_posts_of_alert, fields=("section_id", "severity", "category"))
