"""Analysing stored posts; recording staff corrections and turning them into labelled examples."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.models import Analysis, Post, User
from core.outbox import add_event
from core.service import get_post
from core.timeutil import local_zone, to_local, utcnow
from nlp.analyze import AnalysisResult, analyze
from nlp.corpus import Example
from nlp.models import Feedback, Uncertain
from nlp.schemas import FeedbackIn, FeedbackKind, LabelIn

RAISE_TOPIC = "alerts.raise_alert"
# Posts less uncertain than this never enter the labelling queue (they are not worth a person's time).
QUEUE_FLOOR = 0.2
# How many posts a day the labelling queue asks about, and how many days back it looks.
LABELS_PER_DAY = 5
QUEUE_DAYS = 7


@dataclass(frozen=True, slots=True)
class Analysed:
    """A post's analysis computed ahead, with the text it was computed from."""

    title: str
    content: str
    result: AnalysisResult


def analyze_post(session: Session, *, post_id: int, ahead: Mapping[int, Analysed] | None = None) -> Analysis:
    """Analyse a post with the active model (once per model version) and queue alert raising.

    ``ahead`` holds analyses computed before the transaction (``nlp.flows.analyse_ahead``): one still matching
    the post's text is stored as it is, so the model never runs while the transaction holds the database.
    """
    post = get_post(session, post_id=post_id)
    prepared = ahead.get(post.id) if ahead else None
    if prepared is not None and (prepared.title, prepared.content) == (post.title, post.content):
        result = prepared.result
    else:
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
    _note_uncertainty(session, post=post, analysis=analysis, result=result)
    if analysis.needs_response:
        add_event(session, topic=RAISE_TOPIC, payload={"post_id": post.id})
    return analysis


def _note_uncertainty(session: Session, *, post: Post, analysis: Analysis, result: AnalysisResult) -> None:
    """Keep a post the model was unsure about as a candidate for the labelling queue."""
    if result.uncertainty < QUEUE_FLOOR:
        return
    ranked = sorted(result.category_probabilities.items(), key=lambda item: -item[1])
    best, p_best = ranked[0] if ranked else ("other", 0.0)
    session.add(
        Uncertain(
            post=post,
            analysis_id=analysis.id,
            model_version=result.model_version,
            p_relevant=result.p_relevant,
            category=result.category if result.relevant else best,
            p_category=p_best,
            runner_up=ranked[1][0] if len(ranked) > 1 else None,
            uncertainty=result.uncertainty,
        )
    )
    session.flush()


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
    elif kind is FeedbackKind.labelled:
        if data.category is None:
            raise InvalidInput("请选择该帖子的类别（非本中心职责选“other”）", details={"field": "category"})
        category = data.category.value
        needs_response = category != "other" and (analysis is None or not analysis.relevant or analysis.needs_response)
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


def label_post(session: Session, *, post_id: int, data: LabelIn, user: User | None) -> Feedback:
    """A one-click label from the labelling queue, stored as a staff correction for the next retraining."""
    return record_feedback(
        session,
        data=FeedbackIn(kind=FeedbackKind.labelled, post_id=post_id, category=data.category, note=data.note),
        user=user,
    )


@dataclass(frozen=True, slots=True)
class QueueItem:
    """A post waiting for a label: the candidate row, the post and the day it was analysed (local time)."""

    day: date
    candidate: Uncertain
    post: Post
    reasons: list[dict[str, object]]


def label_queue(
    session: Session, *, now: datetime | None = None, per_day: int = LABELS_PER_DAY, days: int = QUEUE_DAYS
) -> list[QueueItem]:
    """The posts to label: each day's ``per_day`` most uncertain posts nobody has labelled, newest day first."""
    now = now or utcnow()
    today = now.astimezone(local_zone()).date()
    start = datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), tzinfo=local_zone())
    labelled = select(Feedback.post_id).where(Feedback.post_id.is_not(None))
    rows = session.execute(
        select(Uncertain, Post)
        .join(Post, Post.id == Uncertain.post_id)
        .where(Uncertain.created_at >= start, Uncertain.post_id.not_in(labelled), Post.deleted_at.is_(None))
        .order_by(Uncertain.uncertainty.desc(), Uncertain.id.desc())
        .limit(per_day * days * 20)
    ).all()
    chosen: dict[date, list[QueueItem]] = {}
    seen: set[int] = set()
    for candidate, post in rows:
        local = to_local(candidate.created_at)
        day = local.date() if local is not None else today
        if post.id in seen or len(chosen.setdefault(day, [])) >= per_day:
            continue
        seen.add(post.id)
        analysis = session.get(Analysis, candidate.analysis_id) if candidate.analysis_id else None
        chosen[day].append(QueueItem(day, candidate, post, list(analysis.reasons) if analysis else []))
    return [item for day in sorted(chosen, reverse=True) for item in chosen[day]]


def mark_feedback_used(session: Session, *, model_version: str) -> int:
    """Record that every correction not yet used went into ``model_version``; returns how many."""
    rows = list(session.scalars(select(Feedback).where(Feedback.used_in_version.is_(None))))
    for feedback in rows:
        feedback.used_in_version = model_version
    return len(rows)


def unused_feedback_count(session: Session) -> int:
    """Corrections that no trained model has seen yet."""
    return session.scalar(select(func.count()).select_from(Feedback).where(Feedback.used_in_version.is_(None))) or 0
