"""Helpers shared by the page routers: error pages, redirects after a form, safe targets."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    MuqingError,
    NotFound,
    PermissionDenied,
    ServiceUnavailable,
)
from web.templating import render

ERROR_STATUS: dict[type[MuqingError], int] = {
    NotFound: 404,
    PermissionDenied: 403,
    Conflict: 409,
    InvalidInput: 400,
    AuthenticationFailed: 400,
    ServiceUnavailable: 503,
}

HTTP_MESSAGES = {404: "页面不存在", 405: "不支持这种请求方式", 403: "无权访问"}


def _status(error: MuqingError) -> int:
    for error_type in type(error).__mro__:
        if error_type in ERROR_STATUS:
            return ERROR_STATUS[error_type]
    return 400


def render_error(request: Request, exc: MuqingError | StarletteHTTPException) -> HTMLResponse:
    """An error page in Chinese, with the navigation of whoever is signed in."""
    user = getattr(request.state, "page_user", None)
    if isinstance(exc, MuqingError):
        status, message = _status(exc), exc.message
    else:
        status, message = exc.status_code, HTTP_MESSAGES.get(exc.status_code, "请求无法完成")
    return render(request, "error.html", {"message": message, "status": status}, user=user, status_code=status)


def done(path: str, key: str, anchor: str = "") -> RedirectResponse:
    """Back to a page after a successful form, with a fixed message key."""
    separator = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{separator}done={key}{anchor}", status_code=303)


def safe_next(target: str | None, default: str) -> str:
    """A same-site path to go to after signing in (never another host)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
