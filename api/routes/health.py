"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import SessionDep
from core.errors import ServiceUnavailable

router = APIRouter(tags=["health"])


@router.get("/health")
def health(session: SessionDep) -> dict[str, str]:
    """200 when the API and its database answer."""
    try:
        session.execute(text("SELECT 1"))
    except Exception as exc:
        raise ServiceUnavailable(f"数据库不可用：{type(exc).__name__}") from exc
    return {"status": "ok", "database": "ok"}
