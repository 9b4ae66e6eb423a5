"""Analysing stored posts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Analysis
from core.outbox import add_event
from core.service import get_post
from nlp.analyze import analyze

RAISE_TOPIC = "alerts.raise_alert"


def analyze_post(session: Session, *, post_id: int) -> Analysis:
    """Analyse a post with the active model (once per model version) and queue alert raising."""
    post = get_post(session, post_id=post_id)
    result = analyze(title=post.title, text=post.content)
    existing = session.scalar(
        select(Analysis).where(Analysis.post_id == post.id, Analysis.model_version == result.model_version)
    )
    if existing is not None:
        return existing
    analysis = Analysis(
        post=post,
        model_version=result.model_version,
        relevant=result.relevant,
        category=result.category,
        needs_response=result.needs_response,
        severity=result.severity,
        sentiment=result.sentiment,
        score=result.score,
        reasons=result.reasons,
        entities=result.entities,
    )
    session.add(analysis)
    session.flush()
    if analysis.needs_response:
        add_event(session, topic=RAISE_TOPIC, payload={"post_id": post.id})
    return analysis
