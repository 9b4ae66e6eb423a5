"""Notifications: the in-app inbox and its live stream (SSE), preferences, channels, the delivery log.

Live stream: ``GET /api/notifications/stream`` (``text/event-stream``). Authenticate with the usual bearer
header or, for ``EventSource`` which cannot set headers, ``?access_token=<token>``. Each event is

    id: <inbox id>
    event: <kind, e.g. alert.new>
    data: <InboxOut as JSON: id, notification_id, kind, label, alert_id, severity, title, body, created_at,
          read, alert {id, title, status, severity, category, section, deadlines, url …}>

A comment line ``: keepalive`` comes every 15 seconds. Reconnect with ``Last-Event-ID`` (the browser does it)
or ``?last_event_id=`` to receive what arrived meanwhile; without either, the stream starts from now.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import object_session

from alerts.notify import service
from alerts.notify.channels import CHANNEL_LABELS
from alerts.notify.models import Delivery, NotificationPreference
from alerts.notify.rules import KINDS
from alerts.notify.schemas import (
    ChannelIn,
    ChannelOut,
    DeliveryOut,
    DeliveryPage,
    InboxOut,
    InboxPage,
    PreferenceIn,
    PreferenceOut,
    ReadIn,
)
from api.deps import CurrentUser, SessionDep, require_roles
from api.security import token_user
from core import sse
from core.bounds import AfterId, Offset, RowId
from core.db import session_scope
from core.errors import AuthenticationFailed
from core.models import User
from core.types import Role

router = APIRouter(prefix="/notifications", tags=["notifications"])
ADMIN = require_roles(Role.admin)
POLL_SECONDS = 0.5


@router.get("/kinds")
def kinds(user: CurrentUser) -> dict[str, dict[str, str]]:
    """The notification kinds and channel kinds, with their Chinese names."""
    return {"kinds": KINDS, "channels": CHANNEL_LABELS}


@router.get("")
def inbox(
    session: SessionDep,
    user: CurrentUser,
    unread: bool = False,
    after_id: AfterId = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> InboxPage:
    """My in-app notifications: the newest, or those after ``after_id`` in order."""
    items = service.inbox(session, user=user, after_id=after_id, unread=unread, limit=limit)
    return InboxPage(items=[InboxOut.of(i) for i in items], unread=service.unread_count(session, user=user))


@router.post("/read")
def mark_read(session: SessionDep, user: CurrentUser, body: ReadIn) -> dict[str, int]:
    """Mark notifications read (all of mine when no ids are given)."""
    updated = service.mark_read(session, user=user, ids=body.ids)
    session.commit()
    return {"updated": updated}


def _stream_user(token: str | None) -> int:
    if not token:
        raise AuthenticationFailed("请先登录")
    # A short session: a stream must not hold a database transaction open while it waits.
    with session_scope() as session:
        return token_user(session, token).id


class _Inbox:
    """The stream's cursor over one user's inbox: each poll sends what arrived after the last sent."""

    def __init__(self, user_id: int, after_id: int | None) -> None:
        self.user_id, self.after_id = user_id, after_id

    def poll(self) -> sse.Polled:
        with session_scope() as session:
            user = session.get(User, self.user_id)
            assert user is not None
            if self.after_id is None:
                self.after_id = service.latest_inbox_id(session, user=user)
                return sse.Polled()
            frames = []
            for item in service.inbox(session, user=user, after_id=self.after_id, limit=200):
                shown = InboxOut.of(item)
                frames.append(sse.frame(event=shown.kind, data=shown.model_dump(mode="json"), event_id=item.id))
                self.after_id = item.id
            return sse.Polled(frames)


@router.get("/stream")
async def stream(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    access_token: str | None = None,
    last_event_id: Annotated[str | None, Header()] = None,
    last_event: Annotated[AfterId | None, Query(alias="last_event_id")] = None,
    max_seconds: Annotated[float | None, Query(gt=0, le=86400, description="end the stream after this long")] = None,
) -> StreamingResponse:
    """Live in-app notifications as server-sent events (see the module docstring for the format)."""
    token = authorization.split(" ", 1)[1] if authorization and authorization.lower().startswith("bearer ") else None
    user_id = await run_in_threadpool(_stream_user, token or access_token)
    start: int | None = last_event
    if start is None and last_event_id and last_event_id.strip().isdigit():
        start = int(last_event_id.strip())
    inbox = _Inbox(user_id, start)
    if start is None:
        await run_in_threadpool(inbox.poll)  # from now on
    events = sse.stream(inbox.poll, disconnected=request.is_disconnected, every=POLL_SECONDS, max_seconds=max_seconds)
    return StreamingResponse(events, media_type=sse.MEDIA_TYPE, headers=sse.HEADERS)


def _preference_out(
    preference: NotificationPreference | None, source: Literal["user", "section", "default"]
) -> PreferenceOut:
    if preference is None:
        return PreferenceOut(channels=list(service.DEFAULT_PERSONAL), events=[], min_severity=None, source="default")
    return PreferenceOut(
        channels=list(preference.channels or []),
        events=list(preference.events or []),
        min_severity=preference.min_severity,
        source=source,
    )


@router.get("/preferences/me")
def my_preference(session: SessionDep, user: CurrentUser) -> PreferenceOut:
    """My preference, else my section's, else the default (in-app and e-mail, every kind)."""
    return _preference_out(*service.preference_of(session, user=user))


