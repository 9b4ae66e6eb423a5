"""JSON shapes of sources, crawl runs, posts with their evidence, and intake (times with offset)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from core.schemas import LocalDatetime, ORMModel, PostOut


class HealthOut(BaseModel):
    """How a source is doing: ok, failing, blind, degraded (解析异常), robots_blocked, never_run, running, disabled…"""

    status: str
    label: str
    blind: bool
    message: str
    last_run_id: int | None = None
    last_run_status: str | None = None
    last_run_at: LocalDatetime | None = None


class SourceOut(ORMModel):
    """A source with its health."""

    id: int
    name: str
    title: str
    kind: str
    enabled: bool
    interval_minutes: int
    last_crawl_at: LocalDatetime | None = None
    last_success_at: LocalDatetime | None = None
    consecutive_failures: int
    watermark_at: LocalDatetime | None = None
    posts: int = 0
    health: HealthOut


class CrawlRunOut(ORMModel):
    """One crawl of one source: requests, items, stored, drops by reason, errors by reason, duration."""

    id: int
    source_id: int
    source_name: str | None = None
    status: str
    started_at: LocalDatetime
    finished_at: LocalDatetime | None = None
    duration_seconds: float | None = None
    requests: int
    items: int
    stored: int
    duplicates: int
    errors: int
    drops: dict[str, Any]
    stats: dict[str, Any]
    error: str | None = None


class ChangeOut(ORMModel):
    """One change in the admin's audit log (secrets never appear in it)."""

    id: int
    at: LocalDatetime
    actor_id: int | None
    actor_name: str
    entity: str
    entity_id: int | None
    entity_name: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str


class SourceDetail(SourceOut):
    """A source with its definition (secrets left out: ``secrets`` names those set), latest runs and changes."""

    config: dict[str, Any]
    secrets: list[str] = Field(default_factory=list)
    recent_runs: list[CrawlRunOut]
    changes: list[ChangeOut] = Field(default_factory=list)


class SourceList(BaseModel):
    """Every source."""

    items: list[SourceOut]


class CrawlRunList(BaseModel):
    """A page of crawl runs, newest first."""

    items: list[CrawlRunOut]
    total: int


class CrawlQueued(BaseModel):
    """A crawl was queued."""

    source_id: int
    queued: bool = True


class SnapshotOut(ORMModel):
    """Evidence (存证) of a post: the page fetched, when, and the SHA-256 of its raw bytes."""

    id: int
    url: str | None
    role: str
    fetched_at: LocalDatetime
    status: int | None
    content_type: str | None
    encoding: str | None
    sha256: str
    size: int = 0
    raw_url: str = ""


class SnapshotCheck(SnapshotOut):
    """A snapshot whose stored bytes were hashed again: ``verified`` is true when they still match."""

    verified: bool


class PostLinkOut(ORMModel):
    """Another URL or source where the same post was found."""

    id: int
    url: str | None
    kind: str
    source_id: int | None
    external_id: str | None
    title: str
    distance: int | None
    created_at: LocalDatetime


class PostSummary(ORMModel):
    """A post in a list."""

    id: int
    source_name: str | None = None
    url: str | None
    title: str
    author: str | None
    published_at: LocalDatetime | None
    fetched_at: LocalDatetime | None
    deleted_at: LocalDatetime | None = None
    reads: int | None = None
    likes: int | None = None
    comments: int | None = None
    reposts: int | None = None


class PostList(BaseModel):
    """A page of posts, newest first."""

    items: list[PostSummary]
    total: int


class PostDetail(PostOut):
    """A post with where else it was found and its evidence."""

    external_id: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    last_seen_at: LocalDatetime | None = None
    deleted_at: LocalDatetime | None = None
    deleted: bool = False
    links: list[PostLinkOut] = Field(default_factory=list)
    evidence: list[SnapshotOut] = Field(default_factory=list)


class UrlIntakeIn(BaseModel):
    """Add a post by its URL; the page is fetched like any other."""

    url: str = Field(min_length=8, max_length=2048)


class TextIntakeIn(BaseModel):
    """Add a post by pasting it."""

    title: str = Field(default="", max_length=500)
    content: str = Field(min_length=1, max_length=100_000)
    url: str | None = Field(default=None, max_length=2048)
    author: str | None = Field(default=None, max_length=200)
    published_at: str | None = Field(default=None, description="as written, e.g. 2026-03-18 09:30 or 昨天 14:20")


class IntakeOut(BaseModel):
    """The stored post (or the one it duplicates) and what happened."""

    post_id: int | None
    outcome: str  # created, known, linked, failed
    run_id: int | None = None
    error: str | None = None


class RowErrorOut(BaseModel):
    """A row that was not imported."""

    row: int
    reason: str


class ImportOut(BaseModel):
    """What an import did; importing the same file again gives imported 0."""

    source: str
    imported: int
    unchanged: int
    errors: list[RowErrorOut]
    # The case (预警) each newly imported work order became.
    alert_ids: list[int] = Field(default_factory=list)


class MappingOut(BaseModel):
    """An import column mapping."""

    name: str
    source: str
    columns: dict[str, Any]
