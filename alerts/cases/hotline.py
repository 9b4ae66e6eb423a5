"""Hotline work orders are cases: each 12345 order becomes one case at once, whatever the classifier says.

The classifier suggests the category and severity (and so the section, through routing) but cannot drop an
order: one the classifier finds unrelated still opens a case, in category ``other``, for the duty officer to
refer out. Orders never join other cases (one case per order). The order number is kept as ``external_ref``
and the hotline's deadline (处理时限) as ``external_due``; the stricter of it and ours applies
(``alerts.external_due``).

Every way orders arrive (``muqing import``, the import upload on the API and the page, the city platform's push)
opens their cases with ``open_cases``, given the classifier by its caller: alerts does not import nlp.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.cases.intake import open_alert
from alerts.cases.models import Alert, AlertPost
from alerts.sla.calendar import Limit
from alerts.sla.deadlines import apply_deadlines
from alerts.sla.service import work_calendar
from core.models import Analysis, Post
from core.timeutil import local_zone, to_local, utcnow
from core.types import SEVERITIES

HOTLINE_KEY = "hotline"
_STAMP = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T](\d{1,2})[:：](\d{2})(?::(\d{2}))?)?$")
_AMOUNT = re.compile(r"^(\d+(?:\.\d+)?)\s*(个)?\s*(工作日|工作天|天|日|自然日|小时|工作小时|h|H)?$")


def is_order(post: Post) -> bool:
    """True for a post that is a hotline work order (imported or pushed)."""
    return isinstance((post.extra or {}).get(HOTLINE_KEY), dict)


def hotline_due(session: Session, *, raw: object, received_at: datetime) -> datetime | None:
    """The hotline's deadline from its 处理时限: a date and time, a date (end of office hours), or an amount
    (``3`` or ``3个工作日`` working days, ``2天`` calendar days, ``24小时`` hours) from when the order came in."""
    text = str(raw or "").strip()
    if not text:
        return None
    zone = local_zone()
    stamp = _STAMP.match(text)
    if stamp:
        year, month, day, hour, minute, second = stamp.groups()
        if hour is None:
            closing = (
                work_calendar(session).office_hours[-1][1] if work_calendar(session).office_hours else time(17, 30)
            )
            return datetime.combine(datetime(int(year), int(month), int(day)).date(), closing, tzinfo=zone)
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), tzinfo=zone)
    amount = _AMOUNT.match(text)
    if not amount:
        return None
    count, unit = float(amount.group(1)), amount.group(3) or "工作日"
    if unit in ("天", "日", "自然日"):
        return received_at + timedelta(days=count)
    if unit in ("小时", "h", "H"):
        return received_at + timedelta(hours=count)
    kind = "working_hours" if unit == "工作小时" else "working_days"
    return work_calendar(session).add(received_at, Limit.parse({"amount": count, "unit": kind}), [])


def open_order_case(session: Session, *, post: Post, analysis: Analysis | None) -> Alert:
    """The case of one work order: opened now (idempotent: an order already a case returns that case)."""
    link = session.scalar(select(AlertPost).where(AlertPost.post_id == post.id))
    if link is not None:
        found = session.get(Alert, link.alert_id)
        assert found is not None
        return found
    order: dict[str, Any] = dict((post.extra or {}).get(HOTLINE_KEY) or {})
    received = post.published_at or utcnow()
    category = analysis.category if analysis is not None else "other"
    severity = analysis.severity if analysis is not None and analysis.severity in SEVERITIES else "一般"
    suggested = (
        f"分类模型建议：{category}（{'需回应' if analysis.needs_response else '可能与本中心无关'}）"
        if analysis is not None
        else "分类模型不可用，类别待人工确定"
    )
    alert = open_alert(
        session,
        post=post,
        category=category,
        severity=severity,
        places=list((analysis.entities or {}).get("places", [])) if analysis is not None else [],
        opened_at=min(received, utcnow()),
        reason="12345 工单",
        details={"channel": "12345", "order": order, "suggested": suggested},
        data={"order_no": order.get("order_no"), "analysis_id": analysis.id if analysis is not None else None},
    )
    alert.external_ref = str(order.get("order_no") or post.external_id or "")[:100] or None
    alert.external_due = hotline_due(session, raw=order.get("due"), received_at=received)
    if alert.external_due is not None:
        apply_deadlines(session, alert=alert)
    session.flush()
    return alert


def order_cases(session: Session, *, orders: list[tuple[Post, Analysis | None]]) -> list[Alert]:
    """One case per work order, in order."""
    return [open_order_case(session, post=post, analysis=analysis) for post, analysis in orders]


RETURN_COLUMNS = ("工单编号", "办理状态", "答复内容", "答复时间", "承办单位", "办结时间", "热线处理时限", "是否按期")
STATUS_WORDS = {"closed": "已办结", "responded": "已答复", "dismissed": "不属本单位职责（退回）"}


class Analyse(Protocol):
    """Analyse one stored post (``nlp.service.analyze_post``): the classifier's suggestion for its case."""

    def __call__(self, session: Session, *, post_id: int) -> Analysis | None: ...


def open_cases(session: Session, *, post_ids: list[int], analyse: Analyse) -> list[Alert]:
    """Analyse each imported work order (a suggestion, never a gate) and open its case; in the caller's transaction."""
    orders: list[tuple[Post, Analysis | None]] = []
    for post_id in post_ids:
        post = session.get(Post, post_id)
        if post is not None and is_order(post):
            orders.append((post, analyse(session, post_id=post.id)))
    return order_cases(session, orders=orders)


def _shown(value: datetime | None) -> str:
    local = to_local(value)
    return local.strftime("%Y-%m-%d %H:%M") if local is not None else ""


def answer_rows(session: Session, *, since: datetime | None = None) -> list[dict[str, str]]:
    """Each work order's case in the hotline's return format (回复单): number, state, answer, unit, times."""
    query = select(Alert).where(Alert.external_ref.is_not(None)).order_by(Alert.id)
    if since is not None:
        query = query.where(Alert.updated_at >= since)
    rows = []
    for alert in session.scalars(query):
        published = [r for r in alert.responses if r.status == "published"]
        answer = published[-1] if published else None
        finished = alert.closed_at or (answer.created_at if answer else None)
        on_time = (
            "" if finished is None or alert.external_due is None else ("是" if finished <= alert.external_due else "否")
        )
        rows.append(
            {
                "工单编号": alert.external_ref or "",
                "办理状态": STATUS_WORDS.get(alert.status, "办理中"),
                "答复内容": answer.content if answer else "",
                "答复时间": _shown(answer.created_at) if answer else "",
                "承办单位": alert.section.name if alert.section else "",
                "办结时间": _shown(alert.closed_at),
                "热线处理时限": _shown(alert.external_due),
                "是否按期": on_time,
            }
        )
    return rows
