"""The JSON shape of search results (``GET /api/search``); documented in docs/search.md."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Section, Source
from core.schemas import LocalDatetime
from core.search.base import SearchQuery
from core.search.service import SearchPage
from core.types import CATEGORY_LABELS

SENTIMENT_LABELS = {"negative": "负面", "neutral": "中性", "positive": "正面"}


class SearchHitOut(BaseModel):
    """One matching post. ``*_html`` fields are escaped text whose only markup is ``<mark>…</mark>``."""

    post_id: int
    title: str
    title_html: str
    snippet_html: str
    url: str | None
    author: str | None
    source: str | None
    time: LocalDatetime = Field(description="published, else fetched, time; Asia/Shanghai with offset")
    category: str | None
    category_label: str | None
    severity: str | None
    sentiment: str | None
    sentiment_label: str | None
    section: str | None = Field(description="code of the section handling the post's case, if any")
    section_name: str | None
    alert_id: int | None
    score: float | None = Field(description="relevance (higher is better); null without query text")


class BucketOut(BaseModel):
    """One aggregation bucket: a value, its label for people, and how many matching posts have it."""

    key: str
    label: str
    count: int


class AggregationsOut(BaseModel):
    """Counts over all matching posts (not only the page): per local day, category, source, sentiment."""

    by_day: list[BucketOut]
    by_category: list[BucketOut]
    by_source: list[BucketOut]
    by_sentiment: list[BucketOut]


class SearchOut(BaseModel):
    """One page of search results."""

    query: str
    tokens: list[str] = Field(description="the words every hit contains (the query as the tokenizer cut it)")
    total: int
    page: int
    size: int
    sort: str
    backend: str
    hits: list[SearchHitOut]
    aggregations: AggregationsOut | None = None


def category_label(code: str | None) -> str | None:
    """The Chinese name of a category code."""
    return CATEGORY_LABELS.get(code, code) if code else None


def sentiment_label(code: str | None) -> str | None:
    """The Chinese name of a sentiment code."""
    return SENTIMENT_LABELS.get(code, code) if code else None


def search_out(session: Session, *, result: SearchPage, query: SearchQuery, page: int, size: int) -> SearchOut:
    """The JSON shape of ``result``, with the labels people read (section and source names)."""
    sections: dict[str, str] = {code: name for code, name in session.execute(select(Section.code, Section.name))}
    sources: dict[str, str] = {
        name: title or name for name, title in session.execute(select(Source.name, Source.title))
    }
    hits = [
        SearchHitOut(
            post_id=hit.post_id,
            title=hit.title,
            title_html=hit.title_html,
            snippet_html=hit.snippet_html,
            url=hit.url,
            author=hit.author,
            source=hit.source,
            time=hit.time,
            category=hit.category,
            category_label=category_label(hit.category),
            severity=hit.severity,
            sentiment=hit.sentiment,
            sentiment_label=sentiment_label(hit.sentiment),
            section=hit.section,
            section_name=sections.get(hit.section) if hit.section else None,
            alert_id=hit.alert_id,
            score=hit.score,
        )
        for hit in result.hits
    ]
    aggregations = None
    if result.aggregations is not None:
        labels: dict[str, Callable[[str], str | None]] = {
            "day": lambda key: key,
            "category": category_label,
            "source": sources.get,
            "sentiment": sentiment_label,
        }
        aggregations = AggregationsOut(
            **{
                f"by_{name}": [
                    BucketOut(key=bucket.key, label=labels[name](bucket.key) or bucket.key, count=bucket.count)
                    for bucket in buckets
                ]
                for name, buckets in result.aggregations.items()
            }
        )
    return SearchOut(
        query=query.text,
        tokens=result.tokens,
        total=result.total,
        page=page,
        size=size,
        sort=query.sort,
        backend=result.backend,
        hits=hits,
        aggregations=aggregations,
    )
