"""The pages, one router per area, mounted on the API application with our static files."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response

from core.errors import MuqingError
from web.security import LoginRequired, security_headers
from web.templating import STATIC


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith("/api")


async def _shown_instead(request: Request, exc: Exception) -> Response:
    """The page a refused form answers with (``web.pages.committing``), sent as it was rendered."""
    from web.pages import ShownInstead

    assert isinstance(exc, ShownInstead)
    return exc.response


def mount(app: FastAPI) -> None:
    """Add the pages, our static files, compression and the page error handlers to ``app``."""
    from web.pages import ShownInstead, render_error
    from web.routes import (
        admin,
        admin_models,
        alert_files,
        alerts,
        auth,
        cases,
        console,
        dashboard,
        disclosure,
        disclosure_reports,
        feedback,
        inbox,
        intake,
        labelling,
        reports,
        scoring,
        search,
        statements,
        workbench,
    )

    # cases before alerts: /alerts/new is a page, not an alert id.
    modules = (
        auth,
        console,
        cases,
        alerts,
        alert_files,
        workbench,
        inbox,
        dashboard,
        reports,
        search,
        feedback,
        intake,
        statements,
        disclosure,
        disclosure_reports,
        scoring,
        labelling,
        admin,
        admin_models,
    )
    for module in modules:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.middleware("http")(security_headers)
    app.add_middleware(GZipMiddleware, minimum_size=600)

    api_domain_handler = app.exception_handlers.get(MuqingError)
    api_http_handler = app.exception_handlers.get(StarletteHTTPException)

    async def _login(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        target = "/login?expired=1" if exc.code == "session_expired" else "/login"
        if request.url.path not in ("/", "/logout") and request.method == "GET":
            target += ("&" if "?" in target else "?") + "next=" + request.url.path
        return RedirectResponse(target, status_code=303)

    async def _domain_error(request: Request, exc: Exception) -> Response:
        if not _is_page(request) and api_domain_handler is not None:
            return await api_domain_handler(request, exc)  # type: ignore[misc]
        assert isinstance(exc, MuqingError)
        return render_error(request, exc)

    async def _http_error(request: Request, exc: Exception) -> Response:
        if not _is_page(request) and api_http_handler is not None:
            return await api_http_handler(request, exc)  # type: ignore[misc]
        assert isinstance(exc, StarletteHTTPException)
        return render_error(request, exc)

    app.add_exception_handler(ShownInstead, _shown_instead)
    app.add_exception_handler(LoginRequired, _login)
    app.add_exception_handler(MuqingError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
