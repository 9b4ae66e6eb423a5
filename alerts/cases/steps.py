"""What a lifecycle action carries in (``ActionInput``) and what its handler decides (``Step``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from alerts.cases.lifecycle import Status
from alerts.cases.models import Alert
from alerts.cases.schemas import ResponseInput
from core.models import User


@dataclass(slots=True)
class Step:
    """What a handler decided: the state to move to, the audit note and data, and follow-on events."""

    target: Status | None
    note: str
    data: dict[str, Any] = field(default_factory=dict)
    after: list[Callable[[], None]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ActionInput:
    """Everything an action may carry besides its name."""

    note: str = ""
    section_id: int | None = None
    response: ResponseInput | None = None
    severity: str | None = None
    target_alert_id: int | None = None
    satisfaction: str | None = None
    method: str = "phone"
    extension: dict[str, Any] | None = None
    co_section_ids: list[int] | None = None
    assignee_id: int | None = None


Handler = Callable[[Session, Alert, User, ActionInput, datetime], Step]
