"""Administration: users and roles, sections, models (rules, roster, sources in their own modules)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import websessions
from core.errors import InvalidInput, NotFound
from core.models import Section, User
from core.service import create_user, set_password
from core.types import Role
from nlp.registry import activate_version, active_version, comparisons, list_versions
from web import figures
from web.deps import SessionDep
from web.pages import done
from web.routes.admin_channels import router as channels_router
from web.routes.admin_roster import router as roster_router
from web.routes.admin_routing import router as routing_router
from web.routes.admin_rules import router as rules_router
from web.routes.admin_sources import router as sources_router
from web.security import CsrfChecked, require_roles
from web.templating import ROLE_LABELS, render

router = APIRouter(include_in_schema=False)
router.include_router(routing_router)
router.include_router(channels_router)
router.include_router(rules_router)
router.include_router(roster_router)
router.include_router(sources_router)

AdminUser = Annotated[User, require_roles(Role.admin)]
MIN_PASSWORD = 8


@router.get("/admin")
def admin_home(user: AdminUser) -> RedirectResponse:
    """Administration starts with the users."""
    return RedirectResponse("/admin/users", status_code=303)


def _section_for(session: SessionDep, role: str, section_id: str) -> Section | None:
    if role not in ROLE_LABELS:
        raise InvalidInput("角色无效", details={"field": "role"})
    section = session.get(Section, int(section_id)) if section_id.isdigit() else None
    if role in (Role.staff, Role.head) and section is None:
        raise InvalidInput("科室经办人和科室负责人必须选择科室", details={"field": "section_id"})
    return section if role in (Role.staff, Role.head) else None


@router.get("/admin/users")
def users_page(request: Request, session: SessionDep, user: AdminUser, edit: int | None = None) -> HTMLResponse:
    """Every user with role, section, state and live sessions; the form to edit one."""
    return _users(request, session, user, edit=edit)


def _users(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    error: str = "",
    status_code: int = 200,
    edit: int | None = None,
) -> HTMLResponse:
    users = session.scalars(select(User).options(selectinload(User.section)).order_by(User.role, User.username)).all()
    sessions = {u.id: websessions.active_session_count(session, user_id=u.id) for u in users}
    return render(
        request,
        "admin/users.html",
        {
            "users": users,
            "editing": next((u for u in users if u.id == edit), None),
            "sessions": sessions,
            "sections": figures.sections(session),
            "error": error,
            "tab": "users",
        },
        user=user,
        active="admin",
        status_code=status_code,
    )


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
    try:
        if len(password) < MIN_PASSWORD:
            raise InvalidInput(f"密码至少 {MIN_PASSWORD} 位", details={"field": "password"})
        if not username.strip():
            raise InvalidInput("请填写用户名", details={"field": "username"})
        section = _section_for(session, role, section_id)
        create_user(
            session,
            username=username.strip(),
            password=password,
            role=role,
            section_code=section.code if section else None,
            display_name=display_name.strip(),
        )
        session.commit()
    except InvalidInput as exc:
        session.rollback()
        return _users(request, session, user, error=exc.message, status_code=400)
    return done("/admin/users", "created")


@router.post("/admin/users/{user_id}", response_model=None, dependencies=[CsrfChecked])
def update_user(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    user_id: int,
    display_name: Annotated[str, Form(max_length=100)],
    role: Annotated[str, Form(max_length=20)],
    section_id: Annotated[str, Form(max_length=20)] = "",
    active: Annotated[str, Form(max_length=5)] = "",
) -> HTMLResponse | RedirectResponse:
    """Change a user's name, role, section or state; a deactivated user is signed out everywhere."""
    target = session.get(User, user_id)
    if target is None:
        raise NotFound(f"用户 {user_id} 不存在")
    try:
        section = _section_for(session, role, section_id)
        if target.id == user.id and (role != Role.admin or not active):
            raise InvalidInput("不能停用自己或取消自己的管理员角色", details={"field": "role"})
    except InvalidInput as exc:
        return _users(request, session, user, error=exc.message, status_code=400)
    target.display_name = display_name.strip() or target.username
    target.role = role
    target.section_id = section.id if section else None
    target.active = bool(active)
    if not target.active:
        websessions.end_user_sessions(session, user_id=target.id)
    session.commit()
    return done("/admin/users", "saved")


@router.post("/admin/users/{user_id}/password", response_model=None, dependencies=[CsrfChecked])
def reset_password(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    user_id: int,
    password: Annotated[str, Form(max_length=256)],
) -> HTMLResponse | RedirectResponse:
    """Set a new password and end the user's sessions."""
    target = session.get(User, user_id)
    if target is None:
        raise NotFound(f"用户 {user_id} 不存在")
    if len(password) < MIN_PASSWORD:
        return _users(request, session, user, error=f"密码至少 {MIN_PASSWORD} 位", status_code=400)
    set_password(session, user=target, password=password)
    websessions.end_user_sessions(session, user_id=target.id)
    session.commit()
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
def create_section(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    code: Annotated[str, Form(max_length=40, pattern=r"^[a-z][a-z0-9_-]*$")],
    name: Annotated[str, Form(min_length=1, max_length=100)],
    description: Annotated[str, Form(max_length=1000)] = "",
) -> HTMLResponse | RedirectResponse:
    """Add a section."""
    if session.scalar(select(Section).where(Section.code == code)) is not None:
        context = {"sections": figures.sections(session), "tab": "sections", "error": f"科室代码 {code} 已存在"}
        return render(request, "admin/sections.html", context, user=user, active="admin", status_code=400)
    session.add(Section(code=code, name=name.strip(), description=description.strip()))
    session.commit()
    return done("/admin/sections", "created")


@router.post("/admin/sections/{section_id}", dependencies=[CsrfChecked])
def update_section(
    session: SessionDep,
    user: AdminUser,
    section_id: int,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    description: Annotated[str, Form(max_length=1000)] = "",
    active: Annotated[str, Form(max_length=5)] = "",
) -> RedirectResponse:
    """Rename, describe, or (de)activate a section."""
    section = session.get(Section, section_id)
    if section is None:
        raise NotFound(f"科室 {section_id} 不存在")
    section.name = name.strip()
    section.description = description.strip()
    section.active = bool(active)
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
