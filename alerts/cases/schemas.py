"""Alert inputs and outputs: plain data shared by the flows, the API and the web pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from alerts.disclosure.schemas import RegisterFields
from core.bounds import MAX_LIMIT_AMOUNT, CalendarDateTime, RowId
from core.schemas import LocalDatetime, ORMModel, PostOut, SectionRef

RESPONSE_CHANNELS: dict[str, str] = {
    "website": "门户网站",
    "wechat": "微信公众号",
    "board_reply": "留言板回复",
    "phone": "电话回复",
    "in_person": "当面答复",
    "other": "其他",
}

Action = Literal[
    "acknowledge",
    "assign",
    "start",
    "respond",
    "sign_off",
    "reject_response",
    "close",
    "dismiss",
    "send_back",
    "reopen",
    "escalate",
    "clear_escalation",
    "set_severity",
    "request_extension",
    "approve_extension",
    "refuse_extension",
    "follow_up",
    "merge",
    "comment",
]
Channel = Literal["website", "wechat", "board_reply", "phone", "in_person", "other"]
SeverityText = Literal["一般", "较大", "重大"]
PolicySeverityText = Literal["一般", "较大", "重大", "依申请公开"]
SatisfactionText = Literal["满意", "基本满意", "不满意"]


@dataclass(frozen=True, slots=True)
class ResponseInput:
    """A response to the public: what was said, where, a link, contact with the person, attached files."""

    content: str
    channel: str = "website"
    link: str | None = None
    contact: str = ""
    attachment_ids: tuple[int, ...] = ()
    draft_statement_id: int | None = None
    draft_alert_id: int | None = None


class ResponseIn(BaseModel):
    """A response as submitted."""

    content: str = Field(min_length=1, max_length=20000)
    channel: Channel = "website"
    link: str | None = Field(default=None, max_length=2048)
    contact: str = Field(default="", max_length=2000, description="contact with the person (联系当事人情况)")
    attachment_ids: list[RowId] = Field(
        default_factory=list, max_length=100, description="ids of files uploaded to this alert"
    )
    draft_statement_id: RowId | None = Field(default=None, description="the 口径 the draft came from (口径库)")
    draft_alert_id: RowId | None = Field(default=None, description="the similar closed case whose answer was used")


class ExtensionIn(BaseModel):
    """What extension is asked for; amount and unit default to the policy's extension."""

    deadline: Literal["ack", "response", "close"] = "close"
    amount: float | None = Field(default=None, gt=0, le=MAX_LIMIT_AMOUNT)
    unit: Literal["minutes", "hours", "working_hours", "working_days"] | None = None


