"""Time helpers: stored in UTC, shown in the configured zone (Asia/Shanghai)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.config import get_settings


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    """The zone users live in."""
    return ZoneInfo(get_settings().timezone)


def to_local(value: datetime | None) -> datetime | None:
    """An aware datetime converted to the users' zone (None passes through)."""
    return value.astimezone(local_zone()) if value is not None else None


def isoformat_local(value: datetime | None) -> str | None:
    """ISO 8601 with the local offset, e.g. ``2025-10-09T17:30:00+08:00``."""
    local = to_local(value)
    return local.isoformat() if local is not None else None
