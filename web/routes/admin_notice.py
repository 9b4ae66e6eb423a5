"""The State Council's holiday notice pasted on the admin's holiday page: a preview calendar, then saving."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from alerts.sla import holidays
from core.errors import Conflict, InvalidInput
from core.models import User
from core.types import Role
from web.deps import SessionDep
from web.pages import committing, done
from web.routes.admin_holidays import holidays_view
from web.security import CsrfChecked, require_roles

router = APIRouter(include_in_schema=False)

AdminUser = Annotated[User, require_roles(Role.admin)]


@router.post("/admin/holidays/notice", response_model=None, dependencies=[CsrfChecked])
def paste_notice(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    text: Annotated[str, Form(max_length=20000)],
    action: Annotated[str, Form(max_length=10)] = "preview",
    replace: Annotated[str, Form(max_length=5)] = "",
) -> HTMLResponse | RedirectResponse:
    """Preview the notice (the days that differ from the provisional calendar), or save it.

    A notice it cannot read is refused whole, naming the line; a year that exists with other days is
    shown with the differences and saved only once replacing is confirmed. Open cases are recomputed.
    """
    try:
        preview = holidays.preview_notice(session, text=text)
    except InvalidInput as exc:
        return holidays_view(request, session, user, error=exc.message, status_code=400, pasted=text)
    year = preview.notice.year
    if action != "save":
        return holidays_view(request, session, user, year=year, pasted=text, preview=preview)

    def shown(exc: Conflict) -> HTMLResponse:
        return holidays_view(
            request, session, user, year=year, error=exc.message, status_code=409, pasted=text, preview=preview
        )

    with committing(session, Conflict, shown=shown):
        holidays.import_notice(session, text=text, user=user, replace=bool(replace))
    return done(f"/admin/holidays?year={year}", "notice")
