"""Pydantic shapes of core objects as shown to users (times in the users' zone, with offset)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer

from core.timeutil import isoformat_local
from core.xmltext import refuse_control_characters

LocalDatetime = Annotated[datetime, PlainSerializer(isoformat_local, return_type=str)]
# Free text that goes into documents: control characters (invisible, and illegal in DOCX/XLSX) refused with 422.
PlainText = Annotated[str, AfterValidator(refuse_control_characters)]


class ORMModel(BaseModel):
    """Reads attributes from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


class SectionRef(ORMModel):
    """A section, briefly."""

    id: int
    code: str
    name: str


class UserOut(ORMModel):
    """A user as others see them."""

    id: int
    username: str
    display_name: str
    role: str
    section: SectionRef | None = None


class AnalysisOut(ORMModel):
    """The classifier's verdict on a post and why."""

    model_version: str
    relevant: bool
    category: str
    needs_response: bool
    severity: str
    sentiment: str
    score: float
    reasons: list[dict[str, object]]
    entities: dict[str, object]


class PostOut(ORMModel):
    """A post with its analysis."""

    id: int
    url: str | None
    title: str
    content: str
    author: str | None
    published_at: LocalDatetime | None
    fetched_at: LocalDatetime | None
    source_name: str | None = None
    reads: int | None = None
    likes: int | None = None
    comments: int | None = None
    reposts: int | None = None
    analysis: AnalysisOut | None = None
