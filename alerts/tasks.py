"""Alert jobs."""

from __future__ import annotations

from alerts.flows import raise_alert as raise_alert_flow
from core.db import session_scope
from core.tasks import celery_app


@celery_app.task(name="alerts.raise_alert")
def raise_alert(post_id: int) -> None:
    """Open (or find) the alert for an analysed post that needs a response."""
    with session_scope() as session:
        raise_alert_flow(session, post_id=post_id)
