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

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import object_session

from alerts.notify import service
from alerts.notify.channels import CHANNEL_LABELS
from alerts.notify.models import Delivery, Notification, NotificationChannel, NotificationPreference
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
    hide_secrets,
)
from api.deps import CurrentUser, SessionDep, require_roles
from api.security import token_user
from core.bounds import AfterId, Offset, RowId
from core.db import session_scope
from core.errors import AuthenticationFailed, Conflict, NotFound, PermissionDenied
from core.models import Section, User
from core.outbox import add_event
from core.privacy import mask_value
from core.types import Role

router = APIRouter(prefix="/notifications", tags=["notifications"])
ADMIN = require_roles(Role.admin)
KEEPALIVE_SECONDS = 15.0
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


def _fetch(user_id: int, after_id: int | None) -> tuple[int, list[str]]:
    with session_scope() as session:
        user = session.get(User, user_id)
        assert user is not None
        if after_id is None:
            return service.latest_inbox_id(session, user=user), []
        items = service.inbox(session, user=user, after_id=after_id, limit=200)
        frames = []
        for item in items:
            shown = InboxOut.of(item)
            data = json.dumps(mask_value(shown.model_dump(mode="json")), ensure_ascii=False)
            frames.append(f"id: {item.id}\nevent: {shown.kind}\ndata: {data}\n\n")
            after_id = item.id
        return after_id, frames


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

    async def events() -> AsyncIterator[str]:
        cursor = start
        if cursor is None:
            cursor, _ = await run_in_threadpool(_fetch, user_id, None)
        yield "retry: 3000\n\n"
        began = last_beat = time.monotonic()
        while not await request.is_disconnected():
            cursor, frames = await run_in_threadpool(_fetch, user_id, cursor)
            for frame in frames:
                yield frame
            now = time.monotonic()
            if max_seconds is not None and now - began >= max_seconds:
                return
            if now - last_beat >= KEEPALIVE_SECONDS:
                yield ": keepalive\n\n"
                last_beat = now
            await asyncio.sleep(POLL_SECONDS)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Connection": "keep-alive"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


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
    mine = session.scalar(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    if mine is not None:
        return _preference_out(mine, "user")
    if user.section_id is not None:
        section = session.scalar(
            select(NotificationPreference).where(NotificationPreference.section_id == user.section_id)
        )
        if section is not None:
            return _preference_out(section, "section")
    return _preference_out(None, "default")


@router.put("/preferences/me")
def save_my_preference(session: SessionDep, user: CurrentUser, body: PreferenceIn) -> PreferenceOut:
    """Set my preference."""
    saved = service.save_preference(session, user_id=user.id, **body.model_dump())
    session.commit()
    return _preference_out(saved, "user")


def _section_guard(session: SessionDep, user: User, section_id: int) -> None:
    if session.get(Section, section_id) is None:
        raise NotFound(f"科室 {section_id} 不存在")
    if user.role == Role.admin or (user.role == Role.head and user.section_id == section_id):
        return
    raise PermissionDenied("只有管理员或本科室负责人可以设置科室的通知偏好")


@router.get("/preferences/sections/{section_id}")
def section_preference(session: SessionDep, user: CurrentUser, section_id: RowId) -> PreferenceOut:
    """A section's default preference for its people."""
    _section_guard(session, user, section_id)
    saved = session.scalar(select(NotificationPreference).where(NotificationPreference.section_id == section_id))
    return _preference_out(saved, "section")


@router.put("/preferences/sections/{section_id}")
def save_section_preference(
    session: SessionDep, user: CurrentUser, section_id: RowId, body: PreferenceIn
) -> PreferenceOut:
    """Set a section's default preference (admin, or that section's head)."""
    _section_guard(session, user, section_id)
    saved = service.save_preference(session, section_id=section_id, **body.model_dump())
    session.commit()
    return _preference_out(saved, "section")


def _channel_out(channel: NotificationChannel) -> ChannelOut:
    shown = ChannelOut.model_validate(channel)
    shown.config = hide_secrets(channel.config or {})
    return shown


@router.get("/channels", dependencies=[require_roles(Role.admin, Role.leader, Role.duty)])
def list_channels(session: SessionDep) -> list[ChannelOut]:
    """Group robots, webhooks and mailing lists."""
    return [_channel_out(c) for c in session.scalars(select(NotificationChannel).order_by(NotificationChannel.id))]


def _save_channel(session: SessionDep, channel: NotificationChannel, body: ChannelIn) -> None:
    config = dict(body.config)
    if config.get("secret") == "******":  # unchanged secret sent back from the form
        config["secret"] = (channel.config or {}).get("secret")
    service.validate_channel(kind=body.kind, config=config, events=body.events, min_severity=body.min_severity)
    if body.section_id is not None and session.get(Section, body.section_id) is None:
        raise NotFound(f"科室 {body.section_id} 不存在")
    clash = session.scalar(select(NotificationChannel).where(NotificationChannel.name == body.name))
    if clash is not None and clash is not channel:
        raise Conflict(f"已有名为「{body.name}」的通知渠道", details={"field": "name"})
    for field, value in body.model_dump(exclude={"config"}).items():
        setattr(channel, field, value)
    channel.config = config


@router.post("/channels", status_code=201, dependencies=[ADMIN])
def create_channel(session: SessionDep, body: ChannelIn) -> ChannelOut:
    """Add a channel."""
    channel = NotificationChannel()
    _save_channel(session, channel, body)
    session.add(channel)
    session.commit()
    return _channel_out(channel)


def _channel(session: SessionDep, channel_id: int) -> NotificationChannel:
    channel = session.get(NotificationChannel, channel_id)
    if channel is None:
        raise NotFound(f"通知渠道 {channel_id} 不存在")
    return channel


@router.put("/channels/{channel_id}", dependencies=[ADMIN])
def update_channel(session: SessionDep, channel_id: RowId, body: ChannelIn) -> ChannelOut:
    """Change a channel (send the secret back as ``******`` to keep it)."""
    channel = _channel(session, channel_id)
    _save_channel(session, channel, body)
    session.commit()
    return _channel_out(channel)


@router.delete("/channels/{channel_id}", status_code=204, dependencies=[ADMIN])
def delete_channel(session: SessionDep, channel_id: RowId) -> Response:
    """Remove a channel (its delivery log stays)."""
    session.delete(_channel(session, channel_id))
    session.commit()
    return Response(status_code=204)


@router.post("/channels/{channel_id}/test", status_code=202, dependencies=[ADMIN])
def test_channel(session: SessionDep, channel_id: RowId) -> DeliveryOut:
    """Send a test message through a channel; follow it in the delivery log."""
    channel = _channel(session, channel_id)
    notification = Notification(
        kind="test", title="牧情测试消息", body="这是一条测试消息，收到即说明通知渠道配置正确。", data={}
    )
    session.add(notification)
    session.flush()
    delivery = Delivery(
        notification_id=notification.id, channel=channel.kind, channel_id=channel.id, target=channel.name
    )
    session.add(delivery)
    session.flush()
    add_event(session, topic=service.DELIVER_TOPIC, payload={"delivery_id": delivery.id})
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
