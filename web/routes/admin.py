"""Administration: users and roles, sections, models (rules, roster, sources in their own modules)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import websessions
from core.bounds import RowId
from core.errors import Conflict, InvalidInput, NotFound
from core.models import User
from core.service import add_user, create_section, reset_password, update_section, update_user
from core.types import Role
from nlp.registry import activate_version, active_version, comparisons, list_versions
from web import figures
from web.deps import SessionDep
from web.pages import committing, done, form_error
from web.routes.admin_channels import router as channels_router
from web.routes.admin_district import router as district_router
from web.routes.admin_holidays import router as holidays_router
from web.routes.admin_notice import router as notice_router
from web.routes.admin_roster import router as roster_router
from web.routes.admin_routing import router as routing_router
from web.routes.admin_sla import router as sla_router
from web.routes.admin_source_edit import router as source_edit_router
from web.routes.admin_sources import router as sources_router
from web.security import CsrfChecked, require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(routing_router)
router.include_router(channels_router)
router.include_router(sla_router)
router.include_router(roster_router)
router.include_router(holidays_router)
# Before the source pages: /admin/sources/new is a form, not a source id.
router.include_router(source_edit_router)
router.include_router(district_router)
router.include_router(notice_router)
router.include_router(sources_router)

AdminUser = Annotated[User, require_roles(Role.admin)]


@router.get("/admin")
def admin_home(user: AdminUser) -> RedirectResponse:
    """Administration starts with the users."""
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/users")
def users_page(request: Request, session: SessionDep, user: AdminUser, edit: RowId | None = None) -> HTMLResponse:
    """Every user with role, section, state and live sessions; the form to edit one."""
    return render(request, "admin/users.html", _users_context(session, edit=edit), user=user, active="admin")


def _users_context(session: SessionDep, *, edit: int | None = None) -> dict[str, Any]:
    users = session.scalars(select(User).options(selectinload(User.section)).order_by(User.role, User.username)).all()
    return {
        "users": users,
        "editing": next((u for u in users if u.id == edit), None),
        "sessions": {u.id: websessions.active_session_count(session, user_id=u.id) for u in users},
        "sections": figures.sections(session),
        "error": "",
        "tab": "users",
    }


def _users_form(request: Request, session: SessionDep, user: User) -> Callable[[InvalidInput], HTMLResponse]:
    """The users page again with the refused form's error."""
    return lambda exc: form_error(request, "admin/users.html", _users_context(session), exc, user=user)


def _section_id(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


@router.post("/admin/users", response_model=None, dependencies=[CsrfChecked])
def create_user_form(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    username: Annotated[str, Form(max_length=64)],
    display_name: Annotated[str, Form(max_length=100)],
    role: Annotated[str, Form(max_length=20)],
    password: Annotated[str, Form(max_length=256)],
    section_id: Annotated[str, Form(max_length=20)] = "",
) -> HTMLResponse | RedirectResponse:
    """Add a user."""
    with committing(session, InvalidInput, shown=_users_form(request, session, user)):
        add_user(
            session,
            username=username,
            password=password,
            role=role,
            section_id=_section_id(section_id),
            display_name=display_name,
        )
    return done("/admin/users", "created")


@router.post("/admin/users/{user_id}", response_model=None, dependencies=[CsrfChecked])
def update_user_form(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    user_id: RowId,
    display_name: Annotated[str, Form(max_length=100)],
    role: Annotated[str, Form(max_length=20)],
    section_id: Annotated[str, Form(max_length=20)] = "",
    active: Annotated[str, Form(max_length=5)] = "",
) -> HTMLResponse | RedirectResponse:
    """Change a user's name, role, section or state; a deactivated user is signed out everywhere."""
    with committing(session, InvalidInput, shown=_users_form(request, session, user)):
        update_user(
            session,
            user_id=user_id,
            actor=user,
            display_name=display_name,
            role=role,
            section_id=_section_id(section_id),
            active=bool(active),
        )
    return done("/admin/users", "saved")


@router.post("/admin/users/{user_id}/password", response_model=None, dependencies=[CsrfChecked])
def reset_password_form(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    user_id: RowId,
    password: Annotated[str, Form(max_length=256)],
) -> HTMLResponse | RedirectResponse:
    """Set a new password and end the user's sessions."""
    with committing(session, InvalidInput, shown=_users_form(request, session, user)):
        reset_password(session, user_id=user_id, password=password)
    return done("/admin/users", "password")


@router.get("/admin/sections")
def sections_page(request: Request, session: SessionDep, user: AdminUser) -> HTMLResponse:
    """Sections (科室) with how many users each has."""
    return render(
        request,
        "admin/sections.html",
        {"sections": figures.sections(session), "tab": "sections", "error": ""},
        user=user,
        active="admin",
    )


@router.post("/admin/sections", response_model=None, dependencies=[CsrfChecked])
def create_section_form(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    code: Annotated[str, Form(max_length=40, pattern=r"^[a-z][a-z0-9_-]*$")],
    name: Annotated[str, Form(min_length=1, max_length=100)],
    description: Annotated[str, Form(max_length=1000)] = "",
) -> HTMLResponse | RedirectResponse:
    """Add a section."""

    def shown(exc: Conflict) -> HTMLResponse:
        context = {"sections": figures.sections(session), "tab": "sections"}
        return form_error(request, "admin/sections.html", context, exc, user=user)

    with committing(session, Conflict, shown=shown):
        create_section(session, code=code, name=name, description=description)
    return done("/admin/sections", "created")


@router.post("/admin/sections/{section_id}", dependencies=[CsrfChecked])
def update_section_form(
    session: SessionDep,
    user: AdminUser,
    section_id: RowId,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    description: Annotated[str, Form(max_length=1000)] = "",
    active: Annotated[str, Form(max_length=5)] = "",
) -> RedirectResponse:
    """Rename, describe, or (de)activate a section."""
    update_section(session, section_id=section_id, name=name, description=description, active=bool(active))
    session.commit()
    return done("/admin/sections", "saved")


@router.get("/admin/models")
def models_page(request: Request, user: AdminUser) -> HTMLResponse:
    """Classifier versions with their figures on the evaluation set, and the kept comparisons."""
    active = active_version()
    versions = [{**info.meta, "version": info.version, "active": info.version == active} for info in list_versions()]
    return render(
        request,
        "admin/models.html",
        {"versions": versions, "comparisons": comparisons(limit=10), "tab": "models"},
        user=user,
        active="admin",
    )


@router.post("/admin/models/activate", dependencies=[CsrfChecked])
def activate_model(user: AdminUser, version: Annotated[str, Form(max_length=80)]) -> RedirectResponse:
    """Make a stored version the active classifier (every process switches without restart)."""
    if version not in {info.version for info in list_versions()}:
        raise NotFound(f"模型版本 {version} 不存在")
    activate_version(version)
    return done("/admin/models", "saved")
