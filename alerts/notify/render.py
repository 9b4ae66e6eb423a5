"""The words of a notification, in Simplified Chinese, with every phone and ID number masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import object_session

from alerts.cases.lifecycle import STATUS_LABELS
from alerts.cases.models import Alert, AlertEvent, AlertPost
from alerts.notify.rules import KINDS
from alerts.roster.service import NO_ROSTER_TEXT
from alerts.sla.calendar import LIMIT_LABELS
from core.config import get_settings
from core.db import transaction_cache
from core.models import Post
from core.privacy import mask_text, mask_value
from core.timeutil import isoformat_local, to_local
from core.types import CATEGORY_LABELS

SUMMARY_CHARS = 200


@dataclass(frozen=True, slots=True)
class Rendered:
    """Title, plain text, markdown and structured data of one notification (all masked)."""

    title: str
    text: str
    markdown: str
    data: dict[str, Any]


# Markdown that post text could use to fake a heading, a quote, emphasis, a table, an image or a link in a
# robot message: shown as the full-width characters instead, which read the same in Chinese text.
_MARKDOWN = str.maketrans(
    {
        "#": "＃",
        ">": "＞",
        "<": "＜",
        "[": "［",
        "]": "］",
        "(": "（",
        ")": "）",
        "*": "＊",
        "_": "＿",
        "`": "｀",
        "!": "！",
        "|": "｜",
        "~": "～",
        "\\": "＼",
    }
)


def md_text(text: str) -> str:
    """``text`` as inert Markdown: no heading, quote, list, emphasis, link or image, and no bare link either.

    Line breaks become spaces, so no line of it starts a block (setext headings, lists, rules).
    """
    return " ".join(text.translate(_MARKDOWN).replace("://", "：//").split())


def _when(value: datetime | None) -> str:
    local = to_local(value)
    return local.strftime("%Y-%m-%d %H:%M") if local else "—"


def alert_url(alert_id: int) -> str:
    """The case's page (absolute when ``MUQING_PUBLIC_URL`` is set)."""
    base = (get_settings().public_url or "").rstrip("/")
    return f"{base}/alerts/{alert_id}"


def alert_data(alert: Alert) -> dict[str, Any]:
    """The case as structured data for webhooks and the live stream."""
    section = alert.section
    return {
        "id": alert.id,
        "kind": alert.kind,
        "title": alert.title,
        "status": alert.status,
        "severity": alert.severity,
        "category": alert.category,
        "section": {"id": section.id, "code": section.code, "name": section.name} if section else None,
        "opened_at": isoformat_local(alert.opened_at),
        "ack_due": isoformat_local(alert.ack_due),
        "response_due": isoformat_local(alert.response_due),
        "close_due": isoformat_local(alert.close_due),
        "escalated": alert.escalated,
        "heat": alert.heat,
        "url": alert_url(alert.id),
    }


def headline(kind: str, alert: Alert, event: AlertEvent) -> str:
    """The one-line title."""
    data = event.data or {}
    deadline = LIMIT_LABELS.get(str(data.get("deadline")), "")
    title = alert.title or f"预警 {alert.id}"
    section = alert.section.name if alert.section else "待分派"
    decision = "已批准" if event.action == "approve_extension" else "未获批准"
    lines = {
        "alert.new": f"【{alert.severity}】新预警：{title}",
        "alert.assigned": f"【{alert.severity}】转办至{section}：{title}",
        "alert.sent_back": f"预警被退回：{title}",
        "alert.sign_off_needed": f"回应待审核签发：{title}",
        "alert.responded": f"已回应：{title}",
        "alert.response_rejected": f"回应被退回修改：{title}",
        "alert.closed": f"已办结：{title}",
        "alert.reopened": f"重办：{title}",
        "alert.escalated": f"【督办】{title}",
        "alert.severity_changed": f"级别调整为「{data.get('to', alert.severity)}」：{title}",
        "alert.extension_requested": f"延期申请待审批：{title}",
        "alert.extension_decided": f"延期申请{decision}：{title}",
        "alert.joined": f"同一事项新增帖子（共{alert.post_count}条）：{title}",
        "alert.reminder": f"{deadline}时限提醒：{title}（{_when(_due(data))}到期）",
        "alert.due": f"{deadline}时限已到：{title}",
        "alert.overdue": f"【超时】{deadline}已超时：{title}",
        "alert.calendar_error": f"预警 {alert.id} 时限无法计算，请检查时限政策",
        "alert.deadline_earlier": f"时限提前（{_earlier(data)}）：{title}",
    }
    return lines.get(kind, f"{KINDS.get(kind, kind)}：{title}")


