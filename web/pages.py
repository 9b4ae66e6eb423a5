"""Helpers shared by the page routers: error pages, redirects after a form, safe targets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from core.errors import MuqingError, http_status
from web.templating import render

HTTP_MESSAGES = {404: "页面不存在", 405: "不支持这种请求方式", 403: "无权访问"}
# The code of the domain error a page answers with, as the API gives it in its JSON "code".
ERROR_CODE_HEADER = "X-Error-Code"

Refusal = TypeVar("Refusal", bound=MuqingError)


def render_error(request: Request, exc: MuqingError | StarletteHTTPException) -> HTMLResponse:
    """An error page in Chinese, with the navigation of whoever is signed in."""
    user = getattr(request.state, "page_user", None)
    if isinstance(exc, MuqingError):
        status, message = http_status(exc), exc.message
    else:
        status, message = exc.status_code, HTTP_MESSAGES.get(exc.status_code, "请求无法完成")
    response = render(request, "error.html", {"message": message, "status": status}, user=user, status_code=status)
    if isinstance(exc, MuqingError):
        response.headers[ERROR_CODE_HEADER] = exc.code
    return response


def form_error(
    request: Request,
    template: str,
    context: dict[str, Any],
    error: MuqingError,
    *,
    user: Any,
    active: str = "admin",
) -> HTMLResponse:
    """A form page shown again with a domain error: the API's status and code, the message beside the form."""
    shown = {**context, "error": error.message, "error_code": error.code, "error_field": error.details.get("field")}
    response = render(request, template, shown, user=user, active=active, status_code=http_status(error))
    response.headers[ERROR_CODE_HEADER] = error.code
    return response


class ShownInstead(Exception):
    """The page a refused form answers with; the app's handler (``web.routes``) sends ``response`` as it is."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


@contextmanager
def committing(session: Session, *errors: type[Refusal], shown: Callable[[Refusal], Response]) -> Iterator[None]:
    """Commit what the block did; on one of ``errors`` roll back and answer with ``shown(error)`` instead.

    ``shown`` may raise (a 404 stays the app's 404 page); any other exception passes through untouched.
    """
    if not errors:
        raise TypeError("committing() needs the errors a form may be refused with")
    try:
        yield
        session.commit()
    except errors as exc:
        session.rollback()
        raise ShownInstead(shown(exc)) from exc


def done(path: str, key: str, anchor: str = "") -> RedirectResponse:
    """Back to a page after a successful form, with a fixed message key."""
    separator = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{separator}done={key}{anchor}", status_code=303)


def safe_next(target: str | None, default: str) -> str:
    """A same-site path to go to after signing in (never another host)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