class TransitionIn(BaseModel):
    """A lifecycle action on an alert; which fields an action needs is in ``GET /api/alerts/lifecycle``."""

    action: Action
    section_id: RowId | None = None
    note: str | None = Field(default=None, max_length=5000)
    response: ResponseIn | None = None
    severity: SeverityText | None = None
    target_alert_id: RowId | None = None
    satisfaction: SatisfactionText | None = None
    method: Literal["phone", "in_person", "online", "sms", "other"] | None = None
    extension: ExtensionIn | None = None
    co_section_ids: list[RowId] | None = Field(default=None, max_length=50)
    assignee_id: RowId | None = None

    def response_input(self) -> ResponseInput | None:
        """The response as flow input."""
        if self.response is None:
            return None
        return ResponseInput(
            content=self.response.content,
            channel=self.response.channel,
            link=self.response.link,
            contact=self.response.contact,
            attachment_ids=tuple(self.response.attachment_ids),
            draft_statement_id=self.response.draft_statement_id,
            draft_alert_id=self.response.draft_alert_id,
        )

    def flow_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``alerts.cases.flows.transition``."""
        return {
            "action": self.action,
            "section_id": self.section_id,
            "note": self.note,
            "response": self.response_input(),
            "severity": self.severity,
            "target_alert_id": self.target_alert_id,
            "satisfaction": self.satisfaction,
            "method": self.method,
            "extension": self.extension.model_dump() if self.extension else None,
            "co_section_ids": self.co_section_ids,
            "assignee_id": self.assignee_id,
        }


class CaseIn(BaseModel):
    """A case entered by hand (hotline work order, letter, information request)."""

    kind: Literal["complaint", "info_request"] = "complaint"
    title: str = Field(min_length=1, max_length=500)
    content: str = Field(min_length=1, max_length=50000)
    category: str | None = Field(
        default=None, max_length=40, description="omitted: the classifier's proposal (see POST /api/alerts/triage)"
    )
    severity: SeverityText | None = Field(
        default=None, description="omitted: the classifier's proposal, never 一般 for a text with urgent words"
    )
    received_at: CalendarDateTime | None = None
    channel: str = Field(default="", max_length=100, description="how it came in: 信函, 网上申请, 当面, 电话 …")
    requester: dict[str, str] = Field(default_factory=dict, description="name, phone, address … of the requester")
    section_id: RowId | None = None
    disclosure: RegisterFields | None = Field(
        default=None, description="for kind info_request: the register entry (applicant type, how received …)"
    )


class TriageIn(BaseModel):
    """A text being entered by hand, to be classified before it is saved."""

    kind: Literal["complaint", "info_request"] = "complaint"
    title: str = Field(default="", max_length=500)
    content: str = Field(default="", max_length=50000)


class TriageOut(BaseModel):
    """The proposal a hand-entered case opens with unless the officer chooses otherwise, and why."""

    category: str
    category_label: str
    severity: str
    section_id: int | None
    section: str
    reasons: list[str]
    urgent_terms: list[str]
    routing_reason: str
    model_version: str


class MovePostIn(BaseModel):
    """Move a post to another alert, or (no target) out into a new alert of its own."""

    to_alert_id: RowId | None = None
    note: str = Field(default="", max_length=2000)


class UserRef(ORMModel):
    """A person, briefly."""

    id: int
    username: str
    display_name: str
    role: str


class AlertItem(ORMModel):
    """An alert in a list."""

    id: int
    kind: str
    title: str
    status: str
    severity: str
    category: str
    section: SectionRef | None
    co_section_ids: list[int]
    opened_at: LocalDatetime
    ack_due: LocalDatetime | None
    response_due: LocalDatetime | None
    close_due: LocalDatetime | None
    provisional: bool = Field(
        description="true when a deadline relies on a year without an official holiday arrangement (暂定)"
    )
    provisional_deadlines: dict[str, list[int]] = Field(
        description='per provisional deadline (ack, response, close), the years it relied on, e.g. {"close": [2027]}'
    )
    acknowledged_at: LocalDatetime | None
    responded_at: LocalDatetime | None
    closed_at: LocalDatetime | None
    escalated: bool
    post_count: int
    heat: float
    reopen_count: int
    satisfaction: str | None
    duty_user_id: int | None
    assignee_id: int | None
    merged_into_id: int | None
    # A 12345 work order's number and the hotline's own deadline (处理时限); the stricter deadline applies.
    external_ref: str | None = None
    external_due: LocalDatetime | None = None


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
    actor_id: int | None
    from_status: str | None
    to_status: str | None
    note: str
    data: dict[str, object]


class AttachmentOut(ORMModel):
    """A file kept with a case."""

    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    response_id: int | None
    uploaded_at: LocalDatetime


class ReviewOut(ORMModel):
    """What the four checks found in a response when it was submitted, its draft's source, any override."""

    findings: list[dict[str, Any]]
    draft: dict[str, Any]
    statement_id: int | None
    override_note: str
    overridden_by: str | None = Field(default=None, validation_alias="overridden_by_name")
    overridden_at: LocalDatetime | None


class ResponseOut(ORMModel):
    """A logged response."""

    id: int
    content: str
    channel: str
    link: str | None
    contact: str
    status: str
    author: str | None = Field(validation_alias="author_name")
    signed_off_by: str | None = Field(validation_alias="signed_off_by_name")
    signed_off_at: LocalDatetime | None
    created_at: LocalDatetime
    attachments: list[AttachmentOut]
    review: ReviewOut | None = None


class ExtensionOut(ORMModel):
    """An extension request and its decision."""

    id: int
    deadline: str
    amount: float
    unit: str
    reason: str
    status: str
    requested_by_id: int | None
    requested_at: LocalDatetime
    decided_by_id: int | None
    decided_at: LocalDatetime | None
    decision_note: str
    old_due: LocalDatetime | None
    new_due: LocalDatetime | None


class FollowUpOut(ORMModel):
    """A follow-up (回访) and the satisfaction recorded."""

    id: int
    at: LocalDatetime
    by_id: int | None
    method: str
    satisfaction: str
    note: str
    reopened: bool


class AlertDetail(AlertItem):
    """An alert with its posts, audit log, responses, extensions, follow-ups and routing decision."""

    routing_reason: str
    routing_rule_id: int | None
    sla_policy_id: int | None
    clock_started_at: LocalDatetime | None
    details: dict[str, object]
    posts: list[PostOut]
    events: list[EventOut]
    responses: list[ResponseOut]
    extensions: list[ExtensionOut]
    follow_ups: list[FollowUpOut]
    attachments: list[AttachmentOut]
    allowed_actions: list[str]


class TransitionSpecOut(BaseModel):
    """One row of the lifecycle table."""

    action: str
    label: str
    sources: list[str]
    target: str | None
    roles: list[str]
    required: list[str]
