"""Cookie sessions, CSRF tokens, role guards and security headers for the pages."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.responses import Response

from core import websessions
from core.config import get_settings
from core.errors import AuthenticationFailed, MuqingError, PermissionDenied
from core.models import User
from core.types import Role
from core.websessions import WebSession
from web.deps import SessionDep

SESSION_COOKIE = "muqing_session"
CSRF_COOKIE = "muqing_csrf"
CSRF_HEADER = "x-csrf-token"

# No inline script anywhere: page data travels in <script type="application/json"> blocks.
# Inline styles stay allowed because the chart library styles the SVG it draws.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class LoginRequired(Exception):
    """Raised to send the browser to the sign-in page, with the code of why (e.g. ``session_expired``)."""

    def __init__(self, reason: str = "", *, code: str = "unauthenticated") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


def secure_cookies() -> bool:
    """Cookies carry the Secure flag in production (served over HTTPS)."""
    return get_settings().env == "production"


def client_ip(request: Request) -> str:
    """The peer address (a reverse proxy must set it through uvicorn's --proxy-headers)."""
    return request.client.host if request.client else ""


def web_session(request: Request, session: SessionDep) -> WebSession:
    """The live session of this browser, or a redirect to sign in."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        raise LoginRequired
    try:
        row = websessions.read_session(session, token=token, touch=request.method == "GET")
    except AuthenticationFailed as exc:
        raise LoginRequired(exc.message, code=exc.code) from exc
    request.state.web_session = row
    request.state.session_csrf = row.csrf_token
    user = row.user
    # A snapshot for pages rendered after the request's database session has closed (error pages).
    request.state.page_user = SimpleNamespace(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        section=SimpleNamespace(id=user.section.id, name=user.section.name) if user.section else None,
    )
    return row


def web_user(row: Annotated[WebSession, Depends(web_session)]) -> User:
    """The signed-in user."""
    return row.user


WebUser = Annotated[User, Depends(web_user)]


def require_roles(*roles: Role) -> Any:
    """A dependency that lets only ``roles`` in (others see a clear refusal)."""

    def check(user: WebUser) -> User:
        if user.role not in roles:
            raise PermissionDenied("当前角色无权访问此页面")
        return user

    return Depends(check)


def csrf_token(request: Request) -> str:
    """The CSRF token for forms: the session's own once signed in, else a double-submit cookie token."""
    signed_in = getattr(request.state, "session_csrf", None)
    if signed_in:
        return str(signed_in)
    existing = request.cookies.get(CSRF_COOKIE)
    if existing:
        return existing
    new = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(24)
    request.state.new_csrf = new
    return str(new)


async def check_csrf(request: Request, session: SessionDep) -> None:
    """Refuse a state-changing request whose token (form field or header) matches neither known token."""
    submitted = request.headers.get(CSRF_HEADER, "")
    if not submitted:
        form = await request.form()
        value = form.get("csrf", "")
        submitted = value if isinstance(value, str) else ""
    row = getattr(request.state, "web_session", None)
    if row is None and request.cookies.get(SESSION_COOKIE):
        try:
            row = websessions.read_session(session, token=request.cookies[SESSION_COOKIE], touch=False)
        except AuthenticationFailed:
            row = None
    # Signed in, only the session's own token counts: the pre-sign-in cookie can be planted by a page on
    # another port of the same host (cookies do not tell ports apart), so it is good for signing in only.
    expected = [str(row.csrf_token)] if row is not None else [request.cookies.get(CSRF_COOKIE, "")]
    if not submitted or not any(token and hmac.compare_digest(token, submitted) for token in expected):
        raise CsrfFailed("页面已过期或请求来源异常，请刷新页面后重试")


class CsrfFailed(MuqingError):
    """A form without the right CSRF token."""

    code = "csrf"


CsrfChecked = Depends(check_csrf)


def set_session_cookie(response: Response, token: str) -> None:
    """The session cookie: HttpOnly, SameSite=Lax (links from e-mail still open pages), Secure in production.

    The pre-sign-in CSRF cookie goes at the same time: the session brings a token of its own.
    """
    response.delete_cookie(CSRF_COOKIE, path="/")
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=get_settings().token_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(),
        path="/",
    )


def set_csrf_cookie_if_new(request: Request, response: Response) -> None:
    """Give the browser its double-submit token the first time a form is shown before sign-in."""
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="strict", secure=secure_cookies(), path="/")


async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Headers every page carries: CSP, no framing, no sniffing, no referrer leaks to other sites."""
    response = await call_next(request)
    path = request.url.path
    if not path.startswith("/api/docs"):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Cache-Control", "no-store")
    if path.startswith("/static/"):
        # Asset URLs carry a version query (?v=…), so browsers may keep them for a long time.
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    if secure_cookies():
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
