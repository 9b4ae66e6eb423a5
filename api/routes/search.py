"""Search over posts: full text, filters, sort, highlights, and aggregations for the dashboard.

The JSON shape is documented in docs/search.md. Every signed-in user may search the posts they may see
(``alerts.privacy.service``): section staff and heads only those of their own and co-handled cases. Text is masked.
When the search engine does not answer the response is 503 with a message naming it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from alerts.cases.models import Alert
from alerts.cases.service import visible_alerts
from alerts.privacy.service import searchable_cases
from api.deps import CurrentUser, SessionDep
from core.errors import InvalidInput
from core.search.base import MAX_WINDOW, SearchQuery
from core.search.schemas import SearchOut, search_out
from core.search.service import search as run_search
from core.timeutil import local_zone

router = APIRouter(prefix="/search", tags=["search"])

Values = Annotated[list[str] | None, Query()]


def _values(raw: list[str] | None) -> tuple[str, ...]:
    # Both ?category=a&category=b and ?category=a,b work.
    return tuple(dict.fromkeys(part.strip() for item in raw or [] for part in item.split(",") if part.strip()))


def _moment(value: str | None, field: str, *, end: bool) -> datetime | None:
    if not value:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            # A date alone means the whole day: from its start, or up to the end of it.
            return datetime.combine(day + timedelta(days=1) if end else day, time(0), tzinfo=local_zone())
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(
            f"{field} 应为日期（2025-10-01）或时间（2025-10-01T08:30:00+08:00）", details={"field": field}
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=local_zone())


@router.get("")
def search(
    session: SessionDep,
    user: CurrentUser,
    q: Annotated[str, Query(max_length=200, description="query text; every word must occur")] = "",
    source: Values = None,
    category: Values = None,
    severity: Values = None,
    sentiment: Values = None,
    section: Values = None,
    start: Annotated[str | None, Query(description="from this date or time (inclusive)")] = None,
    end: Annotated[str | None, Query(description="up to this time (exclusive) or through this date")] = None,
    sort: Literal["relevance", "time"] = "relevance",
    page: Annotated[int, Query(ge=1, le=MAX_WINDOW)] = 1,
    size: Annotated[int, Query(ge=0, le=100)] = 20,
    aggs: Annotated[bool, Query(description="also count matches per day, category, source, sentiment")] = False,
) -> SearchOut:
    """Posts matching the query text and filters, one page, with highlights (and aggregations if asked)."""
    query = SearchQuery(
        text=q,
        filters={
            name: values
            for name, values in (
                ("source", _values(source)),
                ("category", _values(category)),
                ("severity", _values(severity)),
                ("sentiment", _values(sentiment)),
                ("section", _values(section)),
            )
            if values
        },
        start=_moment(start, "start", end=False),
        end=_moment(end, "end", end=True),
        sort=sort,
        offset=(page - 1) * size,
        limit=size,
        aggregations=aggs,
        # A section user finds only the posts of its own and co-handled cases (alerts.privacy.service).
        alert_ids=searchable_cases(session, user=user),
    )
    found = search_out(session, result=run_search(query=query), query=query, page=page, size=size)
    # A section user finds posts, not other sections' cases: a case it may not open is not named.
    linked = {hit.alert_id for hit in found.hits if hit.alert_id}
    if linked:
        visible = set(session.scalars(visible_alerts(user).with_only_columns(Alert.id).where(Alert.id.in_(linked))))
        for hit in found.hits:
            if hit.alert_id not in visible:
                hit.alert_id = None
    return found
