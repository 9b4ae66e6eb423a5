"""Sign in and out; the home page sends each role to its own first page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from core import websessions
from core.errors import AuthenticationFailed
from web.deps import SessionDep
from web.pages import committing, safe_next
from web.security import (
    SESSION_COOKIE,
    CsrfChecked,
    WebUser,
    client_ip,
    set_session_cookie,
)
from web.templating import home_of, render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(user: WebUser) -> RedirectResponse:
    """Each role starts on its own page."""
    return RedirectResponse(home_of(user), status_code=303)


@router.get("/login")
def login_page(request: Request, session: SessionDep, expired: str = "", next: str = "") -> HTMLResponse:
    """The sign-in form (someone else may sign in on a browser where a session is still open)."""
    _adopt_open_session(request, session)
    notice = "登录已过期，请重新登录" if expired else None
    return render(request, "login.html", {"error": None, "notice": notice, "next": next})


def _adopt_open_session(request: Request, session: SessionDep) -> None:
    # A signed-in browser's forms carry the session's token, and only that one passes the check: so does
    # this form, or the next person at a shared duty desk could not sign in over the open session.
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return
    try:
        request.state.session_csrf = websessions.read_session(session, token=token, touch=False).csrf_token
    except AuthenticationFailed:
        return  # an ended or expired session: the form gets a pre-sign-in token as for anyone


@router.post("/login", response_model=None, dependencies=[CsrfChecked])
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form()] = "",
) -> Response:
    """Check the credentials (throttled) and start a cookie session."""

    def shown(exc: AuthenticationFailed) -> HTMLResponse:
        status = 429 if exc.code == "throttled" else 401
        context = {"error": exc.message, "username": username, "next": next}
        return render(request, "login.html", context, status_code=status)

    with committing(session, AuthenticationFailed, shown=shown):
        started = websessions.sign_in(
            session,
            username=username,
            password=password,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent", ""),
        )
        user = started.session.user
        websessions.purge_old(session)
    response = RedirectResponse(safe_next(next, home_of(user)), status_code=303)
    set_session_cookie(response, started.token)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, session: SessionDep, user: WebUser) -> RedirectResponse:
    """End the session on the server and in the browser."""
    websessions.end_session(session, token=request.cookies.get(SESSION_COOKIE, ""))
    session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
