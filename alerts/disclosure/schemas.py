"""Register and report inputs and outputs (pydantic), shared by the service, the API and the pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from core.bounds import MAX_COUNT, RowId
from core.schemas import LocalDatetime, PlainText

Step = Literal["correction_requested", "correction_received", "extension", "answer"]
STEP_LABELS: dict[str, str] = {
    "correction_requested": "告知补正",
    "correction_received": "收到补正",
    "extension": "延期答复",
    "answer": "答复",
}


class RegisterFields(BaseModel):
    """What the register adds to an information-request case (``disclosure`` in ``POST /api/alerts``).

    Codes or the unified format's words are accepted: ``applicant_type`` natural 自然人, business 商业企业,
    research 科研机构, public_interest 社会公益组织, legal_service 法律服务机构, other_org 其他;
    ``received_via`` letter 信函, in_person 当面, online 网络, fax 传真, email 电子邮件.
    """

    model_config = ConfigDict(extra="forbid")

    applicant_type: str = Field(max_length=40)
    received_via: str = Field(max_length=40)
    applicant_name: PlainText = Field(default="", max_length=200)
    applicant_contact: PlainText = Field(default="", max_length=300)
    information: PlainText = Field(default="", max_length=20000, description="申请公开的政府信息（内容描述）")


class RequestIn(RegisterFields):
    """A request for the register: a new one (its case is opened unless it was already answered), or the
    register fields of an existing information-request case (``alert_id``).

    Step dates may be given for a request entered after the fact; ``outcome`` (disclosed 予以公开, partial
    部分公开, withheld 不予公开, unavailable 无法提供, not_processed 不予处理, other 其他处理) goes with
    ``answered_at`` and, for the last four, a ``reason`` (a sub-row of the unified format).
    """

    alert_id: RowId | None = None
    title: PlainText = Field(default="", max_length=500)
    received_at: datetime | None = None
    section_id: RowId | None = None
    correction_requested_at: datetime | None = None
    correction_received_at: datetime | None = None
    extended_at: datetime | None = None
    answered_at: datetime | None = None
    outcome: str | None = Field(default=None, max_length=40)
    reason: str | None = Field(default=None, max_length=100)
    answer_note: PlainText = Field(default="", max_length=5000)


class RequestUpdate(BaseModel):
    """Corrections to what was registered (step dates change only through steps)."""

    model_config = ConfigDict(extra="forbid")

    title: PlainText | None = Field(default=None, max_length=500)
    information: PlainText | None = Field(default=None, max_length=20000)
    applicant_type: str | None = Field(default=None, max_length=40)
    applicant_name: PlainText | None = Field(default=None, max_length=200)
    applicant_contact: PlainText | None = Field(default=None, max_length=300)
    received_via: str | None = Field(default=None, max_length=40)


class StepIn(BaseModel):
    """One step of a request: 补正 asked (the clock stops) or received (it restarts), extension, answer."""

    model_config = ConfigDict(extra="forbid")

    step: Step
    at: datetime | None = Field(default=None, description="when it happened (default: now)")
    outcome: str | None = Field(default=None, max_length=40)
    reason: str | None = Field(default=None, max_length=100)
    note: PlainText = Field(default="", max_length=5000)


class CaseRef(BaseModel):
    """The case that tracks a request's clock."""

    id: int
    status: str
    close_due: LocalDatetime | None
    url: str


class RequestOut(BaseModel):
    """One register entry, with the labels of its codes and its statutory answer deadline."""

    id: int
    serial: str
    alert_id: int | None
    title: str
    information: str
    applicant_type: str
    applicant_type_label: str
    applicant_name: str
    applicant_contact: str
    received_via: str
    received_via_label: str
    received_at: LocalDatetime
    correction_requested_at: LocalDatetime | None
    correction_received_at: LocalDatetime | None
    extended_at: LocalDatetime | None
    answered_at: LocalDatetime | None
    outcome: str | None
    outcome_label: str
    reason: str | None
    answer_note: str
    status: Literal["open", "paused", "answered"]
    status_label: str
    due_at: LocalDatetime | None = Field(description="法定答复期限：20个工作日（延期再加20个），自收到申请或补正起")
    due_note: str = ""
    on_time: bool | None
    case: CaseRef | None
    url: str


class RequestList(BaseModel):
    """A page of the register."""

    items: list[RequestOut]
    total: int


class Figures(BaseModel):
    """Counts of one row of section 三, by applicant column and in total."""

    natural: int = 0
    business: int = 0
    research: int = 0
    public_interest: int = 0
    legal_service: int = 0
    other_org: int = 0
    total: int = 0


