"""What the response checks, drafts, similar cases and quality figures exchange with the API and pages."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from core.bounds import RowId
from core.schemas import LocalDatetime

CheckName = Literal["保密", "法律", "政治", "文字"]


class CheckIn(BaseModel):
    """A response text to check against a case."""

    alert_id: RowId
    content: str = Field(max_length=20000)


class FindingOut(BaseModel):
    """One finding: ``content[start:end] == text``."""

    check: CheckName
    kind: str
    text: str
    start: int
    end: int
    message: str


class CheckOut(BaseModel):
    """Everything the four checks found, in reading order."""

    findings: list[FindingOut]


class SimilarItem(BaseModel):
    """A closed case like this one, how it was answered, and how satisfied the person was."""

    alert_id: int
    title: str
    response_excerpt: str
    closed_at: LocalDatetime | None
    satisfaction: str | None
    score: float
    responded_by: str | None = None
    section: str | None = None
    reasons: list[str] = Field(default_factory=list)


class SimilarOut(BaseModel):
    """The closed cases most like this one, best first."""

    items: list[SimilarItem]


class DraftOut(BaseModel):
    """A draft response built from an approved statement (口径) and the case's facts."""

    text: str
    statement_id: int | None
    statement_topic: str | None
    score: float
    facts: dict[str, str]


class DraftList(BaseModel):
    """Drafts offered for a case, best first (the first is what the form shows)."""

    items: list[DraftOut]


class SectionQuality(BaseModel):
    """Response quality of one section in a period."""

    section: str
    responses: int
    flagged: int
    overridden: int
    overridden_rate: float | None
    statement_used: int
    statement_rate: float | None
    follow_ups: int
    satisfied: int
    basically_satisfied: int
    dissatisfied: int
    satisfaction_rate: float | None


class QualityOut(BaseModel):
    """Response quality per section, and for all sections together."""

    start: str
    end: str
    sections: list[SectionQuality]
    total: SectionQuality
