"""Everyone's inbox (消息): reminders, 督办, assignments, sign-off requests, send-backs; live in the header badge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from alerts.notify import service
from alerts.notify.schemas import InboxOut
from core import sse, websessions
from core.bounds import AfterId, RowId
from core.db import session_factory
from core.errors import AuthenticationFailed
from web.deps import SessionDep
from web.pages import done
from web.security import SESSION_COOKIE, CsrfChecked, LoginRequired, WebUser
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
        user = websessions.read_session(session, token=token, touch=False).user
        if after_id is None:
            return service.latest_inbox_id(session, user=user), service.unread_count(session, user=user), []
        items = [InboxOut.of(i).model_dump() for i in service.inbox(session, user=user, after_id=after_id, limit=50)]
        top = max([after_id, *(int(str(i["id"])) for i in items)])
        return top, service.unread_count(session, user=user), items


class _Inbox:
    """The stream's cursor over one person's inbox: each poll sends what arrived, with the unread count."""

    def __init__(self, token: str, after_id: int) -> None:
        self.token, self.after_id = token, after_id

    def poll(self) -> sse.Polled:
        try:
            self.after_id, count, items = _news(self.token, self.after_id)
        except AuthenticationFailed:
            return sse.Polled([sse.frame(event="expired", data={"message": "登录已过期，请重新登录"})], end=True)
        if not items:
            return sse.Polled()
        return sse.Polled([sse.frame(event="inbox", data={"unread": count, "items": items}, event_id=self.after_id)])


@router.get("/inbox/stream")
async def inbox_stream(request: Request, after: AfterId | None = None) -> StreamingResponse:
    """Server-sent events: ``inbox`` (the unread count and new messages), ``ping`` as a heartbeat.

    Each ``inbox`` event's id is the newest inbox id; a reconnect (``Last-Event-ID`` or ``after``) replays the rest.
    """
    token = request.cookies.get(SESSION_COOKIE, "")
    resume = request.headers.get("last-event-id", "").strip()
    start = int(resume) if resume.isdigit() and len(resume) < 19 else after
    try:
        cursor, unread, missed = await run_in_threadpool(_news, token, start)
    except AuthenticationFailed as exc:
        raise LoginRequired(exc.message) from exc
    # Before the first ping: the count (so the badge is right even when nothing new arrives), then what a
    # reconnecting browser missed.
    seen = cursor if start is None else start
    opening = [sse.frame(event="inbox", data={"unread": unread, "items": []}, event_id=seen)]
    if missed:
        opening.append(sse.frame(event="inbox", data={"unread": unread, "items": missed}, event_id=cursor))
    events = sse.stream(
        _Inbox(token, cursor).poll,
        disconnected=request.is_disconnected,
        every=POLL_SECONDS,
        heartbeat=sse.HEARTBEAT_SECONDS,
        opening=opening,
    )
    return StreamingResponse(events, media_type=sse.MEDIA_TYPE, headers=sse.HEADERS)
