"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.deps import SessionDep, TokenDep
from api.security import token_user
from core.errors import AuthenticationFailed, ServiceUnavailable
from core.health import check_services

router = APIRouter(tags=["health"])


@router.get("/health")
def health(session: SessionDep) -> dict[str, str]:
    """200 when the API and its database answer."""
    try:
        session.execute(text("SELECT 1"))
    except Exception as exc:
        raise ServiceUnavailable(f"数据库不可用：{type(exc).__name__}") from exc
    return {"status": "ok", "database": "ok"}


@router.get("/health/services", response_model=None)
def services(session: SessionDep, token: TokenDep) -> JSONResponse:
    """Database, job queue and search engine: which answer, and the work waiting in the outboxes.

    503 when any is down. Signed in, each service is named with its address (without credentials) and its
    error; without a login only whether each answers (addresses and errors name internal hosts and paths).
    """
    report: dict[str, Any] = check_services()
    signed_in = _signed_in(session, token)
    session.rollback()  # the checks below open their own sessions
    if not signed_in:
        report["services"] = {
            name: {"engine": state["engine"], "ok": state["ok"]} for name, state in report["services"].items()
        }
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)


def _signed_in(session: Session, token: str | None) -> bool:
    if not token:
        return False
    try:
        token_user(session, token)
    except AuthenticationFailed:
        return False
    except SQLAlchemyError:
        # The database is what is down: the public report says so; the details wait for it.
        return False
    return True