def _earlier(data: dict[str, Any]) -> str:
    """``办结 2027-01-06 17:30 → 2027-01-05 17:30`` for each deadline that moved earlier."""
    before, after = data.get("deadlines_before") or {}, data.get("deadlines") or {}
    parts = [
        f"{LIMIT_LABELS.get(name, name)} {_when(_parse(before.get(name)))} → {_when(_parse(after.get(name)))}"
        for name in data.get("earlier") or []
    ]
    return "；".join(parts)


def _parse(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _due(data: dict[str, Any]) -> datetime | None:
    return _parse(data.get("due"))


def _summary(alert: Alert) -> str:
    """The start of the case's first post."""
    session = object_session(alert)
    if session is None or "links" not in inspect(alert).unloaded:
        first = alert.links[0].post if alert.links else None
        return (first.content or first.title or "")[:SUMMARY_CHARS] if first is not None else ""
    # Only the first post: a hot case holds hundreds, and a burst of joins renders the same case many times.
    cache = transaction_cache(session, "case-summary")
    if alert.id not in cache:
        post = session.scalar(
            select(Post)
            .join(AlertPost, AlertPost.post_id == Post.id)
            .where(AlertPost.alert_id == alert.id)
            .order_by(AlertPost.added_at, AlertPost.post_id)
            .limit(1)
        )
        cache[alert.id] = (post.content or post.title or "")[:SUMMARY_CHARS] if post is not None else ""
    return str(cache[alert.id])


def render(kind: str, *, alert: Alert, event: AlertEvent) -> Rendered:
    """The masked message for one case event."""
    title = headline(kind, alert, event)
    facts = [
        ("级别", alert.severity),
        ("类别", CATEGORY_LABELS.get(alert.category, alert.category)),
        ("承办科室", alert.section.name if alert.section else "待分派"),
        ("状态", STATUS_LABELS.get(alert.status, alert.status)),
        ("签收时限", _when(alert.ack_due)),
        ("回应时限", _when(alert.response_due)),
        ("办结时限", _when(alert.close_due)),
    ]
    if kind == "alert.new":
        facts.append(("值班员", alert.duty_user.display_name if alert.duty_user else NO_ROSTER_TEXT))
    if alert.escalated:
        facts.append(("督办", "是"))
    if event.note:
        facts.append(("说明", event.note))
    summary = _summary(alert)
    url = alert_url(alert.id)
    text_lines = [title, "", *(f"{name}：{value}" for name, value in facts)]
    if summary:
        text_lines += ["", f"摘要：{summary}"]
    # Titles, notes and post text come from outside: inert in Markdown, whatever they hold.
    markdown_lines = [f"### {md_text(title)}", *(f"> {name}：**{md_text(str(value))}**" for name, value in facts)]
    if summary:
        markdown_lines += ["", f"摘要：{md_text(summary)}"]
    if url.startswith("http"):
        markdown_lines += ["", f"[查看详情]({url})"]
    data = {"alert": alert_data(alert), "action": event.action, "event_id": event.id, "note": event.note}
    data.update(
        {k: v for k, v in (event.data or {}).items() if k in ("deadline", "stage", "due", "to", "from", "post_id")}
    )
    return Rendered(
        title=mask_text(title),
        text=mask_text("\n".join(text_lines)),
        markdown=mask_text("\n".join(markdown_lines)),
        data=mask_value(data),
    )
