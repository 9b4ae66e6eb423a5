"""The scoring policy's items, its input form, and the score sheets as shown and exported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.schemas import LocalDatetime, SectionRef

ItemKey = Literal["late_ack", "overdue", "escalated", "reopened", "dissatisfied", "on_time_close"]


@dataclass(frozen=True, slots=True)
class Item:
    """One line of a score sheet: what is counted (from the audit log) and whether it deducts or adds."""

    label: str
    direction: Literal["deduct", "add"]
    counts: str


ITEMS: dict[str, Item] = {
    "late_ack": Item("签收超时", "deduct", "签收晚于签收时限的案件（签收事件）"),
    "overdue": Item("办理超时", "deduct", "回应或办结超时、转中心领导督办的案件（超时事件，每案每期一次）"),
    "escalated": Item("督办", "deduct", "中心领导或管理员督办（每次督办事件）"),
    "reopened": Item("发回重办", "deduct", "案件被发回重办（每次重办事件，含回访不满意发回）"),
    "dissatisfied": Item("回访不满意", "deduct", "回访记录为不满意（每次回访事件）"),
    "on_time_close": Item("按时办结", "add", "在办结时限内办结的案件（办结事件，每案每期一次）"),
}

DEFAULT_RULES: dict[str, Any] = {
    "base": 100,
    "floor": 0,
    "ceiling": None,
    "items": {
        "late_ack": {"points": 1, "cap": 10},
        "overdue": {"points": 2, "cap": 20},
        "escalated": {"points": 2, "cap": 10},
        "reopened": {"points": 3, "cap": 15},
        "dissatisfied": {"points": 2, "cap": 10},
        "on_time_close": {"points": 0.5, "cap": 10},
    },
}


class ItemRule(BaseModel):
    """Points per occurrence and the most this item may deduct or add in one period (no cap when null)."""

    model_config = ConfigDict(extra="forbid")

    points: float = Field(ge=0, le=100)
    cap: float | None = Field(default=None, ge=0, le=1000)


class PolicyIn(BaseModel):
    """A new version of the scoring policy: the base score, each item's points and cap, optional bounds."""

    model_config = ConfigDict(extra="forbid")

    base: float = Field(ge=0, le=1000)
    floor: float | None = Field(default=None, ge=0, le=1000)
    ceiling: float | None = Field(default=None, ge=0, le=1000)
    items: dict[ItemKey, ItemRule]
    note: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _bounds(self) -> PolicyIn:
        if self.floor is not None and self.floor > self.base:
            raise ValueError("floor 不能高于 base")
        if self.ceiling is not None and self.ceiling < self.base:
            raise ValueError("ceiling 不能低于 base")
        return self

    def rules(self) -> dict[str, Any]:
        """The policy as stored (every item present; a missing one counts zero points)."""
        items = {key: {"points": 0.0, "cap": None} for key in ITEMS}
        items.update({key: rule.model_dump() for key, rule in self.items.items()})
        return {"base": self.base, "floor": self.floor, "ceiling": self.ceiling, "items": items}


class PolicyOut(BaseModel):
    """A version of the policy (version 0: the built-in default, never saved)."""

    version: int
    rules: dict[str, Any]
    note: str
    created_at: LocalDatetime | None
    created_by: str | None
    items: dict[str, dict[str, str]] = Field(
        default_factory=lambda: {
            k: {"label": v.label, "direction": v.direction, "counts": v.counts} for k, v in ITEMS.items()
        }
    )


class Evidence(BaseModel):
    """The audit event a point comes from, and its case."""

    alert_id: int
    event_id: int
    at: LocalDatetime
    title: str
    url: str


class SheetItem(BaseModel):
    """One item of a section's sheet: how many, points each, the points after the cap, and the evidence."""

    key: str
    label: str
    direction: Literal["deduct", "add"]
    count: int
    points_each: float
    cap: float | None
    points: float
    capped: bool
    evidence: list[Evidence]


class Sheet(BaseModel):
    """A section's score sheet for the period."""

    section: SectionRef
    base: float
    deductions: float
    additions: float
    total: float
    bounded: bool = Field(description="the total was held at the policy's floor or ceiling")
    items: list[SheetItem]


class SheetsOut(BaseModel):
    """Every section's sheet for one period, and whether the period is published (frozen)."""

    period: str
    kind: Literal["month", "year"]
    label: str
    start: LocalDatetime
    end: LocalDatetime
    status: Literal["draft", "published"]
    published_at: LocalDatetime | None = None
    policy_version: int
    policy: dict[str, Any]
    sheets: list[Sheet]
    computed_at: datetime | None = None
