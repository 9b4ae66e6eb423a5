"""The item every spider yields."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class PostItem:
    """One post as parsed from a page, before cleaning and storage."""

    url: str
    source: str
    title: str = ""
    content: str = ""
    author: str | None = None
    published_at_raw: str | None = None
    published_at: datetime | None = None
    external_id: str | None = None
    engagement: dict[str, int | None] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
