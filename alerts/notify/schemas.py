"""Notification inputs and outputs, shared by the API and the pages."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from alerts.notify.models import InboxItem
from alerts.notify.rules import KINDS
from core.bounds import RowId
from core.schemas import LocalDatetime, ORMModel
from core.timeutil import isoformat_local

MinSeverity = Literal["一般", "较大", "重大"]


class ChannelIn(BaseModel):
    """A group robot, webhook or mailing list."""

    name: str = Field(min_length=1, max_length=100)
    kind: Literal["email", "wecom", "dingtalk", "webhook"]
    config: dict[str, Any]
    section_id: RowId | None = Field(default=None, description="only this section's cases; empty: every case")
    events: list[str] = Field(default_factory=list, description="notification kinds; empty: all")
    min_severity: MinSeverity | None = None
    enabled: bool = True


class ChannelOut(ORMModel):
    """A channel as shown (secrets hidden)."""

    id: int
    name: str
    kind: str
    config: dict[str, Any]
    section_id: int | None
    events: list[str]
    min_severity: str | None
    enabled: bool

    @classmethod
    def of(cls, channel: Any) -> ChannelOut:
        """A stored channel as shown: its secret replaced by a marker."""
        shown = cls.model_validate(channel)
        shown.config = hide_secrets(channel.config or {})
        return shown


def hide_secrets(config: dict[str, Any]) -> dict[str, Any]:
    """The config with its secret replaced by a marker (sent back unchanged, it keeps the stored secret)."""
    shown = dict(config)
    if shown.get("secret"):
        shown["secret"] = "******"
    return shown


class PreferenceIn(BaseModel):
    """What a person (or a section, as its people's default) wants to hear, and how."""

    channels: list[Literal["inapp", "email"]] = Field(default_factory=lambda: ["inapp", "email"])  # type: ignore[arg-type]
    events: list[str] = Field(default_factory=list, description="notification kinds; empty: all")
    min_severity: MinSeverity | None = None


class PreferenceOut(BaseModel):
    """A preference as stored (``default`` when none was saved)."""

    channels: list[str]
    events: list[str]
    min_severity: str | None
    source: Literal["user", "section", "default"]


class InboxOut(BaseModel):
    """One in-app notification (also the ``data`` of a live-stream event)."""

    id: int
    notification_id: int
    kind: str
    label: str
    alert_id: int | None
    severity: str
    title: str
    body: str
    created_at: str | None
    read: bool
    alert: dict[str, Any] | None

    @classmethod
    def of(cls, item: InboxItem) -> InboxOut:
        """From an inbox row."""
        note = item.notification
        return cls(
            id=item.id,
            notification_id=note.id,
            kind=note.kind,
            label=KINDS.get(note.kind, note.kind),
            alert_id=note.alert_id,
            severity=note.severity,
            title=note.title,
            body=note.body,
            created_at=isoformat_local(note.created_at),
            read=item.read_at is not None,
            alert=(note.data or {}).get("alert"),
        )


class InboxPage(BaseModel):
    """A page of the inbox and the unread count."""

    items: list[InboxOut]
    unread: int


class ReadIn(BaseModel):
    """Which notifications to mark read (all when ``ids`` is absent)."""

    ids: list[RowId] | None = Field(default=None, max_length=1000)


class DeliveryOut(ORMModel):
    """One line of the delivery log."""

    id: int
    notification_id: int
    channel: str
    channel_id: int | None
    user_id: int | None
    target: str
    status: str
    attempts: int
    last_error: str | None
    created_at: LocalDatetime
    next_attempt_at: LocalDatetime | None
    sent_at: LocalDatetime | None
    kind: str
    title: str
    alert_id: int | None
    merged_into_id: int | None = Field(default=None, description="sent inside this delivery's digest message")
    merged_ids: list[int] = Field(default_factory=list, description="deliveries this digest message carried")


class DeliveryPage(BaseModel):
    """A page of the delivery log."""

    items: list[DeliveryOut]
    total: int
