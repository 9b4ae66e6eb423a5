"""Retraining from staff corrections: train a candidate, compare it with the active model, keep the comparison."""

from __future__ import annotations

import logging
from typing import Any

from core.db import session_scope
from nlp.registry import compare_and_activate, train_from_corpus
from nlp.service import feedback_examples, mark_feedback_used, unused_feedback_count

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
