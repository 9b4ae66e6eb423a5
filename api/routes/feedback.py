"""Staff corrections of the classifier (反馈): they become labelled examples for retraining."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from api.deps import CurrentUser, SessionDep
from core.bounds import Offset, RowId
from core.errors import NotFound, PermissionDenied
from core.models import User
from core.types import Role
from nlp.models import Feedback
from nlp.schemas import FeedbackIn, FeedbackKind, FeedbackList, FeedbackOut
from nlp.service import list_feedback, record_feedback

router = APIRouter(prefix="/feedback", tags=["feedback"])


def _reviewer(user: CurrentUser) -> User:
    if user.role not in (Role.admin, Role.duty, Role.leader):
        raise PermissionDenied("只有值班员、中心领导和管理员可以查看纠正记录")
    return user


Reviewer = Annotated[User, Depends(_reviewer)]


@router.post("", status_code=201)
def create_feedback(session: SessionDep, user: CurrentUser, body: FeedbackIn) -> FeedbackOut:
    """Record a correction: wrong category, not our business, should not have alerted, or a missed post."""
    feedback = record_feedback(session, data=body, user=user)
    session.commit()
    return FeedbackOut.model_validate(feedback)


@router.get("")
def get_feedback_list(
    session: SessionDep,
    user: Reviewer,
    kind: FeedbackKind | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> FeedbackList:
    """Corrections, newest first."""
    items, total = list_feedback(session, kind=kind.value if kind else None, limit=limit, offset=offset)
    return FeedbackList(items=[FeedbackOut.model_validate(f) for f in items], total=total)


@router.get("/{feedback_id}")
def get_feedback(session: SessionDep, user: Reviewer, feedback_id: RowId) -> FeedbackOut:
    """One correction."""
    feedback = session.scalar(select(Feedback).where(Feedback.id == feedback_id))
    if feedback is None:
        raise NotFound(f"反馈 {feedback_id} 不存在")
    return FeedbackOut.model_validate(feedback)
