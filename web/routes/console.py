"""The duty console: every open case by stage with countdowns, updated live over server-sent events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from alerts.cases.lifecycle import allowed_actions
from alerts.roster import service as roster
from core import sse, websessions
from core.bounds import AfterId, RowId
from core.db import session_factory
from core.errors import AuthenticationFailed, InvalidInput, MuqingError, http_status
from core.models import User
from core.privacy import mask_value
from core.timeutil import local_zone, utcnow
from core.types import Role
from web import queries
from web.deps import SessionDep
from web.pages import committing, done
from web.security import SESSION_COOKIE, CsrfChecked, LoginRequired, require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)

CONSOLE_ROLES = (Role.duty, Role.admin, Role.leader)
ConsoleUser = Annotated[User, require_roles(*CONSOLE_ROLES)]
POLL_SECONDS = 1.0
COLUMNS = (
    ("new", "待签收", ("new",)),
    ("acknowledged", "已签收待转办", ("acknowledged",)),
    ("working", "科室办理中", ("assigned", "in_progress")),
    ("responded", "已回应待办结", ("responded",)),
)


def _board(session: SessionDep, user: User) -> dict[str, object]:
    columns = []
    for key, label, statuses in COLUMNS:
        items = queries.open_alerts(session, user=user, statuses=statuses, limit=100)
        columns.append(
            {
                "key": key,
                "label": label,
                "items": [
                    (a, queries.next_due(a), allowed_actions(status=a.status, role=user.role, alert=a)) for a in items
                ],
            }
        )
    latest = queries.latest_change(session, user=user)
    return {
        "columns": columns,
        "sections": queries.active_sections(session),
        "overdue": len(queries.overdue_alerts(session, user=user)),
        "since": (latest or utcnow()).isoformat(),
        "max_id": queries.max_alert_id(session, user=user),
        "duty": roster.on_duty(session),
        "handover": next(iter(roster.list_handovers(session, limit=1)), None),
    }


def _people(session: SessionDep) -> list[User]:
    """Who can take over a shift (the roster's own rule: duty officers, leaders, admins)."""
    roles = [r.value for r in roster.ON_DUTY_ROLES]
    return list(session.scalars(select(User).where(User.active.is_(True), User.role.in_(roles)).order_by(User.id)))


def _console(
    request: Request, session: SessionDep, user: User, *, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    context = {**_board(session, user), "people": _people(session), "handover_error": error}
    return render(request, "console.html", context, user=user, active="console", status_code=status_code)


@router.get("/console")
def console(request: Request, session: SessionDep, user: ConsoleUser) -> HTMLResponse:
    """The whole console page."""
    return _console(request, session, user)


def _refused(request: Request, session: SessionDep, user: User) -> Callable[[MuqingError], HTMLResponse]:
    """The console again with why the handover was refused, under the domain error's status."""
    return lambda exc: _console(request, session, user, error=exc.message, status_code=http_status(exc))


@router.post("/console/handover", response_model=None, dependencies=[CsrfChecked])
def write_handover(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    note: Annotated[str, Form(max_length=5000)] = "",
    to_user_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Hand over the shift: the note and the open cases at this moment (交接班记录)."""
    with committing(session, MuqingError, shown=_refused(request, session, user)):
        roster.hand_over(
            session, from_user=user, note=note, to_user_id=int(to_user_id) if to_user_id.strip().isdigit() else None
        )
    return done("/console", "handover", "#duty-title")


@router.post("/console/handover/{handover_id}/receive", response_model=None, dependencies=[CsrfChecked])
def receive_handover(request: Request, session: SessionDep, user: ConsoleUser, handover_id: RowId) -> Response:
    """The incoming officer confirms the handover (接班确认)."""
    with committing(session, MuqingError, shown=_refused(request, session, user)):
        roster.receive_handover(session, handover_id=handover_id, user=user)
    return done("/console", "received", "#duty-title")


@router.get("/console/board")
def console_board(request: Request, session: SessionDep, user: ConsoleUser) -> HTMLResponse:
    """Only the board, for the page script to swap in after a live update."""
    return render(request, "partials/console_board.html", _board(session, user), user=user)


def _poll(token: str, since: datetime, max_id: int) -> tuple[list[dict[str, object]], list[int], datetime, int]:
    """New cases (for notifications) and changed case ids since the last poll, in a short transaction."""
    with session_factory()() as session:
        row = websessions.read_session(session, token=token, touch=False)
        user = row.user
        changed = queries.recent_changes(session, user=user, since=since)
        new = [
            {"id": a.id, "title": a.title, "severity": a.severity, "section": a.section.name if a.section else ""}
            for a in changed
            if a.id > max_id
        ]
        latest = max([since, *(a.updated_at for a in changed)])
        return new, [a.id for a in changed], latest, max([max_id, *(a.id for a in changed)])


class _Board:
    """The stream's cursor over the cases one browser sees: each poll sends new cases and changed ids."""

    def __init__(self, token: str, since: datetime, max_id: int) -> None:
        self.token, self.since, self.max_id = token, since, max_id

    def poll(self) -> sse.Polled:
        try:
            new, changed, self.since, self.max_id = _poll(self.token, self.since, self.max_id)
        except AuthenticationFailed:
            return sse.Polled([sse.frame(event="expired", data={"message": "登录已过期，请重新登录"})], end=True)
        # Titles can hold a phone number: the board shows them masked like every page.
        frames = [sse.frame(event="alert", data=mask_value(item)) for item in new]
        if changed:
            # The id a reconnecting browser sends back (Last-Event-ID): where to resume, time|highest case id.
            resume = f"{self.since.isoformat()}|{self.max_id}"
            frames.append(sse.frame(event="change", data={"ids": changed}, event_id=resume))
        return sse.Polled(frames)


def _resume(request: Request, since: str, max_id: int) -> tuple[datetime, int]:
    """Where the stream starts: the last event the browser saw (``Last-Event-ID``: time|id), else the query."""
    seen = request.headers.get("last-event-id", "").strip()[:200]
    if "|" in seen:
        at, _, top = seen.partition("|")
        since, max_id = at, int(top) if top.isdigit() else max_id
    try:
        start = datetime.fromisoformat(since) if since else utcnow()
    except ValueError as exc:
        example = "2026-03-10T09:30:00+08:00"
        raise InvalidInput(f"since 应为 ISO 8601 时间，如 {example}", details={"field": "since"}) from exc
    if start.tzinfo is None:
        # A time without offset is the office's local time; compared with stored (aware) times below.
        start = start.replace(tzinfo=local_zone())
    return start, max_id


@router.get("/console/stream")
async def console_stream(request: Request, since: str = "", max_id: AfterId = 0) -> StreamingResponse:
    """Server-sent events: ``alert`` for each new case, ``change`` when visible cases changed, ``ping`` every second.

    Each ``change`` carries an id (time|highest case id) so a reconnecting browser gets what it missed.
    """
    token = request.cookies.get(SESSION_COOKIE, "")

    def check() -> None:
        with session_factory()() as session:
            row = websessions.read_session(session, token=token, touch=False)
            if row.user.role not in CONSOLE_ROLES:
                raise LoginRequired

    try:
        await run_in_threadpool(check)
    except AuthenticationFailed as exc:
        raise LoginRequired(exc.message, code=exc.code) from exc
    start, top = _resume(request, since, max_id)
    board = _Board(token, start, top)
    events = sse.stream(
        board.poll, disconnected=request.is_disconnected, every=POLL_SECONDS, heartbeat=sse.HEARTBEAT_SECONDS
    )
    return StreamingResponse(events, media_type=sse.MEDIA_TYPE, headers=sse.HEADERS)
