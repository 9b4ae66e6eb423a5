"""The item every spider yields, and the evidence (存证) of the page it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class Evidence:
    """The raw bytes of a fetched page, as received, with when and how they were fetched."""

    url: str
    body: bytes
    fetched_at: datetime
    status: int | None = None
    content_type: str | None = None
    encoding: str | None = None
    role: str = "page"  # page (the post's own page), list, feed, api, pasted, import


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
    evidence: Evidence | None = None
    # Weibo posts have no title; elsewhere a post without one is dropped as "missing_title".
    title_required: bool = True
    # A URL that identifies the post but is not a page of its own (feed entry, API item).
    keep_fragment: bool = False
    # More evidence of the page: a screenshot (PNG or PDF) from the browser that rendered it.
    attachments: list[Evidence] = field(default_factory=list)
