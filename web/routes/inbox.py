"""Everyone's inbox (消息): reminders, 督办, assignments, sign-off requests, send-backs; live in the header badge."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from alerts.notify import service
from alerts.notify.schemas import InboxOut
from api.deps import SessionDep
from core.bounds import AfterId, RowId
from core.db import session_factory
from core.errors import AuthenticationFailed
from core.timeutil import utcnow
from web import live
from web.pages import done
from web.security import SESSION_COOKIE, CsrfChecked, LoginRequired, WebUser
from web.service import read_session
from web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100
POLL_SECONDS = 1.0


@router.get("/inbox")
def inbox_page(
    request: Request, session: SessionDep, user: WebUser, unread: Annotated[bool, Query()] = False
) -> HTMLResponse:
    """The signed-in person's messages, newest first, each linking to its case."""
    items = [InboxOut.of(item) for item in service.inbox(session, user=user, unread=unread, limit=PAGE_SIZE)]
    return render(request, "inbox.html", {"items": items, "only_unread": unread}, user=user, active="inbox")


@router.post("/inbox/{item_id}/read", response_model=None, dependencies=[CsrfChecked])
def read_one(session: SessionDep, user: WebUser, item_id: RowId) -> Response:
    """Mark one message read."""
    service.mark_read(session, user=user, ids=[item_id])
    session.commit()
    return done("/inbox", "read", f"#inbox-{item_id}")


@router.post("/inbox/read", response_model=None, dependencies=[CsrfChecked])
def read_all(session: SessionDep, user: WebUser) -> Response:
    """Mark every message read."""
    service.mark_read(session, user=user)
    session.commit()
    return done("/inbox", "read_all")


def _news(token: str, after_id: int | None) -> tuple[int, int, list[dict[str, object]]]:
    """The newest inbox id, the unread count and what arrived after ``after_id``, in a short transaction."""
    with session_factory()() as session:
        user = read_session(session, token=token, touch=False).user
        if after_id is None:
            return service.latest_inbox_id(session, user=user), service.unread_count(session, user=user), []
        items = [InboxOut.of(i).model_dump() for i in service.inbox(session, user=user, after_id=after_id, limit=50)]
        top = max([after_id, *(int(str(i["id"])) for i in items)])
        return top, service.unread_count(session, user=user), items


@router.get("/inbox/stream")
async def inbox_stream(request: Request, after: AfterId | None = None) -> StreamingResponse:
    """Server-sent events: ``inbox`` (the unread count and new messages), ``ping`` as a heartbeat."""
    token = request.cookies.get(SESSION_COOKIE, "")
    resume = live.last_event_id(request)
    start = int(resume) if resume.isdigit() else after
    try:
        cursor, unread, _ = await run_in_threadpool(_news, token, start)
    except AuthenticationFailed as exc:
        raise LoginRequired(exc.message) from exc
    cursor = start if start is not None else cursor

    async def events() -> AsyncIterator[str]:
        top, beat = cursor, 0.0
        yield f"retry: {live.RETRY_MILLISECONDS}\n\n"
        yield live.frame("inbox", {"unread": unread, "items": []}, event_id=str(top))
        while not await request.is_disconnected():
            try:
                top, count, items = await run_in_threadpool(_news, token, top)
            except AuthenticationFailed:
                yield live.frame("expired", {"message": "登录已过期，请重新登录"})
                return
            if items:
                yield live.frame("inbox", {"unread": count, "items": items}, event_id=str(top))
            beat += POLL_SECONDS
            if beat >= live.HEARTBEAT_SECONDS:
                yield live.ping(utcnow().isoformat())
                beat = 0.0
            await asyncio.sleep(POLL_SECONDS)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
