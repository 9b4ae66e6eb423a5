"""NLP inputs and outputs: feedback and model versions (plain pydantic, shared by the flows and the API)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.bounds import RowId
from core.types import Category, Severity


class FeedbackKind(enum.StrEnum):
    """What the staff member says was wrong."""

    wrong_category = "wrong_category"  # 类别错误
    not_relevant = "not_relevant"  # 非本中心职责
    should_not_alert = "should_not_alert"  # 不应预警（无需回应）
    missed = "missed"  # 漏报
    labelled = "labelled"  # 待标注队列里的一键标注（类别可为 other）


FEEDBACK_KIND_LABELS = {
    "wrong_category": "类别错误",
    "not_relevant": "非本中心职责",
    "should_not_alert": "不应预警",
    "missed": "漏报",
    "labelled": "标注",
}


class FeedbackIn(BaseModel):
    """A correction. ``post_id`` names a stored post; a missed post from outside may give title and text."""

    kind: FeedbackKind
    post_id: RowId | None = None
    category: Category | None = Field(default=None, description="the right category (wrong_category, missed)")
    severity: Severity | None = None
    title: str | None = Field(default=None, max_length=500)
    text: str | None = Field(default=None, max_length=20000)
    note: str = Field(default="", max_length=2000)


class FeedbackOut(BaseModel):
    """A stored correction."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    post_id: int | None
    model_version: str | None
    predicted_category: str | None
    category: str
    needs_response: bool
    severity: str
    title: str
    note: str
    created_by_id: int | None
    created_at: datetime
    used_in_version: str | None


class FeedbackList(BaseModel):
    """A page of corrections."""

    items: list[FeedbackOut]
    total: int


class LabelIn(BaseModel):
    """A one-click label from the labelling queue: the right category, ``other`` for not our business."""

    category: Category
    note: str = Field(default="", max_length=2000)


class QueueItemOut(BaseModel):
    """A post waiting for a label, with what the model thought and how unsure it was."""

    post_id: int
    day: str
    title: str
    text: str
    url: str | None
    model_version: str
    p_relevant: float
    category: str
    p_category: float
    runner_up: str | None
    uncertainty: float
    reasons: list[dict[str, Any]]


class ModelVersionOut(BaseModel):
    """A stored model version with its metadata and whether it is the active one."""

    version: str
    active: bool
    created_at: str | None = None
    note: str = ""
    examples: int | None = None
    feedback_examples: int | None = None
    metrics: dict[str, Any] = Field(default_factory=dict)
    comparison: dict[str, Any] | None = None
    libraries: dict[str, str] = Field(default_factory=dict)
    corpus_sha256: str | None = None
    thresholds: dict[str, float] = Field(default_factory=dict)
    created_at_local: str | None = None
    training_by_class: dict[str, int] = Field(default_factory=dict)
    card: dict[str, Any] = Field(default_factory=dict)
