"""The labelling queue (待标注): posts the classifier was least sure about, labelled by duty staff in one click."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import SessionDep, require_roles
from core.bounds import RowId
from core.models import User
from core.types import Role
from nlp.schemas import FeedbackOut, LabelIn, QueueItemOut
from nlp.service import LABELS_PER_DAY, QueueItem, label_post, label_queue

router = APIRouter(prefix="/labelling", tags=["labelling"])

Labeller = Annotated[User, require_roles(Role.duty, Role.leader, Role.admin)]


def queue_item_out(item: QueueItem) -> QueueItemOut:
    """A queue entry as the API shows it."""
    candidate, post = item.candidate, item.post
    return QueueItemOut(
        post_id=post.id,
        day=item.day.isoformat(),
        title=post.title,
        text=post.content,
        url=post.url,
        model_version=candidate.model_version,
        p_relevant=candidate.p_relevant,
        category=candidate.category,
        p_category=candidate.p_category,
        runner_up=candidate.runner_up,
        uncertainty=candidate.uncertainty,
        reasons=[dict(reason) for reason in item.reasons],
    )


@router.get("")
def get_queue(
    session: SessionDep, user: Labeller, per_day: Annotated[int, Query(ge=1, le=50)] = LABELS_PER_DAY
) -> list[QueueItemOut]:
    """Each day's most uncertain posts that nobody has labelled yet, newest day first."""
    return [queue_item_out(item) for item in label_queue(session, per_day=per_day)]


@router.post("/{post_id}", status_code=201)
def post_label(session: SessionDep, user: Labeller, post_id: RowId, body: LabelIn) -> FeedbackOut:
    """Label a post (its category, or ``other``); the label is a staff correction for the next retraining."""
    feedback = label_post(session, post_id=post_id, data=body, user=user)
    session.commit()
    return FeedbackOut.model_validate(feedback)
