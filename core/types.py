"""Column types and enums shared by every domain."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

# Here too, where every domain has always found them; their own module lets the command line name roles
# without loading the database layer.
from core.roles import ROLE_LABELS as ROLE_LABELS
from core.roles import Role as Role

JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone first")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Severity(enum.StrEnum):
    """Alert severity; the values are the Chinese terms users and policies use."""

    ordinary = "一般"
    significant = "较大"
    major = "重大"


# The severities in rising order (the values users and policies use), and each one's rank.
SEVERITIES: tuple[str, ...] = tuple(severity.value for severity in Severity)
SEVERITY_RANK: dict[str, int] = {severity: rank for rank, severity in enumerate(SEVERITIES, start=1)}


class Category(enum.StrEnum):
    """The classifier's category codes (the taxonomy of docs/product.md)."""

    epidemic = "epidemic"
    pollution = "pollution"
    slaughter = "slaughter"
    product_safety = "product_safety"
    policy = "policy"
    market = "market"
    conduct = "conduct"
    other = "other"


CATEGORY_LABELS: dict[str, str] = {
    "epidemic": "动物疫病防控",
    "pollution": "养殖污染",
    "slaughter": "屠宰管理",
    "product_safety": "畜产品与投入品质量安全",
    "policy": "政策补贴与审批服务",
    "market": "市场供应与价格",
    "conduct": "机构作风与人员",
    "other": "非本中心职责",
}


class Sentiment(enum.StrEnum):
    """Sentiment of a post."""

    negative = "negative"
    neutral = "neutral"
    positive = "positive"
