"""NLP jobs."""

from __future__ import annotations

from core.db import session_scope
from core.tasks import celery_app
from nlp.flows import retrain as retrain_flow
from nlp.service import analyze_post as analyze_post_flow


@celery_app.task(name="nlp.analyze_post")
def analyze_post(post_id: int) -> None:
    """Analyse one stored post (idempotent per model version)."""
    with session_scope() as session:
        analyze_post_flow(session, post_id=post_id)


@celery_app.task(name="nlp.retrain")
def retrain(force: bool = False) -> None:
    """Retrain from staff corrections; the new model replaces the active one only if it is not worse."""
    retrain_flow(force=force)
