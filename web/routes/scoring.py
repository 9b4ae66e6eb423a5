"""考核赋分 pages: the leader's score sheets per period (every point linked to its case), publishing a period,
the exports, and the admin's policy form (each save a new version)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData
from starlette.responses import Response

from alerts.scoring import service
from alerts.scoring.export import sheets_docx, sheets_xlsx
from alerts.scoring.schemas import ITEMS, PolicyIn
from core.config import get_settings
from core.errors import MuqingError
from core.models import User
from core.timeutil import to_local, utcnow
from core.types import Role
from core.validation import parse_as
from web.deps import SessionDep
from web.pages import committing, done
from web.security import CsrfChecked, WebUser, require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)
AdminUser = Annotated[User, require_roles(Role.admin)]
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _default_period() -> str:
    """Last month: the period leadership usually assesses."""
    now = to_local(utcnow())
    assert now is not None
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return f"{year}-{month:02d}"


def _page(
    request: Request, session: SessionDep, user: User, period: str, *, error: str = "", status_code: int = 200
) -> HTMLResponse:
    out = service.score_sheets(session, user=user, period=period or _default_period())
    return render(
        request,
        "scoring.html",
        {
            "out": out,
            "items": ITEMS,
            "query": urlencode({"period": out.period}),
            "may_publish": user.role in service.PUBLISHERS and out.status == "draft" and utcnow() >= out.end,
            "error": error,
        },
        user=user,
        active="scoring",
        status_code=status_code,
    )


@router.get("/scoring")
def scoring_page(request: Request, session: SessionDep, user: WebUser, period: str = "") -> HTMLResponse:
    """Each section's score sheet for a month (``2026-10``) or a year (``2026``)."""
    return _page(request, session, user, period)


@router.post("/scoring/publish", response_model=None, dependencies=[CsrfChecked])
async def publish(request: Request, session: SessionDep, user: WebUser) -> Response:
    """Freeze a finished period's scores."""
    period = str((await request.form()).get("period") or "")

    def shown(exc: MuqingError) -> HTMLResponse:
        return _page(request, session, user, period, error=exc.message, status_code=409)

    with committing(session, MuqingError, shown=shown):
        service.publish_period(session, actor=user, period=period)
    return done(f"/scoring?{urlencode({'period': period})}", "published")


def _download(content: bytes, media_type: str, name: str) -> Response:
    suffix = name.rsplit(".", 1)[-1]
    disposition = f"attachment; filename=\"scores.{suffix}\"; filename*=UTF-8''{quote(name)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


@router.get("/scoring/export.xlsx")
def export_xlsx(session: SessionDep, user: WebUser, period: str = "") -> Response:
    """The sheets as a workbook."""
    out = service.score_sheets(session, user=user, period=period or _default_period())
    base = (get_settings().public_url or "").rstrip("/")
    return _download(sheets_xlsx(out, base_url=base), XLSX_TYPE, f"{out.label}考核赋分表.xlsx")


@router.get("/scoring/export.docx")
def export_docx(session: SessionDep, user: WebUser, period: str = "") -> Response:
    """The sheets as a Word document."""
    out = service.score_sheets(session, user=user, period=period or _default_period())
    base = (get_settings().public_url or "").rstrip("/")
    return _download(sheets_docx(out, base_url=base), DOCX_TYPE, f"{out.label}考核赋分表.docx")


def _policy_page(
    request: Request, session: SessionDep, user: User, *, error: str = "", draft: dict[str, Any] | None = None
) -> HTMLResponse:
    current = service.policy_out(service.current_policy(session))
    return render(
        request,
        "admin/scoring.html",
        {
            "current": current,
            "rules": draft or current.rules,
            "versions": [service.policy_out(p) for p in service.policy_versions(session)],
            "items": ITEMS,
            "error": error,
            "tab": "scoring",
        },
        user=user,
        active="admin",
        status_code=400 if error else 200,
    )


@router.get("/admin/scoring")
def policy_page(request: Request, session: SessionDep, user: AdminUser) -> HTMLResponse:
    """The scoring policy in force, a form to save a new version, and the versions before it."""
    return _policy_page(request, session, user)


def _policy_values(form: FormData) -> dict[str, Any]:
    def number(name: str) -> float | None:
        text = str(form.get(name) or "").strip()
        return float(text) if text else None

    items = {key: {"points": number(f"{key}.points") or 0.0, "cap": number(f"{key}.cap")} for key in ITEMS}
    return {
        "base": number("base"),
        "floor": number("floor"),
        "ceiling": number("ceiling"),
        "items": items,
        "note": str(form.get("note") or ""),
    }


@router.post("/admin/scoring", response_model=None, dependencies=[CsrfChecked])
async def save_policy(request: Request, session: SessionDep, user: AdminUser) -> Response:
    """Save the form as a new version of the policy."""
    form = await request.form()
    try:
        values = _policy_values(form)
    except ValueError:
        return _policy_page(request, session, user, error="分值须为数字")

    def shown(exc: MuqingError) -> HTMLResponse:
        return _policy_page(request, session, user, error=exc.message, draft=values)

    with committing(session, MuqingError, shown=shown):
        service.save_policy(session, actor=user, data=parse_as(PolicyIn, values))
    return done("/admin/scoring", "policy")
