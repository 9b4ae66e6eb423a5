"""Alerts: list, detail, lifecycle transitions, cases entered by hand, moving posts, attachments."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, UploadFile
from fastapi.responses import FileResponse, JSONResponse

from alerts.cases import service
from alerts.cases.attachments import attachment_path, store_attachment
from alerts.cases.flows import move_post, transition
from alerts.cases.lifecycle import TRANSITIONS, Status, allowed_actions
from alerts.cases.schemas import (
    AlertDetail,
    AlertItem,
    AlertList,
    AttachmentOut,
    CaseIn,
    MovePostIn,
    PolicySeverityText,
    TransitionIn,
    TransitionSpecOut,
    TriageIn,
    TriageOut,
)
from alerts.cases.triage import Classified, open_triaged_case, propose
from alerts.disclosure.service import register_case
from alerts.privacy import service as privacy
from api.deps import CurrentUser, SessionDep, require_roles
from api.masking import unmasked
from core.bounds import Offset, RowId, attachment_body_limit
from core.errors import NotFound
from core.types import Category, Role
from nlp.analyze import analyze

router = APIRouter(prefix="/alerts", tags=["alerts"])


@router.get("")
def list_alerts(
    session: SessionDep,
    user: CurrentUser,
    status: Annotated[list[Status] | None, Query()] = None,
    section_id: RowId | None = None,
    severity: PolicySeverityText | None = None,
    category: Category | None = None,
    kind: Literal["complaint", "info_request"] | None = None,
    escalated: bool | None = None,
    overdue: bool | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> AlertList:
    """Alerts visible to the user, newest first, with optional filters."""
    items, total = service.list_alerts(
        session,
        user=user,
        status=[s.value for s in status or []],
        section_id=section_id,
        severity=severity,
        category=category.value if category else None,
        kind=kind,
        escalated=escalated,
        overdue=overdue,
        q=q,
        limit=limit,
        offset=offset,
    )
    return AlertList(items=[AlertItem.model_validate(a) for a in items], total=total)


@router.get("/lifecycle")
def lifecycle(user: CurrentUser) -> list[TransitionSpecOut]:
    """The transition table: each action, the states it starts from, where it leads, who may, what it needs."""
    return [
        TransitionSpecOut(
            action=t.action,
            label=t.label,
            sources=sorted(s.value for s in t.sources),
            target=t.target.value if t.target else None,
            roles=sorted(r.value for r in t.roles),
            required=list(t.required),
        )
        for t in TRANSITIONS.values()
    ]


@router.post("/triage", dependencies=[require_roles(Role.duty, Role.leader, Role.admin, Role.head)])
def triage(session: SessionDep, body: TriageIn) -> TriageOut:
    """The category, severity and section a hand-entered text would open with, and the reasons (nothing saved)."""
    proposal = propose(
        session,
        title=body.title,
        content=body.content,
        kind=body.kind,
        classified=Classified.of(analyze(title=body.title, text=body.content)),
    )
    return TriageOut.model_validate(proposal.as_dict())


@router.post("", status_code=201, dependencies=[require_roles(Role.duty, Role.leader, Role.admin, Role.head)])
def create_case(session: SessionDep, user: CurrentUser, body: CaseIn) -> AlertDetail:
    """Enter a case by hand: a hotline work order, a letter, or an information request (依申请公开)."""
    # Classified outside any transaction: SQLite's write lock must not wait on the model (nothing is pending).
    session.rollback()
    classified = Classified.of(analyze(title=body.title, text=body.content))
    alert = open_triaged_case(
        session,
        actor=user,
        kind=body.kind,
        title=body.title,
        content=body.content,
        classified=classified,
        chosen={"category": body.category, "severity": body.severity, "section_id": body.section_id},
        received_at=body.received_at,
        requester=body.requester,
        channel=body.channel,
    )
    if body.disclosure is not None:
        register_case(session, actor=user, alert=alert, fields=body.disclosure)
    session.commit()
    session.expire_all()
    return _detail(session, user, alert.id)


def _detail(session: SessionDep, user: CurrentUser, alert_id: int) -> AlertDetail:
    alert = service.get_alert(session, user=user, alert_id=alert_id)
    fields = {name: getattr(alert, name) for name in AlertDetail.model_fields if name != "allowed_actions"}
    return AlertDetail.model_validate(
        {**fields, "allowed_actions": allowed_actions(status=alert.status, role=user.role, alert=alert)}
    )


@router.get("/{alert_id}")
def get_alert(session: SessionDep, user: CurrentUser, alert_id: RowId) -> AlertDetail:
    """One alert with its posts, audit log, responses, extensions and follow-ups (404 when not visible)."""
    return _detail(session, user, alert_id)


@router.post("/{alert_id}/reveal", response_model=AlertDetail)
def reveal_alert(session: SessionDep, user: CurrentUser, alert_id: RowId) -> JSONResponse:
    """显示完整信息: the case unmasked (posts, requester), for its lead section and duty only; logged."""
    privacy.reveal_case(session, user=user, alert_id=alert_id, where="api")
    session.commit()
    session.expire_all()
    return unmasked(_detail(session, user, alert_id))


@router.post("/{alert_id}/transitions")
def post_transition(session: SessionDep, user: CurrentUser, alert_id: RowId, body: TransitionIn) -> AlertDetail:
    """Apply a lifecycle action; illegal moves are refused with 409, a missing field with 422 naming it."""
    alert = service.get_alert(session, user=user, alert_id=alert_id)
    transition(session, alert=alert, actor=user, **body.flow_kwargs())
    session.commit()
    session.expire_all()
    return _detail(session, user, alert_id)


@router.post("/{alert_id}/posts/{post_id}/move")
def post_move(session: SessionDep, user: CurrentUser, alert_id: RowId, post_id: RowId, body: MovePostIn) -> AlertDetail:
    """Move a post to another alert (or out into a new one); returns the alert the post is now in."""
    alert = service.get_alert(session, user=user, alert_id=alert_id)
    target = move_post(session, alert=alert, post_id=post_id, actor=user, to_alert_id=body.to_alert_id, note=body.note)
    session.commit()
    session.expire_all()
    return _detail(session, user, target.id)


@router.post("/{alert_id}/attachments", status_code=201, max_body_size=attachment_body_limit())
async def upload_attachment(session: SessionDep, user: CurrentUser, alert_id: RowId, file: UploadFile) -> AttachmentOut:
    """Upload a file to a case (size and type limited); use its id in a response's ``attachment_ids``."""
    alert = service.get_alert(session, user=user, alert_id=alert_id)
    attachment = await store_attachment(
        session, alert=alert, user=user, filename=file.filename or "", content_type=file.content_type, stream=file
    )
    session.commit()
    return AttachmentOut.model_validate(attachment)


@router.get("/{alert_id}/attachments/{attachment_id}")
def download_attachment(session: SessionDep, user: CurrentUser, alert_id: RowId, attachment_id: RowId) -> FileResponse:
    """Download a case's file."""
    alert = service.get_alert(session, user=user, alert_id=alert_id)
    attachment = next((a for a in alert.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound(f"附件 {attachment_id} 不存在")
    return FileResponse(attachment_path(attachment), media_type=attachment.content_type, filename=attachment.filename)
