"""The alert lifecycle, defined once as a table: action, from-states, to-state, roles, required fields.

``target`` None means the action leaves the state as it is (督办, 延期, 回访 …). A few moves depend on the
case as well as the table, and the flows apply them on top of it (see ``alerts/cases/flows.py``):
- ``respond`` on a case whose policy needs sign-off (较大, 重大) by staff records the response as waiting for
  the section head's ``sign_off``: the case shows as responded but counts as responded (``responded_at``,
  the figures) only from the sign-off; ``reject_response`` sends it back to in progress; a head's (or
  leader's) own response is signed off at once;
- ``approve_extension`` / ``refuse_extension`` by a head is refused when the policy names the leader (重大);
- ``follow_up`` with 不满意 reopens the case (发回重办), a second audit event ``reopen``;
- ``close`` by a head (or leader) while a response waits for sign-off signs it off first (audit: ``sign_off``,
  then ``close``); an admin cannot close such a case.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.types import SEVERITIES, Role

if TYPE_CHECKING:
    from alerts.cases.models import Alert


class Status(enum.StrEnum):
    """Case states (docs/product.md), with ``merged`` for a case folded into another."""

    new = "new"
    acknowledged = "acknowledged"  # 已签收
    assigned = "assigned"  # 已转办
    in_progress = "in_progress"  # 办理中
    responded = "responded"  # 已回应
    closed = "closed"  # 已办结
    dismissed = "dismissed"  # 无需回应
    merged = "merged"  # 已合并


STATUS_LABELS: dict[str, str] = {
    "new": "待签收",
    "acknowledged": "已签收",
    "assigned": "已转办",
    "in_progress": "办理中",
    "responded": "已回应",
    "closed": "已办结",
    "dismissed": "无需回应",
    "merged": "已合并",
}

OPEN_STATUSES = frozenset({Status.new, Status.acknowledged, Status.assigned, Status.in_progress})
LIVE_STATUSES = OPEN_STATUSES | {Status.responded}
SECTION_ROLES = frozenset({Role.staff, Role.head})
COORDINATORS = frozenset({Role.duty, Role.admin, Role.leader})
APPROVERS = frozenset({Role.head, Role.leader})
EVERYONE = frozenset(Role)
HANDLING = frozenset({Status.assigned, Status.in_progress})


@dataclass(frozen=True, slots=True)
class Transition:
    """One allowed move; ``required`` names request fields that must be present."""

    action: str
    label: str
    sources: frozenset[Status]
    target: Status | None
    roles: frozenset[Role]
    required: tuple[str, ...] = ()


def _t(
    action: str,
    label: str,
    sources: frozenset[Status] | set[Status],
    target: Status | None,
    roles: frozenset[Role] | set[Role],
    *required: str,
) -> Transition:
    return Transition(action, label, frozenset(sources), target, frozenset(roles), tuple(required))


S = Status
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("acknowledge", "签收", {S.new}, S.acknowledged, COORDINATORS),
        _t("assign", "转办", {S.acknowledged, S.assigned, S.in_progress}, S.assigned, COORDINATORS),
        _t("start", "开始办理", {S.assigned}, S.in_progress, SECTION_ROLES),
        _t("respond", "回应", {S.in_progress}, S.responded, SECTION_ROLES, "response"),
        _t("sign_off", "审核签发", {S.responded}, None, APPROVERS),
        _t("reject_response", "退回修改", {S.responded}, S.in_progress, APPROVERS, "note"),
        _t("close", "办结", {S.responded}, S.closed, {Role.head, Role.leader, Role.admin}),
        _t("dismiss", "无需回应", {S.new, S.acknowledged}, S.dismissed, COORDINATORS, "note"),
        _t("send_back", "退回", HANDLING, S.acknowledged, SECTION_ROLES, "note"),
        _t(
            "reopen",
            "重办",
            {S.responded, S.closed},
            S.in_progress,
            {Role.duty, Role.leader, Role.admin, Role.head},
            "note",
        ),
        _t("escalate", "督办", LIVE_STATUSES, None, {Role.leader, Role.admin}, "note"),
        _t("clear_escalation", "解除督办", LIVE_STATUSES, None, {Role.leader, Role.admin}),
        _t("set_severity", "调整级别", OPEN_STATUSES, None, COORDINATORS, "severity"),
        _t("request_extension", "申请延期", HANDLING, None, SECTION_ROLES, "note"),
        _t("approve_extension", "批准延期", HANDLING, None, APPROVERS),
        _t("refuse_extension", "不批准延期", HANDLING, None, APPROVERS, "note"),
        _t("follow_up", "回访", {S.responded, S.closed}, None, EVERYONE, "satisfaction"),
        _t("merge", "合并", OPEN_STATUSES, S.merged, COORDINATORS, "target_alert_id"),
        _t("comment", "记录进展", LIVE_STATUSES, None, EVERYONE, "note"),
    )
}
del S

FIELD_LABELS = {
    "response": "回应内容",
    "note": "说明（原因）",
    "section_id": "科室",
    "severity": "级别",
    "satisfaction": "满意度",
    "target_alert_id": "合并到的预警",
}

SATISFACTION = ("满意", "基本满意", "不满意")
INFO_REQUEST = "依申请公开"
# What users see as the case's class: the three severities, or the information-request clock.
POLICY_SEVERITIES = (*SEVERITIES, INFO_REQUEST)


def allowed_actions(*, status: str, role: str, alert: Alert | None = None) -> list[str]:
    """The actions a role may take on an alert in ``status`` (for showing buttons).

    With ``alert`` given, actions that need a pending item (a response to sign off, an extension to decide)
    appear only when there is one.
    """
    actions = [t.action for t in TRANSITIONS.values() if status in t.sources and role in t.roles]
    if alert is None:
        return actions
    pending_response = alert.pending_response is not None
    pending_extension = alert.pending_extension is not None
    keep = []
    for action in actions:
        if action in ("sign_off", "reject_response") and not pending_response:
            continue
        if action in ("approve_extension", "refuse_extension") and not pending_extension:
            continue
        if action == "request_extension" and pending_extension:
            continue
        if action == "respond" and pending_response:
            continue
        if action == "set_severity" and alert.kind == "info_request":
            continue
        keep.append(action)
    return keep
