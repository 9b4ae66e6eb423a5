"""Who hears of what: each audit event becomes a notification kind with its recipients."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.cases.models import Alert, AlertEvent, Extension, Response
from alerts.sla.deadlines import alert_policy
from core.db import transaction_cache
from core.errors import ConfigurationError
from core.models import User
from core.types import SEVERITY_RANK as CASE_SEVERITY_RANK
from core.types import Role

KINDS: dict[str, str] = {
    "alert.new": "新预警",
    "alert.assigned": "转办",
    "alert.sent_back": "退回",
    "alert.sign_off_needed": "待审核签发",
    "alert.responded": "已回应",
    "alert.response_rejected": "回应退回修改",
    "alert.closed": "办结",
    "alert.reopened": "重办",
    "alert.escalated": "督办",
    "alert.severity_changed": "级别调整",
    "alert.extension_requested": "延期申请",
    "alert.extension_decided": "延期审批结果",
    "alert.joined": "同一事项新增帖子",
    "alert.reminder": "时限提醒",
    "alert.due": "时限已到",
    "alert.overdue": "超时督办",
    "alert.calendar_error": "时限无法计算",
    "alert.deadline_earlier": "时限提前",
    "source.degraded": "采集来源解析异常",
    "disclosure.report_due": "年报发布提醒",
}
# An information request ranks with the ordinary cases for "at least this severity".
SEVERITY_RANK = {**CASE_SEVERITY_RANK, "依申请公开": 1}


@dataclass(slots=True)
class Audience:
    """The kind of a notification and the people who should get it."""

    kind: str
    users: list[User] = field(default_factory=list)


def role_users(session: Session, role: Role, section_id: int | None = None) -> list[User]:
    """Active users with ``role`` (in ``section_id`` when given)."""
    # Asked for each event of a burst raised in one job: read once per transaction unless users change.
    cache = transaction_cache(session, "role-users", depends_on=(User,))
    if (role, section_id) not in cache:
        query = select(User).where(User.role == role.value, User.active.is_(True))
        if section_id is not None:
            query = query.where(User.section_id == section_id)
        cache[(role, section_id)] = list(session.scalars(query.order_by(User.id)))
    return list(cache[(role, section_id)])


def duty_officers(session: Session, alert: Alert) -> list[User]:
    """The officer the case went to, or every duty officer when nobody was on the roster."""
    if alert.duty_user is not None and alert.duty_user.active:
        return [alert.duty_user]
    return role_users(session, Role.duty)


def section_people(session: Session, alert: Alert, *, heads_only: bool = False, co: bool = True) -> list[User]:
    """Staff and heads of the lead section (and the co-handling sections)."""
    if alert.section_id is None:
        return []
    section_ids = [alert.section_id] + (alert.co_section_ids if co else [])
    roles = [Role.head] if heads_only else [Role.head, Role.staff]
    query = (
        select(User)
        .where(User.active.is_(True), User.section_id.in_(section_ids), User.role.in_([r.value for r in roles]))
        .order_by(User.id)
    )
    return list(session.scalars(query))


def handlers(session: Session, alert: Alert) -> list[User]:
    """Whoever handles the case: its assignee, else the lead section's staff and head."""
    if alert.assignee is not None and alert.assignee.active:
        return [alert.assignee]
    return section_people(session, alert, co=False)


def audience(session: Session, *, alert: Alert, event: AlertEvent) -> Audience | None:
    """The notification an audit event causes, or None for events nobody needs to hear about."""
    action, data = event.action, event.data or {}
    if action == "raise":
        return Audience("alert.new", duty_officers(session, alert))
    if action == "assign":
        return Audience("alert.assigned", section_people(session, alert))
    if action == "send_back":
        return Audience("alert.sent_back", duty_officers(session, alert))
    if action == "respond" and data.get("awaiting_sign_off"):
        return Audience("alert.sign_off_needed", section_people(session, alert, heads_only=True, co=False))
    if action in ("respond", "sign_off"):
        users = duty_officers(session, alert)
        response = session.get(Response, data.get("response_id")) if data.get("response_id") else None
        if action == "sign_off" and response is not None and response.author is not None:
            users.append(response.author)
        return Audience("alert.responded", users)
    if action == "reject_response":
        response = session.get(Response, data.get("response_id")) if data.get("response_id") else None
        author = [response.author] if response is not None and response.author is not None else []
        return Audience("alert.response_rejected", author or handlers(session, alert))
    if action == "close":
        return Audience("alert.closed", duty_officers(session, alert))
    if action == "reopen":
        return Audience("alert.reopened", section_people(session, alert) + duty_officers(session, alert))
    if action == "escalate":
        return Audience(
            "alert.escalated", section_people(session, alert, heads_only=True, co=False) + handlers(session, alert)
        )
    if action == "set_severity":
        users = section_people(session, alert) + duty_officers(session, alert)
        if data.get("to") == "重大":
            users += role_users(session, Role.leader)
        return Audience("alert.severity_changed", users)
    if action == "request_extension":
        try:
            approver = alert_policy(session, alert=alert).extension_approver
        except ConfigurationError:
            approver = "head"
        if approver == "leader":
            return Audience("alert.extension_requested", role_users(session, Role.leader))
        return Audience("alert.extension_requested", section_people(session, alert, heads_only=True, co=False))
    if action in ("approve_extension", "refuse_extension"):
        extension = session.get(Extension, data.get("extension_id")) if data.get("extension_id") else None
        requester = [extension.requested_by] if extension is not None and extension.requested_by else []
        return Audience("alert.extension_decided", requester)
    if action in ("join", "merge_in", "post_in"):
        return Audience("alert.joined", duty_officers(session, alert))
    if action == "remind":
        users = duty_officers(session, alert) if data.get("deadline") == "ack" else handlers(session, alert)
        return Audience("alert.reminder", users)
    if action == "due":
        heads = section_people(session, alert, heads_only=True, co=False)
        return Audience("alert.due", heads or duty_officers(session, alert))
    if action == "overdue":
        return Audience("alert.overdue", role_users(session, Role.leader))
    if action == "recompute_deadlines" and data.get("earlier"):
        # Only a deadline that moved earlier needs telling: the sign-for is the duty officer's, the rest the handler's.
        earlier = set(data["earlier"])
        users = duty_officers(session, alert) if "ack" in earlier and alert.status == "new" else []
        if earlier - {"ack"}:
            users += handlers(session, alert)
        return Audience("alert.deadline_earlier", users or handlers(session, alert))
    if action == "deadline_error":
        return Audience("alert.calendar_error", role_users(session, Role.admin))
    return None


def unique_users(users: list[User], *, skip: User | None) -> list[User]:
    """Each person once, without the one who caused the event."""
    seen: dict[int, User] = {}
    for user in users:
        if user.active and (skip is None or user.id != skip.id):
            seen.setdefault(user.id, user)
    return list(seen.values())
