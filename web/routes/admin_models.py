"""The model card page of one classifier version (模型卡), for the admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from core.models import User
from core.types import Role
from nlp.card import model_card
from nlp.registry import active_version, read_meta
from web.security import require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)

AdminUser = Annotated[User, require_roles(Role.admin)]


@router.get("/admin/models/{version}")
def model_card_page(request: Request, user: AdminUser, version: str) -> HTMLResponse:
    """Training data by class, the check-set (and real-data) figures with confusion matrices, and the date."""
    card = model_card(read_meta(version))
    return render(
        request,
        "admin/model_card.html",
        {"card": card, "active": version == active_version(), "tab": "models"},
        user=user,
        active="admin",
    )
