"""Core tables: organisation (sections, users), sources, posts, analyses, crawl runs, the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from core.timeutil import utcnow
from core.types import JSONType, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations are stable across databases."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
    }


class TimestampMixin:
    """Creation and update times (UTC)."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Section(TimestampMixin, Base):
    """A section (科室) that owns cases."""

    __tablename__ = "section"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    users: Mapped[list[User]] = relationship(back_populates="section")


class User(TimestampMixin, Base):
    """A person who signs in; section staff and heads belong to one section."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"))
    email: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    section: Mapped[Section | None] = relationship(back_populates="users")


class Source(TimestampMixin, Base):
    """Where posts come from; its crawl configuration is data (``config``)."""

    __tablename__ = "source"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200), default="")
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    interval_minutes: Mapped[int] = mapped_column(Integer, default=60)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_crawl_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)

    posts: Mapped[list[Post]] = relationship(back_populates="source")


class Post(TimestampMixin, Base):
    """One public post, message, news item or work order."""

    __tablename__ = "post"
    __table_args__ = (Index("ix_post_published_at", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"), index=True)
    url: Mapped[str | None] = mapped_column(String(2048), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None]
    fetched_at: Mapped[datetime | None]
    reads: Mapped[int | None]
    likes: Mapped[int | None]
    comments: Mapped[int | None]
    reposts: Mapped[int | None]
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)

    source: Mapped[Source | None] = relationship(back_populates="posts")
    analyses: Mapped[list[Analysis]] = relationship(
        back_populates="post", order_by="Analysis.id", cascade="all, delete-orphan"
    )

    @property
    def source_name(self) -> str | None:
        """The name of the post's source, if any."""
        return self.source.name if self.source else None

    @property
    def analysis(self) -> Analysis | None:
        """The most recent analysis of this post."""
        return self.analyses[-1] if self.analyses else None


class Analysis(Base):
    """What the classifier said about a post, with the model version and its reasons."""

    __tablename__ = "analysis"
    __table_args__ = (UniqueConstraint("post_id", "model_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    model_version: Mapped[str] = mapped_column(String(80))
    relevant: Mapped[bool] = mapped_column(Boolean)
    category: Mapped[str] = mapped_column(String(40))
    needs_response: Mapped[bool] = mapped_column(Boolean)
    severity: Mapped[str] = mapped_column(String(20))
    sentiment: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    entities: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    post: Mapped[Post] = relationship(back_populates="analyses")


class CrawlRun(Base):
    """One crawl of one source: counts, drops by reason, errors, duration."""

    __tablename__ = "crawl_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")
    requests: Mapped[int] = mapped_column(Integer, default=0)
    items: Mapped[int] = mapped_column(Integer, default=0)
    stored: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    drops: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class OutboxEvent(Base):
    """Work for another system, written in the same transaction as the change that caused it.

    ``dispatched_at`` is when it was last sent to the job queue; ``completed_at`` is set when its job
    finished. An event sent but not completed within the lease is sent again (the job may have been lost
    with a Redis restart or a killed worker); jobs are idempotent, so a second run changes nothing.
    """

    __tablename__ = "outbox_event"
    __table_args__ = (Index("ix_outbox_pending", "dispatched_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class SearchOutbox(Base):
    """The search index's outbox: a post whose search document changed, written in the same transaction.

    Rows are deleted once the document is in the index, so an index outage only delays indexing. No
    foreign key: a deleted post's row must outlive it, to delete its document.
    """

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
