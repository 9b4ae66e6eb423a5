"""Response actions of the lifecycle: respond, sign off, reject a response waiting for sign-off."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from alerts.cases.lifecycle import TRANSITIONS, Status
from alerts.cases.models import Alert, Attachment, Response
from alerts.cases.schemas import RESPONSE_CHANNELS
from alerts.cases.steps import ActionInput, Handler, Step
from alerts.responses.service import DraftSource, as_drafted, check_content, record_review, sign_off_review
from alerts.sla.deadlines import alert_policy
from core.errors import Conflict, InvalidInput
from core.models import User
from core.types import Role
from core.urls import web_link


def _respond(session: Session, alert: Alert, actor: User, given: ActionInput, now: datetime) -> Step:
    response = given.response
    assert response is not None
    if response.channel not in RESPONSE_CHANNELS:
        raise InvalidInput(f"发布渠道「{response.channel}」无效", details={"field": "response.channel"})
    if response.link and web_link(response.link) is None:
        raise InvalidInput("发布链接须是 http(s):// 开头的网址", details={"field": "response.link"})
    if alert.pending_response is not None:
        raise Conflict("已有一条回应在等待审核签发，请等待科室负责人审核")
    policy = alert_policy(session, alert=alert)
    content = as_drafted(
        session, alert=alert, content=response.content.strip(), statement_id=response.draft_statement_id
    )
    # The four checks (alerts/responses): a flagged response waits for a head's sign-off, whoever wrote it.
    findings = check_content(session, alert=alert, content=content)
    held = (policy.sign_off_required and actor.role == Role.staff) or bool(findings)
    row = Response(
        alert=alert,
        author=actor,
        content=content,
        channel=response.channel,
        link=response.link,
        contact=(response.contact or "").strip(),
        created_at=now,
        status="pending_sign_off" if held else "published",
    )
    if policy.sign_off_required and not held:
        row.signed_off_by, row.signed_off_at = actor, now
    session.add(row)
    _attach(session, alert, row, response.attachment_ids)
    source = DraftSource(statement_id=response.draft_statement_id, similar_alert_id=response.draft_alert_id)
    record_review(session, alert=alert, response=row, findings=findings, source=source, at=now)
    session.flush()
    data: dict[str, Any] = {"channel": response.channel, "response_id": row.id}
    if findings:
        data["findings"] = len(findings)
    if held:
        data["awaiting_sign_off"] = True
    else:
        alert.responded_at = now
    return Step(Status.responded, given.note, data)


def _attach(session: Session, alert: Alert, response: Response, ids: tuple[int, ...]) -> None:
    for attachment_id in ids:
        attachment = session.get(Attachment, attachment_id)
        if attachment is None or attachment.alert_id != alert.id:
            raise InvalidInput(f"附件 {attachment_id} 不属于该预警", details={"field": "response.attachment_ids"})
        if attachment.response_id is not None:
            raise InvalidInput(f"附件 {attachment_id} 已用于另一条回应", details={"field": "response.attachment_ids"})
        attachment.response = response


def _sign_off(session: Session, alert: Alert, actor: User, given: ActionInput, now: datetime) -> Step:
    pending = alert.pending_response
    if pending is None:
        raise Conflict("没有等待审核签发的回应")
    override = sign_off_review(session, response=pending, actor=actor, note=given.note, at=now)
    pending.status, pending.signed_off_by, pending.signed_off_at = "published", actor, now
    alert.responded_at = now
    return Step(None, given.note, {"response_id": pending.id, **override})


def _reject_response(session: Session, alert: Alert, actor: User, given: ActionInput, now: datetime) -> Step:
    pending = alert.pending_response
    if pending is None:
        raise Conflict("没有等待审核签发的回应")
    pending.status = "rejected"
    return Step(TRANSITIONS["reject_response"].target, given.note, {"response_id": pending.id})


RESPONSE_HANDLERS: dict[str, Handler] = {
    "respond": _respond,
    "sign_off": _sign_off,
    "reject_response": _reject_response,
}
