"""Pages: sign in, the alerts visible to you, one alert with the actions your role allows."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from alerts import service as alert_service
from alerts.flows import transition
from alerts.lifecycle import STATUS_LABELS, TRANSITIONS, allowed_actions
from alerts.schemas import RESPONSE_CHANNELS, ResponseInput
from api.deps import SessionDep
from api.security import create_access_token, read_access_token
from core.config import get_settings
from core.errors import AuthenticationFailed, MuqingError
from core.models import Section, User
from core.service import authenticate
from core.timeutil import to_local
from core.types import CATEGORY_LABELS

HERE = Path(__file__).parent
SESSION_COOKIE = "muqing_session"
CSRF_COOKIE = "muqing_csrf"
ROLE_LABELS = {"admin": "管理员", "duty": "值班员", "leader": "中心领导", "head": "科室负责人", "staff": "科室经办人"}

templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals.update(
    STATUS_LABELS=STATUS_LABELS,
    CATEGORY_LABELS=CATEGORY_LABELS,
    ROLE_LABELS=ROLE_LABELS,
    TRANSITIONS=TRANSITIONS,
    RESPONSE_CHANNELS=RESPONSE_CHANNELS,
)


def _local_time(value: datetime | None) -> str:
    local = to_local(value)
    return local.strftime("%Y-%m-%d %H:%M") if local else "—"


templates.env.filters["local"] = _local_time

router = APIRouter(include_in_schema=False)


class LoginRequired(Exception):
    """Raised to send the browser to the sign-in page."""


def web_user(request: Request, session: SessionDep) -> User:
    """The user of the session cookie, or a redirect to sign in."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired
    try:
        user = session.get(User, read_access_token(token))
    except AuthenticationFailed as exc:
        raise LoginRequired from exc
    if user is None or not user.active:
        raise LoginRequired
    return user


WebUser = Annotated[User, Depends(web_user)]


def csrf_token(request: Request) -> str:
    """The double-submit CSRF token of this browser (set as a cookie on first page view)."""
    return request.cookies.get(CSRF_COOKIE) or request.state.__dict__.setdefault("new_csrf", secrets.token_urlsafe(24))


def check_csrf(request: Request, submitted: str) -> None:
    """Refuse a form whose token does not match the browser's cookie."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, submitted):
        raise AuthenticationFailed("页面已过期或请求来源异常，请刷新页面后重试")


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """Render a template with the CSRF token, setting its cookie when new."""
    token = csrf_token(request)
    response = templates.TemplateResponse(request, name, {**context, "csrf": token}, status_code=status_code)
    if "new_csrf" in request.state.__dict__:
        response.set_cookie(
            CSRF_COOKIE, token, httponly=True, samesite="strict", secure=get_settings().env == "production"
        )
    return response


@router.get("/login")
def login_page(request: Request) -> HTMLResponse:
    """The sign-in form."""
    return render(request, "login.html", {"error": None})


@router.post("/login", response_model=None)
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Check the credentials and start a cookie session."""
    try:
        check_csrf(request, csrf)
        user = authenticate(session, username=username, password=password)
    except AuthenticationFailed as exc:
        return render(request, "login.html", {"error": exc.message, "username": username}, status_code=401)
    session.commit()
    settings = get_settings()
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        create_access_token(user_id=user.id),
        max_age=settings.token_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=settings.env == "production",
    )
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> RedirectResponse:
    """End the session."""
    check_csrf(request, csrf)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def alert_list(request: Request, session: SessionDep, user: WebUser, status: str | None = None) -> HTMLResponse:
    """The alerts visible to the signed-in user."""
    items, total = alert_service.list_alerts(session, user=user, status=[status] if status else [], limit=200)
    return render(request, "alerts.html", {"user": user, "alerts": items, "total": total, "status": status})


@router.get("/alerts/{alert_id}")
def alert_page(request: Request, session: SessionDep, user: WebUser, alert_id: int) -> HTMLResponse:
    """One alert: posts, analysis, routing, timeline, responses and the allowed actions."""
    return _alert_page(request, session, user, alert_id, error=None)


def _alert_page(
    request: Request, session: SessionDep, user: User, alert_id: int, error: str | None, status_code: int = 200
) -> HTMLResponse:
    try:
        alert = alert_service.get_alert(session, user=user, alert_id=alert_id)
    except MuqingError as exc:
        return render(request, "error.html", {"user": user, "message": exc.message}, status_code=404)
    sections = session.query(Section).filter(Section.active.is_(True)).order_by(Section.id).all()
    return render(
        request,
        "alert.html",
        {
            "user": user,
            "alert": alert,
            "actions": allowed_actions(status=alert.status, role=user.role),
            "sections": sections,
            "error": error,
        },
        status_code=status_code,
    )


@router.post("/alerts/{alert_id}/action", response_model=None)
def alert_action(
    request: Request,
    session: SessionDep,
    user: WebUser,
    alert_id: int,
    action: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    section_id: Annotated[str, Form()] = "",
    response: Annotated[str, Form()] = "",
    channel: Annotated[str, Form()] = "website",
    link: Annotated[str, Form()] = "",
) -> Response:
    """Apply an action from the alert page, then show the alert again."""
    try:
        check_csrf(request, csrf)
        alert = alert_service.get_alert(session, user=user, alert_id=alert_id)
        transition(
            session,
            alert=alert,
            actor=user,
            action=action,
            section_id=int(section_id) if section_id.strip().isdigit() else None,
            note=note,
            response=ResponseInput(content=response, channel=channel, link=link or None) if response.strip() else None,
        )
        session.commit()
    except MuqingError as exc:
        session.rollback()
        return _alert_page(request, session, user, alert_id, error=exc.message, status_code=400)
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)


def mount(app: FastAPI) -> None:
    """Add the pages and our static files to ``app``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse("/login", status_code=303)
