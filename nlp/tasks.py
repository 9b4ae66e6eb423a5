"""NLP jobs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Task
from sqlalchemy.orm import Session

from core.db import reading, session_scope
from core.outbox import drained_topic, waiting_events
from core.outbox_work import work_through
from core.posts import ANALYZE_TOPIC
from core.tasks import celery_app, outbox_event_of
from nlp.analyze import AnalysisResult, analyze
from nlp.flows import analyse_ahead
from nlp.flows import retrain as retrain_flow
from nlp.service import RAISE_TOPIC
from nlp.service import analyze_post as analyze_post_flow

drained_topic(ANALYZE_TOPIC)


def analyse_burst(*, post_id: int, own_event_id: int | None, analyser: Callable[..., AnalysisResult] = analyze) -> int:
    """Analyse a post and the others waiting in its burst, the model run before each storing transaction.

    Returns how many waiting posts were taken on (see ``core.outbox_work.work_through``).
    """
    with reading(), session_scope() as session:
        waiting = waiting_events(session, topic=ANALYZE_TOPIC, exclude=own_event_id)
    ahead = analyse_ahead(
        post_ids=[post_id, *(int(payload["post_id"]) for _, payload in waiting if "post_id" in payload)],
        analyser=analyser,
    )

    def handle(session: Session, payload: dict[str, Any]) -> None:
        analyze_post_flow(session, post_id=int(payload["post_id"]), ahead=ahead)

    return work_through(
        topic=ANALYZE_TOPIC, own={"post_id": post_id}, own_event_id=own_event_id, handle=handle, then=RAISE_TOPIC
    )


@celery_app.task(name=ANALYZE_TOPIC, bind=True)
def analyze_post(self: Task, post_id: int) -> None:
    """Analyse one stored post (idempotent per model version), and the others that wait in the same burst.

    The alerts the analysis calls for are then raised by this job too, without a trip through the queue.
    """
    analyse_burst(post_id=post_id, own_event_id=outbox_event_of(self.request))


@celery_app.task(name="nlp.retrain")
def retrain(force: bool = False) -> None:
    """Retrain from staff corrections; the new model replaces the active one only if it is not worse."""
    retrain_flow(force=force)
