"""The API application: routers, and domain errors as JSON (their HTTP status is ``core.errors.http_status``).

The web pages are mounted beside it by the composition root (``cli.asgi``), not from here."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError
from sqlalchemy.exc import OperationalError as DatabaseOperationalError
from starlette.types import ASGIApp, Receive, Scope, Send

from api.docs import add_docs
from api.masking import MaskedJSONResponse
from api.routes import (
    alerts,
    auth,
    disclosure,
    district,
    feedback,
    health,
    hotline,
    labelling,
    models,
    notifications,
    posts,
    responses,
    roster,
    routing,
    scoring,
    search,
    sections,
    sla,
    source_admin,
    sources,
    statements,
    stats,
)
from api.serving import install_log_redaction
from core.db import reading, storable
from core.errors import MuqingError, ServiceUnavailable, error_body, http_status

log = logging.getLogger(__name__)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MuqingError)
    status = http_status(exc)
    if status >= 500:
        log.error("%s %s: %s", request.method, request.url.path, exc.message)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(exc), status_code=status, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # The errors echo the input; a lone surrogate in it (half an emoji, sent escaped in JSON) cannot be encoded
    # in the answer, and the 422 would become a 500.
    errors = storable(jsonable_encoder(exc.errors()))
    fields = ["/".join(str(part) for part in error.get("loc", ())) for error in errors]
    return JSONResponse(
        {"detail": errors, "code": "invalid_input", "message": f"请求字段有误：{', '.join(fields)}"},
        status_code=422,
    )


async def _database_down(request: Request, exc: Exception) -> JSONResponse:
    # A database that does not answer is an outage, not a bug: say which service is missing.
    from core.config import get_settings

    engine = "SQLite" if get_settings().is_sqlite else "PostgreSQL"
    busy = "locked" in str(exc) or "busy" in str(exc).lower()
    log.error("%s %s: database %s: %s", request.method, request.url.path, "busy" if busy else "unavailable", exc)
    detail = f"数据库 {engine} " + ("正忙（有较长的写入在进行），请稍后再试" if busy else "暂时不可用，请稍后再试")
    return JSONResponse(
        {"detail": detail, "code": ServiceUnavailable.code, "details": {"service": engine.lower(), "busy": busy}},
        status_code=503,
        headers={"Retry-After": "5"},
    )


# POSTs that only read (a text classified and routed, nothing stored): they must not hold the write lock.
READ_ONLY_POSTS = frozenset({"/alerts/new/triage", "/api/alerts/triage"})


class ReadOnlyRequests:
    """GET and HEAD requests read: on SQLite their transactions begin as WAL readers (``core.db.reading``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, as a reader when its method only reads."""
        if scope["type"] == "http" and (
            scope["method"] in ("GET", "HEAD") or (scope["method"] == "POST" and scope["path"] in READ_ONLY_POSTS)
        ):
            with reading():
                await self.app(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_api() -> FastAPI:
    """The API (under ``/api``) with its error handlers; the composition root adds the pages and the middleware."""
    from core.config import get_settings

    app = FastAPI(
        title="牧情 Muqing",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        max_body_size=get_settings().request_max_bytes,
        default_response_class=MaskedJSONResponse,
    )
    add_docs(app)
    install_log_redaction()
    app.add_exception_handler(MuqingError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DatabaseOperationalError, _database_down)
    app.add_exception_handler(InterfaceError, _database_down)
    for router in (
        health.router,
        auth.router,
        alerts.router,
        stats.router,
        sections.router,
        search.router,
        roster.router,
        routing.router,
        sla.router,
        notifications.router,
        feedback.router,
        models.router,
        labelling.router,
        posts.router,
        sources.router,
        source_admin.router,
        hotline.router,
        district.router,
        responses.router,
        statements.router,
        disclosure.router,
        scoring.router,
    ):
        app.include_router(router, prefix="/api")
    return app
