"""Alert inputs and outputs: plain data shared by the flows, the API and the web pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from core.schemas import LocalDatetime, ORMModel, PostOut, SectionRef

RESPONSE_CHANNELS: dict[str, str] = {
    "website": "门户网站",
    "wechat": "微信公众号",
    "board_reply": "留言板回复",
    "phone": "电话回复",
    "in_person": "当面答复",
    "other": "其他",
}

Action = Literal["acknowledge", "assign", "start", "respond", "close", "dismiss", "send_back", "reopen"]


@dataclass(frozen=True, slots=True)
class ResponseInput:
    """A response to the public: what was said, where, and a link."""

    content: str
    channel: str = "website"
    link: str | None = None


class ResponseIn(BaseModel):
    """A response as submitted."""

    content: str = Field(min_length=1, max_length=20000)
    channel: Literal["website", "wechat", "board_reply", "phone", "in_person", "other"] = "website"
    link: str | None = Field(default=None, max_length=2048)


class TransitionIn(BaseModel):
    """A lifecycle action on an alert."""

    action: Action
    section_id: int | None = None
    note: str | None = Field(default=None, max_length=5000)
    response: ResponseIn | None = None

    def response_input(self) -> ResponseInput | None:
        """The response as flow input."""
        if self.response is None:
            return None
        return ResponseInput(content=self.response.content, channel=self.response.channel, link=self.response.link)


class AlertItem(ORMModel):
    """An alert in a list."""

    id: int
    kind: str
    title: str
    status: str
    severity: str
    category: str
    section: SectionRef | None
    opened_at: LocalDatetime
    ack_due: LocalDatetime | None
    response_due: LocalDatetime | None
    close_due: LocalDatetime | None
    acknowledged_at: LocalDatetime | None
    responded_at: LocalDatetime | None
    closed_at: LocalDatetime | None
    escalated: bool
    post_count: int


class AlertList(BaseModel):
    """One page of alerts and the total that match."""

    items: list[AlertItem]
    total: int


class EventOut(ORMModel):
    """One audit event."""

    id: int
    at: LocalDatetime
    action: str
    actor: str | None = Field(validation_alias="actor_name")
    from_status: str | None
    to_status: str | None
    note: str
    data: dict[str, object]


class ResponseOut(ORMModel):
    """A logged response."""

    id: int
    content: str
    channel: str
    link: str | None
    author: str | None = Field(validation_alias="author_name")
    created_at: LocalDatetime


class AlertDetail(AlertItem):
    """An alert with its posts, audit log, responses and routing decision."""

    routing_reason: str
    posts: list[PostOut]
    events: list[EventOut]
    responses: list[ResponseOut]
    allowed_actions: list[str]


class TimelinessRow(BaseModel):
    """On-time figures of one section."""

    section: SectionRef | None
    alerts: int
    acknowledged: int
    closed: int
    ack_on_time_rate: float | None
    close_on_time_rate: float | None
    mean_hours_to_ack: float | None
    mean_hours_to_close: float | None


class TimelinessReport(BaseModel):
    """Timeliness per section for a period."""

    start: LocalDatetime | None
    end: LocalDatetime | None
    sections: list[TimelinessRow]
