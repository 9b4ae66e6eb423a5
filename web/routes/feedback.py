"""Corrections to the classifier from the people who read the posts, and the admin's feedback queue."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from core.bounds import RowId
from core.errors import InvalidInput
from core.models import User
from core.tasks import enqueue
from core.types import Role
from nlp.schemas import FEEDBACK_KIND_LABELS, FeedbackIn
from nlp.service import list_feedback, record_feedback, unused_feedback_count
from web.deps import SessionDep
from web.pages import done
from web.security import CsrfChecked, WebUser, require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)

AdminUser = Annotated[User, require_roles(Role.admin)]
BACK = re.compile(r"^/(alerts/\d+|search(\?.*)?)$")
PAGE_SIZE = 50


@router.post("/posts/{post_id}/feedback", dependencies=[CsrfChecked])
def give_feedback(
    session: SessionDep,
    user: WebUser,
    post_id: RowId,
    kind: Annotated[str, Form(max_length=40)],
    category: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    """Record a correction of the classifier's verdict on a post; retraining learns from it."""
    if kind not in FEEDBACK_KIND_LABELS:
        raise InvalidInput("纠错类型无效", details={"field": "kind"})
    data = FeedbackIn.model_validate(
        {"kind": kind, "post_id": post_id, "category": category or None, "note": note.strip()}
    )
    record_feedback(session, data=data, user=user)
    session.commit()
    return done(back if BACK.match(back) else "/search", "feedback")


@router.get("/admin/feedback")
def feedback_queue(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    kind: str = "",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> HTMLResponse:
    """Corrections, newest first, and how many no model has learnt from yet."""
    items, total = list_feedback(
        session, kind=kind if kind in FEEDBACK_KIND_LABELS else None, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    return render(
        request,
        "admin/feedback.html",
        {
            "items": items,
            "total": total,
            "kind": kind,
            "kinds": FEEDBACK_KIND_LABELS,
            "unused": unused_feedback_count(session),
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "tab": "feedback",
        },
        user=user,
        active="admin",
    )


@router.post("/admin/models/retrain", dependencies=[CsrfChecked])
def retrain(user: AdminUser) -> RedirectResponse:
    """Queue retraining with the corrections; the new model is used only if it is not worse."""
    enqueue("nlp.retrain", force=True)
    return done("/admin/models", "retrain")
