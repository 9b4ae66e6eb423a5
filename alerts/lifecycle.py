"""The alert lifecycle, defined once as a table: action, from-states, to-state, roles, required fields."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core.types import Role


class Status(enum.StrEnum):
    """Alert states of DESIGN.md."""

    new = "new"
    acknowledged = "acknowledged"  # 已签收
    assigned = "assigned"  # 已转办
    in_progress = "in_progress"  # 办理中
    responded = "responded"  # 已回应
    closed = "closed"  # 已办结
    dismissed = "dismissed"  # 无需回应


STATUS_LABELS: dict[str, str] = {
    "new": "待签收",
    "acknowledged": "已签收",
    "assigned": "已转办",
    "in_progress": "办理中",
    "responded": "已回应",
    "closed": "已办结",
    "dismissed": "无需回应",
}

OPEN_STATUSES = frozenset({Status.new, Status.acknowledged, Status.assigned, Status.in_progress})
SECTION_ROLES = frozenset({Role.staff, Role.head})
COORDINATORS = frozenset({Role.duty, Role.admin, Role.leader})


@dataclass(frozen=True, slots=True)
class Transition:
    """One allowed move; ``required`` names request fields that must be present."""

    action: str
    label: str
    sources: frozenset[Status]
    target: Status
    roles: frozenset[Role]
    required: tuple[str, ...] = ()


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("acknowledge", "签收", frozenset({Status.new}), Status.acknowledged, COORDINATORS),
        Transition(
            "assign",
            "转办",
            frozenset({Status.acknowledged, Status.assigned, Status.in_progress}),
            Status.assigned,
            COORDINATORS,
        ),
        Transition("start", "开始办理", frozenset({Status.assigned}), Status.in_progress, SECTION_ROLES),
        Transition(
            "respond",
            "回应",
            frozenset({Status.in_progress}),
            Status.responded,
            SECTION_ROLES,
            required=("response",),
        ),
        Transition(
            "close",
            "办结",
            frozenset({Status.responded}),
            Status.closed,
            frozenset({Role.head, Role.leader, Role.admin}),
        ),
        Transition(
            "dismiss",
            "无需回应",
            frozenset({Status.new, Status.acknowledged}),
            Status.dismissed,
            COORDINATORS,
            required=("note",),
        ),
        Transition(
            "send_back",
            "退回",
            frozenset({Status.assigned, Status.in_progress}),
            Status.acknowledged,
            SECTION_ROLES,
            required=("note",),
        ),
        Transition(
            "reopen",
            "重办",
            frozenset({Status.responded, Status.closed}),
            Status.in_progress,
            frozenset({Role.duty, Role.leader, Role.admin, Role.head}),
            required=("note",),
        ),
    )
}

FIELD_LABELS = {"response": "回应内容", "note": "说明（原因）", "section_id": "科室"}


def allowed_actions(*, status: str, role: str) -> list[str]:
    """The actions a role may take on an alert in ``status`` (for showing buttons)."""
    return [t.action for t in TRANSITIONS.values() if status in t.sources and role in t.roles]
