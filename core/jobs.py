"""Core scheduled jobs."""

from __future__ import annotations

from core import outbox
from core.tasks import celery_app


@celery_app.task(name="core.relay_outbox")
def relay_outbox() -> int:
    """Send outbox events that were not relayed right after their commit."""
    return outbox.relay()
