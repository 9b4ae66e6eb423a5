"""Retraining from staff corrections: train a candidate, compare it with the active model, keep the comparison."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select

from core.db import reading, session_scope
from core.models import Post
from nlp.analyze import AnalysisResult, analyze
from nlp.registry import compare_and_activate, train_from_corpus
from nlp.service import Analysed, feedback_examples, mark_feedback_used, unused_feedback_count

log = logging.getLogger(__name__)


def retrain(*, force: bool = False, note: str = "") -> dict[str, Any]:
    """Train on the seed corpus plus every correction; activate only if not worse than the active model.

    Without ``force`` nothing happens when no correction is new since the last retraining.
    """
    with session_scope() as session:
        if not force and unused_feedback_count(session) == 0:
            return {"trained": False, "reason": "没有新的人工纠正"}
        extra = feedback_examples(session)
    candidate = train_from_corpus(extra=extra, activate=False, note=note or "retrained with staff feedback")
    comparison = compare_and_activate(candidate)
    with session_scope() as session:
        used = mark_feedback_used(session, model_version=candidate.version)
    log.info("retrained %s with %d corrections: activated=%s", candidate.version, used, comparison["activated"])
    return {"trained": True, **comparison}


def analyse_ahead(*, post_ids: Iterable[int], analyser: Callable[..., AnalysisResult] = analyze) -> dict[int, Analysed]:
    """Analyse posts before storing: read as a WAL reader, then run the model with no transaction open.

    Tokenizing and scoring a burst takes seconds on a busy machine; inside the storing transaction that would
    hold SQLite's write lock from every other writer (a reveal, a response) the whole time.
    """
    ids = sorted(set(post_ids))
    if not ids:
        return {}
    with reading(), session_scope() as session:
        rows = session.execute(select(Post.id, Post.title, Post.content).where(Post.id.in_(ids))).all()
    return {post_id: Analysed(title, content, analyser(title=title, text=content)) for post_id, title, content in rows}
