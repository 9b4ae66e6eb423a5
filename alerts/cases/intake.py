"""How cases begin: raised from an analysed post, entered by hand (work orders, information requests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.cases.audit import record_event
from alerts.cases.deadline_log import opening_data
from alerts.cases.grouping import check_growth, find_group, join_group, refresh_heat, remember
from alerts.cases.lifecycle import INFO_REQUEST, Status
from alerts.cases.models import Alert, AlertCoSection, AlertPost
from alerts.roster.service import on_duty
from alerts.routing.service import RoutingInput, route
from alerts.sla.calendar import check_year
from alerts.sla.deadlines import apply_deadlines
from core.errors import InvalidInput, NotFound
from core.models import Post, Section, User
from core.service import store_post
from core.timeutil import local_zone, utcnow
from core.types import SEVERITIES, Category, Role

KINDS = {"complaint": "舆情诉求", "info_request": "依申请公开"}


def _routing_input(post: Post, *, category: str, severity: str, kind: str, places: list[str]) -> RoutingInput:
    return RoutingInput(
        category=category,
        text=f"{post.title}\n{post.content}",
        severity=severity,
        source=post.source.name if post.source else None,
        places=tuple(places),
        source_kind=post.source.kind if post.source else None,
        kind=kind,
    )


def open_alert(
    session: Session,
    *,
    post: Post,
    category: str,
    severity: str,
    kind: str = "complaint",
    places: list[str] | None = None,
    opened_at: datetime | None = None,
    actor: User | None = None,
    reason: str = "首帖",
    details: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> Alert:
    """A new case for ``post``: routed, given deadlines and the officer on duty, logged."""
    decision = route(
        session, item=_routing_input(post, category=category, severity=severity, kind=kind, places=places or [])
    )
    now = opened_at or utcnow()
    duty = on_duty(session, at=utcnow())
    alert = Alert(
        kind=kind,
        status=Status.new.value,
        severity=severity,
        category=category,
        title=(post.title or post.content)[:120],
        section=decision.section,
        routing_rule=decision.rule,
        routing_reason=decision.reason,
        opened_at=now,
        duty_user=duty.user,
        details=details or {},
    )
    session.add(alert)
    alert.links.append(AlertPost(post=post, reason=reason, added_at=utcnow()))
    alert.co_sections.extend(AlertCoSection(section_id=section_id) for section_id in decision.co_section_ids)
    refresh_heat(session, alert=alert)
    apply_deadlines(session, alert=alert)
    record_event(
        session,
        alert=alert,
        action="raise",
        actor=actor,
        from_status=None,
        to_status=Status.new.value,
        note=decision.reason,
        data={
            "post_id": post.id,
            "co_section_ids": decision.co_section_ids,
            "duty_user_id": duty.user.id if duty.user else None,
            **opening_data(alert),
            **(data or {}),
        },
        at=now if opened_at is None else utcnow(),
    )
    remember(session, alert=alert, post=post, analysis=post.analysis)
    return alert


def raise_alert(session: Session, *, post_id: int) -> Alert | None:
    """Open an alert for an analysed post that needs a response, or join an open one on the same matter.

    Idempotent: a post belongs to at most one alert, and raising it again returns that alert.
    """
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(f"帖子 {post_id} 不存在")
    analysis = post.analysis
    if analysis is None or not analysis.needs_response:
        return None
    link = session.scalar(select(AlertPost).where(AlertPost.post_id == post.id))
    if link is not None:
        return session.get(Alert, link.alert_id)
    group = find_group(session, post=post, analysis=analysis)
    if group is not None:
        return join_group(session, match=group, post=post, analysis=analysis)
    alert = open_alert(
        session,
        post=post,
        category=analysis.category,
        severity=analysis.severity,
        places=list(analysis.entities.get("places", [])),
        data={"analysis_id": analysis.id, "score": analysis.score},
    )
    check_growth(session, alert=alert)
    session.flush()
    return alert


def open_case(
    session: Session,
    *,
    actor: User,
    kind: str,
    title: str,
    content: str,
    category: str,
    severity: str | None = None,
    received_at: datetime | None = None,
    requester: dict[str, Any] | None = None,
    channel: str = "",
    section_id: int | None = None,
    triage: dict[str, Any] | None = None,
) -> Alert:
    """A case entered by hand: a hotline work order, a letter, an information request (依申请公开).

    The text is stored as a post (and analysed like any other); the case's clock starts at ``received_at``.
    A section head enters cases for the own section; coordinators may name one or let the rules route.
    """
    if actor.role == Role.head:
        section_id = actor.section_id
    if kind not in KINDS:
        raise InvalidInput(f"类型「{kind}」无效，应为 {'、'.join(KINDS)}", details={"field": "kind"})
    if category not in {c.value for c in Category}:
        raise InvalidInput(f"类别「{category}」无效", details={"field": "category"})
    if kind == "info_request":
        severity = INFO_REQUEST
    elif severity not in SEVERITIES:
        raise InvalidInput(f"级别「{severity}」无效，应为 {'、'.join(SEVERITIES)}", details={"field": "severity"})
    received_at = received_at or utcnow()
    if received_at.tzinfo is None:
        raise InvalidInput("收到时间必须带时区", details={"field": "received_at"})
    if received_at > utcnow():
        raise InvalidInput("收到时间不能晚于现在", details={"field": "received_at"})
    check_year(received_at.astimezone(local_zone()).date(), "received_at")
    stored = store_post(
        session,
        url=None,
        title=title,
        content=content,
        published_at=received_at,
        author=(requester or {}).get("name"),
        extra={"intake": kind, "channel": channel},
        dedupe=False,
    )
    alert = open_alert(
        session,
        post=stored.post,
        category=category,
        severity=severity,
        kind=kind,
        opened_at=received_at,
        actor=actor,
        reason="人工录入",
        details={"requester": requester or {}, "channel": channel, **({"triage": triage} if triage else {})},
        data={"triage": triage} if triage else None,
    )
    if section_id is not None:
        section = session.get(Section, section_id)
        if section is None:
            raise InvalidInput(f"科室 {section_id} 不存在", details={"field": "section_id"})
        alert.section = section
        alert.routing_reason = f"录入时指定承办科室：{section.name}"
    session.flush()
    return alert
