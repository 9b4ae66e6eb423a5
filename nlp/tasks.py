"""NLP jobs."""

from __future__ import annotations

from typing import Any

from celery import Task
from sqlalchemy.orm import Session

from core.outbox import drained_topic, work_through
from core.posts import ANALYZE_TOPIC
from core.tasks import celery_app, outbox_event_of
from nlp.flows import retrain as retrain_flow
from nlp.service import RAISE_TOPIC
from nlp.service import analyze_post as analyze_post_flow

drained_topic(ANALYZE_TOPIC)


def _analyze(session: Session, payload: dict[str, Any]) -> None:
    analyze_post_flow(session, post_id=int(payload["post_id"]))


@celery_app.task(name=ANALYZE_TOPIC, bind=True)
def analyze_post(self: Task, post_id: int) -> None:
    """Analyse one stored post (idempotent per model version), and the others that wait in the same burst.

    The alerts the analysis calls for are then raised by this job too, without a trip through the queue.
    """
    work_through(
        topic=ANALYZE_TOPIC,
        own={"post_id": post_id},
        own_event_id=outbox_event_of(self.request),
        handle=_analyze,
        then=RAISE_TOPIC,
    )


@celery_app.task(name="nlp.retrain")
def retrain(force: bool = False) -> None:
    """Retrain from staff corrections; the new model replaces the active one only if it is not worse."""
    retrain_flow(force=force)
