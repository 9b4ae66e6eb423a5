"""Analysing stored posts; recording staff corrections and turning them into labelled examples."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.models import Analysis, Post, User
from core.outbox import add_event
from core.service import get_post
from nlp.analyze import analyze
from nlp.corpus import Example
from nlp.models import Feedback
from nlp.schemas import FeedbackIn, FeedbackKind

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


def record_feedback(session: Session, *, data: FeedbackIn, user: User | None) -> Feedback:
    """Store a correction as a labelled example (the post's text is copied so the example outlives the post)."""
    post: Post | None = get_post(session, post_id=data.post_id) if data.post_id is not None else None
    analysis = post.analysis if post is not None else None
    title = data.title if data.title is not None else (post.title if post else "")
    text = data.text if data.text is not None else (post.content if post else "")
    if not text.strip() and not title.strip():
        raise InvalidInput("请指定帖子，或填写标题和正文", details={"field": "post_id"})
    predicted = analysis.category if analysis is not None else None
    kind = FeedbackKind(data.kind)
    if kind in (FeedbackKind.wrong_category, FeedbackKind.missed):
        if data.category is None or data.category.value == "other":
            raise InvalidInput("请选择正确的类别（本中心职责内的类别）", details={"field": "category"})
        category, needs_response = data.category.value, True
    elif kind is FeedbackKind.not_relevant:
        category, needs_response = "other", False
    else:
        category = data.category.value if data.category is not None else (predicted or "")
        if category in ("", "other"):
            raise InvalidInput("请选择该帖子所属的类别", details={"field": "category"})
        needs_response = False
    severity = data.severity.value if data.severity is not None and needs_response else "一般"
    if needs_response and data.severity is None and analysis is not None and analysis.needs_response:
        severity = analysis.severity
    feedback = Feedback(
        kind=kind.value,
        post=post,
        analysis=analysis,
        model_version=analysis.model_version if analysis is not None else None,
        predicted_category=predicted,
        category=category,
        needs_response=needs_response,
        severity=severity,
        title=title,
        text=text,
        note=data.note,
        created_by=user,
    )
    session.add(feedback)
    session.flush()
    return feedback


def list_feedback(
    session: Session, *, kind: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[Feedback], int]:
    """Corrections, newest first, with the total count."""
    query = select(Feedback)
    if kind:
        query = query.where(Feedback.kind == kind)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = list(session.scalars(query.order_by(Feedback.id.desc()).limit(limit).offset(offset)))
    return items, total


def feedback_examples(session: Session) -> list[Example]:
    """Every correction as a labelled example (ids ``feedback-<id>``); the latest correction of a post wins."""
    latest: dict[object, Feedback] = {}
    for feedback in session.scalars(select(Feedback).order_by(Feedback.id)):
        latest[feedback.post_id if feedback.post_id is not None else f"text-{feedback.id}"] = feedback
    return [
        Example(
            id=f"feedback-{feedback.id}",
            title=feedback.title,
            text=feedback.text,
            category=feedback.category,
            needs_response=feedback.needs_response,
            severity=feedback.severity if feedback.needs_response else "一般",
            sentiment="neutral",
            style="feedback",
        )
        for feedback in latest.values()
        if feedback.text.strip() or feedback.title.strip()
    ]


def mark_feedback_used(session: Session, *, model_version: str) -> int:
    """Record that every correction not yet used went into ``model_version``; returns how many."""
    rows = list(session.scalars(select(Feedback).where(Feedback.used_in_version.is_(None))))
    for feedback in rows:
        feedback.used_in_version = model_version
    return len(rows)


def unused_feedback_count(session: Session) -> int:
    """Corrections that no trained model has seen yet."""
    return session.scalar(select(func.count()).select_from(Feedback).where(Feedback.used_in_version.is_(None))) or 0
