"""Responses with their files (multipart upload, checked by the alerts attachment rules) and downloads."""

from __future__ import annotations

import asyncio
from typing import Annotated, BinaryIO

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse
from starlette.responses import Response

from alerts.cases import service as alert_service
from alerts.cases.attachments import attachment_path, store_attachment
from alerts.cases.flows import transition
from alerts.cases.schemas import ResponseInput
from core.bounds import RowId, attachment_body_limit
from core.errors import InvalidInput, MuqingError, NotFound
from web.deps import SessionDep
from web.pages import committing, done
from web.routes.alerts import case_actions, refused
from web.routes.responses import precheck
from web.security import CsrfChecked, WebUser

router = APIRouter(include_in_schema=False)

MAX_FILES = 10


class _FileReader:
    """An uploaded file read in the request's worker thread, so database waits never hold up the event loop."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file

    async def read(self, size: int = -1) -> bytes:
        return self.file.read(size)


@router.post(
    "/alerts/{alert_id}/respond",
    response_model=None,
    dependencies=[CsrfChecked],
    max_body_size=attachment_body_limit(MAX_FILES),
)
def respond_with_files(
    request: Request,
    session: SessionDep,
    user: WebUser,
    alert_id: RowId,
    response: Annotated[str, Form(max_length=20000)] = "",
    channel: Annotated[str, Form(max_length=40)] = "website",
    link: Annotated[str, Form(max_length=2048)] = "",
    contact: Annotated[str, Form(max_length=2000)] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
    draft_statement_id: Annotated[str, Form(max_length=20)] = "",
    draft_alert_id: Annotated[str, Form(max_length=20)] = "",
    confirm_checks: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    """Log a response with its files (multipart): the files are checked and kept, then the response recorded.

    A first submission the four checks flag comes back with the findings marked; ticking the confirmation
    sends it on, to wait for the section head's sign-off.
    """
    draft = {"note": note, "response": response, "link": link, "contact": contact, "channel": channel}
    draft.update(draft_statement_id=draft_statement_id, draft_alert_id=draft_alert_id)
    chosen = [f for f in files or [] if f.filename]
    if len(chosen) > MAX_FILES:
        return refused(
            request, session, user, alert_id, InvalidInput(f"一次最多上传 {MAX_FILES} 个附件"), "respond", draft
        )

    def shown(exc: MuqingError) -> HTMLResponse:
        if chosen and exc.code != "not_found":
            # Browsers never refill a file field: say so, so nobody submits without the files by mistake.
            exc.message += "（未保存，请重新选择附件后提交）"
        return refused(request, session, user, alert_id, exc, "respond", draft)

    with committing(session, MuqingError, shown=shown):
        alert = alert_service.get_alert(session, user=user, alert_id=alert_id)
        if "respond" not in case_actions(session, alert, user) or not response.strip():
            # The flow's own refusal (role, state, missing text), before any file is written.
            transition(session, alert=alert, actor=user, action="respond", response=None)
        if confirm_checks != "1":
            precheck(session, alert=alert, content=response)
        ids = []
        for upload in chosen:
            try:
                stored = asyncio.run(
                    store_attachment(
                        session,
                        alert=alert,
                        user=user,
                        filename=upload.filename or "",
                        content_type=upload.content_type,
                        stream=_FileReader(upload.file),
                    )
                )
            except InvalidInput as exc:
                raise InvalidInput(f"附件「{upload.filename}」：{exc.message}", details=exc.details) from exc
            ids.append(stored.id)
        transition(
            session,
            alert=alert,
            actor=user,
            action="respond",
            note=note,
            response=ResponseInput(
                content=response,
                channel=channel,
                link=link.strip() or None,
                contact=contact,
                attachment_ids=tuple(ids),
                draft_statement_id=int(draft_statement_id) if draft_statement_id.isdigit() else None,
                draft_alert_id=int(draft_alert_id) if draft_alert_id.isdigit() else None,
            )
            if response.strip()
            else None,
        )
    return done(f"/alerts/{alert_id}", "respond")


@router.get("/alerts/{alert_id}/attachments/{attachment_id}")
def download_attachment(session: SessionDep, user: WebUser, alert_id: RowId, attachment_id: RowId) -> FileResponse:
    """A case's file, for whoever may see the case."""
    alert = alert_service.get_alert(session, user=user, alert_id=alert_id)
    attachment = next((a for a in alert.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound(f"附件 {attachment_id} 不存在")
    return FileResponse(
        attachment_path(attachment),
        media_type=attachment.content_type,
        filename=attachment.filename,
        content_disposition_type="attachment",
    )