class RowOut(BaseModel):
    """One row of section 三 as the format lays it out."""

    key: str
    kind: str
    label: str
    group: str
    item: str
    values: Figures


class CheckOut(BaseModel):
    """One reconciliation check and its result."""

    key: str
    ok: bool
    message: str


class CaseGap(BaseModel):
    """An information-request case with no register entry (not counted until registered)."""

    alert_id: int
    title: str
    opened_at: LocalDatetime
    url: str


class PublicationIn(BaseModel):
    """Marks a year's report published (where and when it went out)."""

    model_config = ConfigDict(extra="forbid")

    published_at: datetime | None = None
    url: str = Field(default="", max_length=2048)


class ProactiveIn(BaseModel):
    """二、主动公开政府信息情况 (the figures of Article 20 the office reports)."""

    model_config = ConfigDict(extra="forbid")

    rules_issued: int = Field(default=0, ge=0, le=MAX_COUNT)
    rules_repealed: int = Field(default=0, ge=0, le=MAX_COUNT)
    rules_in_force: int = Field(default=0, ge=0, le=MAX_COUNT)
    normative_issued: int = Field(default=0, ge=0, le=MAX_COUNT)
    normative_repealed: int = Field(default=0, ge=0, le=MAX_COUNT)
    normative_in_force: int = Field(default=0, ge=0, le=MAX_COUNT)
    licensing: int = Field(default=0, ge=0, le=MAX_COUNT)
    penalties: int = Field(default=0, ge=0, le=MAX_COUNT)
    coercion: int = Field(default=0, ge=0, le=MAX_COUNT)
    fees: float = Field(default=0, ge=0, description="行政事业性收费 本年收费金额（单位：万元）")


class OutcomeCounts(BaseModel):
    """Results of reviews or suits: upheld, corrected, other, pending (the total is their sum)."""

    model_config = ConfigDict(extra="forbid")

    upheld: int = Field(default=0, ge=0, le=MAX_COUNT)
    corrected: int = Field(default=0, ge=0, le=MAX_COUNT)
    other: int = Field(default=0, ge=0, le=MAX_COUNT)
    pending: int = Field(default=0, ge=0, le=MAX_COUNT)


class ReviewIn(BaseModel):
    """四、政府信息公开行政复议、行政诉讼情况."""

    model_config = ConfigDict(extra="forbid")

    review: OutcomeCounts = Field(default_factory=OutcomeCounts)
    suit_direct: OutcomeCounts = Field(default_factory=OutcomeCounts)
    suit_after_review: OutcomeCounts = Field(default_factory=OutcomeCounts)


class ReportForms(BaseModel):
    """The sections of the annual report the office writes (kept per year), as stored and shown."""

    model_config = ConfigDict(extra="forbid")

    organisation: str = Field(default="畜牧发展促进中心", min_length=1, max_length=200, description="报告机关")
    overview: str = Field(default="", max_length=50000, description="一、总体情况")
    proactive: ProactiveIn = Field(default_factory=ProactiveIn)
    review: ReviewIn = Field(default_factory=ReviewIn)
    problems: str = Field(default="", max_length=50000, description="五、存在的主要问题及改进情况")
    other: str = Field(default="", max_length=50000, description="六、其他需要报告的事项")


class ReportFormsIn(ReportForms):
    """The sections as the office types them: control characters refused (rows stored earlier still show)."""

    organisation: PlainText = Field(default="畜牧发展促进中心", min_length=1, max_length=200, description="报告机关")
    overview: PlainText = Field(default="", max_length=50000, description="一、总体情况")
    problems: PlainText = Field(default="", max_length=50000, description="五、存在的主要问题及改进情况")
    other: PlainText = Field(default="", max_length=50000, description="六、其他需要报告的事项")


class ReportOut(BaseModel):
    """The annual report of a year: section 三 from the register, its checks, and the office's sections."""

    year: int
    status: Literal["draft", "published"]
    published_at: LocalDatetime | None
    published_url: str
    deadline: date
    columns: list[dict[str, str]]
    rows: list[RowOut]
    checks: list[CheckOut]
    reconciled: bool
    unregistered: list[CaseGap]
    frozen: bool = Field(description="published: the rows are those frozen at publication")
    changed_since_publication: bool
    forms: ReportForms
    reminder: str | None


class RowError(BaseModel):
    """A row that was not imported: its number (the header is row 1), the field and why."""

    row: int
    field: str | None
    reason: str


class ImportOut(BaseModel):
    """What an import did: requests entered (their ids) and the rows refused."""

    imported: int = 0
    request_ids: list[int] = Field(default_factory=list)
    errors: list[RowError] = Field(default_factory=list)
