"""Search over posts with filters and highlighted snippets."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from alerts.models import AlertPost
from api.deps import SessionDep
from core.models import Analysis, Post, Source
from core.timeutil import local_zone
from core.types import CATEGORY_LABELS
from web.security import WebUser
from web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
SNIPPET = 120


def highlight(text: str, terms: list[str], *, width: int = SNIPPET) -> Markup:
    """A snippet around the first hit with every term marked (escaped, so the text cannot inject markup)."""
    text = " ".join(text.split())
    first = min([i for i in (text.find(t) for t in terms) if i >= 0] or [0])
    start = max(0, first - width // 3)
    snippet = text[start : start + width]
    out = escape(snippet)
    for term in sorted(set(terms), key=len, reverse=True):
        safe = str(escape(term))
        out = Markup(str(out).replace(safe, f"<mark>{safe}</mark>"))
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return Markup(prefix) + out + Markup(suffix)


def _day(value: str, *, end: bool = False) -> datetime | None:
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return None
    return datetime.combine(parsed + timedelta(days=1 if end else 0), time(0), tzinfo=local_zone())


@router.get("/search")
def search_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Annotated[str, Query(max_length=200)] = "",
    source: str = "",
    category: str = "",
    needs: str = "",
    start: str = "",
    end: str = "",
    page: Annotated[int, Query(ge=1, le=500)] = 1,
) -> HTMLResponse:
    """Posts matching every word of the query, newest first, with filters and counts by category."""
    terms = [t for t in q.split() if t][:8]
    query: Select[Post] = select(Post)
    latest = select(func.max(Analysis.id)).where(Analysis.post_id == Post.id).correlate(Post).scalar_subquery()
    query = query.outerjoin(Analysis, Analysis.id == latest)
    for term in terms:
        query = query.where(
            or_(Post.title.contains(term, autoescape=True), Post.content.contains(term, autoescape=True))
        )
    if source.isdigit():
        query = query.where(Post.source_id == int(source))
    if category in CATEGORY_LABELS:
        query = query.where(Analysis.category == category)
    if needs == "1":
        query = query.where(Analysis.needs_response.is_(True))
    if start and (since := _day(start)):
        query = query.where(Post.published_at >= since)
    if end and (until := _day(end, end=True)):
        query = query.where(Post.published_at < until)
    searched = bool(terms or source or category or needs or start or end)
    results: list[tuple[Post, Markup, int | None]] = []
    total = 0
    by_category: list[tuple[str, int]] = []
    if searched:
        sub = query.subquery()
        total = session.scalar(select(func.count()).select_from(sub)) or 0
        rows = session.scalars(
            query.options(selectinload(Post.source), selectinload(Post.analyses))
            .order_by(Post.published_at.desc().nulls_last(), Post.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        ).all()
        links = {
            post_id: alert_id
            for post_id, alert_id in session.execute(
                select(AlertPost.post_id, AlertPost.alert_id).where(AlertPost.post_id.in_([p.id for p in rows]))
            ).tuples()
        }
        results = [(p, highlight(p.content or p.title, terms), links.get(p.id)) for p in rows]
        categories = query.with_only_columns(Analysis.category.label("category")).subquery()
        category_counts = session.execute(
            select(categories.c.category, func.count()).group_by(categories.c.category).order_by(func.count().desc())
        ).tuples()
        by_category = [(str(c), int(n)) for c, n in category_counts if c]
    filters = {"q": q, "source": source, "category": category, "needs": needs, "start": start, "end": end}
    return render(
        request,
        "search.html",
        {
            "q": q,
            "terms": terms,
            "filters": filters,
            "query": urlencode({k: v for k, v in filters.items() if v}),
            "results": results,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "searched": searched,
            "by_category": by_category,
            "sources": session.scalars(select(Source).order_by(Source.name)).all(),
            "highlight_title": lambda text: highlight(text, terms, width=200),
        },
        user=user,
        active="search",
    )
