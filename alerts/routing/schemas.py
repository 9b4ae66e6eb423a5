"""Routing inputs and outputs: a rule as entered and shown, "try a text" and its verdict."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from alerts.cases.schemas import PolicySeverityText
from core.bounds import MAX_PRIORITY, RowId
from core.schemas import ORMModel, SectionRef


class RuleIn(BaseModel):
    """A routing rule: match data (keys in ``alerts.routing.service.MATCH_KEYS``), lead and co-handling sections."""

    name: str = Field(min_length=1, max_length=100)
    priority: int = Field(default=100, ge=-MAX_PRIORITY, le=MAX_PRIORITY)
    enabled: bool = True
    match: dict[str, Any] = Field(default_factory=dict)
    section_id: RowId | None = None
    co_section_ids: list[RowId] = Field(default_factory=list, max_length=50)
    note: str = Field(default="", max_length=2000)


class RuleOut(ORMModel):
    """A routing rule as shown."""

    id: int
    name: str
    priority: int
    enabled: bool
    match: dict[str, Any]
    section: SectionRef | None
    co_section_ids: list[int]
    note: str


class TryTextIn(BaseModel):
    """A text to route; category and severity are classified when not given."""

    text: str = Field(min_length=1, max_length=50000)
    title: str = ""
    category: str | None = None
    severity: PolicySeverityText | None = None
    source: str | None = None
    source_kind: str | None = None
    kind: Literal["complaint", "info_request"] = "complaint"
    places: list[str] = Field(default_factory=list)


class RuleTrial(BaseModel):
    """How one rule judged the text."""

    rule_id: int
    name: str
    matched: bool
    reasons: list[str]


class TryTextOut(BaseModel):
    """Where a text would go, why, and what its deadlines would be if it arrived now."""

    category: str
    severity: str
    classified: bool
    needs_response: bool | None = Field(default=None, description="the classifier's verdict, when it classified")
    score: float | None = None
    evidence: list[Any] = Field(default_factory=list, description="the classifier's reasons, when it classified")
    section: SectionRef | None
    co_sections: list[SectionRef]
    rule_id: int | None
    reason: str
    rules: list[RuleTrial]
    deadlines: dict[str, str]
