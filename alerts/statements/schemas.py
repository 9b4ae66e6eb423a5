"""口径库 and word-list inputs and outputs, shared by the API and the pages."""

from __future__ import annotations

from datetime import date
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator, model_validator

from core.schemas import LocalDatetime, ORMModel
from core.types import Category

TermList = Literal["confidential", "political", "misused", "promise", "allowed"]
TERM_LISTS: dict[str, str] = {
    "confidential": "保密词（保密关）",
    "political": "须审核的政治性表述（政治关）",
    "misused": "常见错别字和误用词（文字关）",
    "promise": "承诺性用语（法律关）",
    "allowed": "可公开的号码和地址（保密关不提示）",
}


def checked_link(value: str | None) -> str | None:
    """A policy document's link: empty, or an absolute http/https URL with a host."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("链接须以 http:// 或 https:// 开头")
    if any(ch.isspace() for ch in value):
        raise ValueError("链接中不能有空格")
    return value


def clean_keywords(value: list[str]) -> list[str]:
    """Keywords stripped, without blanks or repeats, each at most 50 characters."""
    cleaned = [word.strip() for word in value if word.strip()]
    if any(len(word) > 50 for word in cleaned):
        raise ValueError("关键词不超过 50 字")
    return list(dict.fromkeys(cleaned))


class DocumentIn(BaseModel):
    """A policy document a statement rests on."""

    title: str = Field(min_length=1, max_length=300)
    number: str = Field(default="", max_length=100, description="文号, e.g. 农牧发〔2024〕12号")
    link: str | None = Field(default=None, max_length=2048, description="http or https only")

    @field_validator("title", "number")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("link")
    @classmethod
    def _link(cls, value: str | None) -> str | None:
        return checked_link(value)


class StatementIn(BaseModel):
    """A new approved statement (口径)."""

    category: Category
    topic: str = Field(min_length=1, max_length=200)
    wording: str = Field(min_length=1, max_length=10000)
    keywords: list[str] = Field(default_factory=list, max_length=50)
    approved_by: str = Field(min_length=1, max_length=100, description="who approved the wording")
    valid_from: date
    valid_until: date | None = None
    documents: list[DocumentIn] = Field(default_factory=list, max_length=50)

    @field_validator("topic", "wording", "approved_by")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("不能为空")
        return value.strip()

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: list[str]) -> list[str]:
        return clean_keywords(value)

    @model_validator(mode="after")
    def _span(self) -> StatementIn:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError("有效期截止日不能早于起始日")
        return self


class StatementPatch(BaseModel):
    """Changes to a statement; fields left out stay as they are (``documents`` replaces the whole list)."""

    category: Category | None = None
    topic: str | None = Field(default=None, min_length=1, max_length=200)
    wording: str | None = Field(default=None, min_length=1, max_length=10000)
    keywords: list[str] | None = Field(default=None, max_length=50)
    approved_by: str | None = Field(default=None, min_length=1, max_length=100)
    valid_from: date | None = None
    valid_until: date | None = None
    documents: list[DocumentIn] | None = Field(default=None, max_length=50)

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else clean_keywords(value)


class DocumentOut(ORMModel):
    """A policy document."""

    id: int
    title: str
    number: str
    link: str | None


class StatementOut(ORMModel):
    """A statement with its documents and whether it is in force today."""

    id: int
    category: str
    topic: str
    wording: str
    keywords: list[str]
    approved_by: str
    valid_from: date
    valid_until: date | None
    expired: bool = False
    documents: list[DocumentOut]
    created_at: LocalDatetime
    updated_at: LocalDatetime


class StatementList(BaseModel):
    """Statements, newest first."""

    items: list[StatementOut]


class TermIn(BaseModel):
    """A new word-list entry."""

    list: TermList
    term: str = Field(min_length=1, max_length=100)
    suggestion: str = Field(default="", max_length=100)
    note: str = Field(default="", max_length=1000)

    @field_validator("term", "suggestion")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class TermPatch(BaseModel):
    """Changes to a word-list entry."""

    suggestion: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=1000)
    enabled: bool | None = None


class TermOut(ORMModel):
    """A word-list entry."""

    id: int
    list: str
    term: str
    suggestion: str
    note: str
    enabled: bool
    builtin: bool


class TermListOut(BaseModel):
    """Word-list entries."""

    items: list[TermOut]
