"""The search interface: what a query asks, what a backend stores and returns. Two backends implement it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Sort = Literal["relevance", "time"]

# Fields a query may filter on, each matching any of several values.
FILTER_FIELDS = ("source", "category", "severity", "sentiment", "section")
AGGREGATIONS = ("day", "category", "source", "sentiment")
# Elasticsearch's default result window; deeper pages are refused the same way on both backends.
MAX_WINDOW = 10_000


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A search: query text (every token must match, or any with ``any_token``), filters, time range, sort, page."""

    text: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    start: datetime | None = None
    end: datetime | None = None
    sort: Sort = "relevance"
    offset: int = 0
    limit: int = 20
    aggregations: bool = False
    # Any token may match instead of every one ("more like this": similar cases ranked by relevance).
    any_token: bool = False


@dataclass(slots=True)
class PostDocument:
    """What the index holds for one post: the original text for display, jieba tokens for matching."""

    post_id: int
    title: str
    content: str
    url: str | None
    author: str | None
    source: str | None
    time: datetime
    day: str
    category: str | None
    severity: str | None
    sentiment: str | None
    section: str | None
    alert_id: int | None
    title_tokens: str = ""
    content_tokens: str = ""
    # Character tokens (core/search/chars.py), so single characters and short words are found too.
    title_chars: str = ""
    content_chars: str = ""

    def fields(self) -> dict[str, Any]:
        """The stored fields, as plain data."""
        return {
            "post_id": self.post_id,
            "title": self.title,
            "content": self.content,
            "url": self.url,
            "author": self.author,
            "source": self.source,
            "time": self.time,
            "day": self.day,
            "category": self.category,
            "severity": self.severity,
            "sentiment": self.sentiment,
            "section": self.section,
            "alert_id": self.alert_id,
            "title_tokens": self.title_tokens,
            "content_tokens": self.content_tokens,
            "title_chars": self.title_chars,
            "content_chars": self.content_chars,
        }


@dataclass(slots=True)
class Bucket:
    """One aggregation bucket."""

    key: str
    count: int


@dataclass(slots=True)
class RawHit:
    """A matching document as a backend returns it (highlighting is done once, above the backends)."""

    document: PostDocument
    score: float | None


@dataclass(slots=True)
class RawResult:
    """A backend's answer: the total, one page of documents, and the aggregations when asked for."""

    total: int
    hits: list[RawHit]
    aggregations: dict[str, list[Bucket]] | None = None


class SearchBackend(ABC):
    """One search engine. Documents are written to the live index and, during a rebuild, to the new one too."""

    name: str
    label: str

    @abstractmethod
    def ensure_ready(self) -> None:
        """Create the live index (and its alias) when missing."""

    @abstractmethod
    def search(self, query: SearchQuery, tokens: list[str]) -> RawResult:
        """Documents matching every token and the filters; ``tokens`` empty means all documents."""

    @abstractmethod
    def write(self, documents: list[PostDocument], deletions: list[int]) -> None:
        """Replace or add ``documents`` and remove the posts in ``deletions`` (live index and any rebuild)."""

    @abstractmethod
    def begin_rebuild(self) -> str:
        """Create a new empty index that live writes also reach; returns its name."""

    @abstractmethod
    def write_rebuild(self, name: str, documents: list[PostDocument]) -> None:
        """Add documents to the index being rebuilt, never overwriting one a live write put there."""

    @abstractmethod
    def finish_rebuild(self, name: str) -> str | None:
        """Make the rebuilt index live in one atomic step and drop the old one; returns the old name."""

    @abstractmethod
    def abort_rebuild(self, name: str) -> None:
        """Drop a rebuild that failed; the live index is untouched."""

    @abstractmethod
    def live_index(self) -> str | None:
        """The name of the index searches read now (None before the first document)."""

    def outdated(self) -> bool:
        """Whether the live index was built by an older schema and needs ``muqing reindex`` (rebuilt by sync)."""
        return False

    @abstractmethod
    def count(self) -> int:
        """Documents in the live index."""

    @abstractmethod
    def drop(self) -> None:
        """Remove every index this backend created (tests and resets)."""