@router.put("/preferences/me")
def save_my_preference(session: SessionDep, user: CurrentUser, body: PreferenceIn) -> PreferenceOut:
    """Set my preference."""
    saved = service.save_preference(session, user_id=user.id, **body.model_dump())
    session.commit()
    return _preference_out(saved, "user")


@router.get("/preferences/sections/{section_id}")
def section_preference(session: SessionDep, user: CurrentUser, section_id: RowId) -> PreferenceOut:
    """A section's default preference for its people."""
    service.check_section_preference_access(session, user=user, section_id=section_id)
    return _preference_out(*service.preference_of(session, section_id=section_id))


@router.put("/preferences/sections/{section_id}")
def save_section_preference(
    session: SessionDep, user: CurrentUser, section_id: RowId, body: PreferenceIn
) -> PreferenceOut:
    """Set a section's default preference (admin, or that section's head)."""
    service.check_section_preference_access(session, user=user, section_id=section_id)
    saved = service.save_preference(session, section_id=section_id, **body.model_dump())
    session.commit()
    return _preference_out(saved, "section")


@router.get("/channels", dependencies=[require_roles(Role.admin, Role.leader, Role.duty)])
def list_channels(session: SessionDep) -> list[ChannelOut]:
    """Group robots, webhooks and mailing lists."""
    return [ChannelOut.of(channel) for channel in service.list_channels(session)]


@router.post("/channels", status_code=201, dependencies=[ADMIN])
def create_channel(session: SessionDep, body: ChannelIn) -> ChannelOut:
    """Add a channel."""
    channel = service.save_channel(session, data=body)
    session.commit()
    return ChannelOut.of(channel)


@router.put("/channels/{channel_id}", dependencies=[ADMIN])
def update_channel(session: SessionDep, channel_id: RowId, body: ChannelIn) -> ChannelOut:
    """Change a channel (send the secret back as ``******`` to keep it)."""
    channel = service.save_channel(session, data=body, channel_id=channel_id)
    session.commit()
    return ChannelOut.of(channel)


@router.delete("/channels/{channel_id}", status_code=204, dependencies=[ADMIN])
def delete_channel(session: SessionDep, channel_id: RowId) -> Response:
    """Remove a channel (its delivery log stays)."""
    service.delete_channel(session, channel_id=channel_id)
    session.commit()
    return Response(status_code=204)


@router.post("/channels/{channel_id}/test", status_code=202, dependencies=[ADMIN])
def test_channel(session: SessionDep, channel_id: RowId) -> DeliveryOut:
    """Send a test message through a channel; follow it in the delivery log."""
    delivery = service.send_test(session, channel_id=channel_id)
    session.commit()
    session.refresh(delivery)
    return _delivery_out(delivery)


def _delivery_out(delivery: Delivery) -> DeliveryOut:
    note = delivery.notification
    fields: dict[str, Any] = {
        name: getattr(delivery, name) for name in DeliveryOut.model_fields if hasattr(delivery, name)
    }
    fields.update(kind=note.kind, title=note.title, alert_id=note.alert_id)
    session = object_session(delivery)
    if session is not None:
        carried = select(Delivery.id).where(Delivery.merged_into_id == delivery.id).order_by(Delivery.id)
        fields["merged_ids"] = list(session.scalars(carried))
    return DeliveryOut.model_validate(fields)


@router.get("/deliveries", dependencies=[require_roles(Role.admin, Role.leader, Role.duty)])
def delivery_log(
    session: SessionDep,
    alert_id: RowId | None = None,
    status: str | None = None,
    channel: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> DeliveryPage:
    """The delivery log: every attempt's outcome, newest first."""
    rows, total = service.deliveries(
        session, alert_id=alert_id, status=status, channel=channel, limit=limit, offset=offset
    )
    return DeliveryPage(items=[_delivery_out(d) for d in rows], total=total)


@router.post("/deliveries/{delivery_id}/retry", dependencies=[ADMIN])
def retry(session: SessionDep, delivery_id: RowId) -> DeliveryOut:
    """Send a failed delivery again."""
    delivery = service.retry_delivery(session, delivery_id=delivery_id)
    session.commit()
    session.refresh(delivery)
    return _delivery_out(delivery)
