"""The labelling queue page (待标注): a few uncertain posts a day, labelled by duty staff in one click."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from core.bounds import RowId
from core.errors import InvalidInput
from core.models import User
from core.types import CATEGORY_LABELS, Category, Role
from nlp.schemas import LabelIn
from nlp.service import label_post, label_queue
from web.deps import SessionDep
from web.pages import done
from web.security import CsrfChecked, require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)

Labeller = Annotated[User, require_roles(Role.duty, Role.leader, Role.admin)]


@router.get("/labelling")
def labelling_page(request: Request, session: SessionDep, user: Labeller) -> HTMLResponse:
    """Each day's most uncertain posts nobody has labelled yet, with what the model thought."""
    items = label_queue(session)
    days: dict[str, list[object]] = {}
    for item in items:
        days.setdefault(item.day.isoformat(), []).append(item)
    return render(
        request,
        "labelling.html",
        {"days": days, "choices": list(CATEGORY_LABELS.items())},
        user=user,
        active="labelling",
    )


@router.post("/labelling/{post_id}", dependencies=[CsrfChecked])
def label(
    session: SessionDep,
    user: Labeller,
    post_id: RowId,
    category: Annotated[str, Form(max_length=40)],
) -> RedirectResponse:
    """One click: the post's category (or not our business); it goes to the corrections the next retraining learns."""
    if category not in CATEGORY_LABELS:
        raise InvalidInput("标注的类别无效", details={"field": "category"})
    label_post(session, post_id=post_id, data=LabelIn(category=Category(category)), user=user)
    session.commit()
    return done("/labelling", "labelled")
