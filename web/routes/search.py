"""Search over posts: full text with filters, highlights and counts, on the configured search engine."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy import select
from starlette.responses import Response

from alerts.cases.intake import open_alert
from alerts.cases.models import Alert, AlertPost
from alerts.cases.service import visible_alerts
from alerts.privacy.service import case_of_post, get_visible_snapshot, may_reveal, reveal_post, searchable_cases
from core.bounds import RowId
from core.db import written_apart
from core.errors import InvalidInput, NotFound
from core.models import Post, Section, Source, User
from core.posts import raw_body
from core.search.base import SearchQuery
from core.search.schemas import search_out
from core.search.service import search
from core.timeutil import local_zone
from core.types import CATEGORY_LABELS, SEVERITIES, Role
from web.deps import SessionDep
from web.pages import done
from web.security import CsrfChecked, WebUser, require_roles
from web.templating import SEVERITIES_SHOWN, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
SENTIMENTS = {"negative": "负面", "neutral": "中性", "positive": "正面"}


def _day(value: str, field: str, *, end: bool = False) -> datetime | None:
    """A local day as the start of that day (or of the next one, for an end)."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput("日期格式应为 2025-10-01", details={"field": field}) from exc
    return datetime.combine(day + timedelta(days=1) if end else day, time(0), tzinfo=local_zone())


@router.get("/search")
def search_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Annotated[str, Query(max_length=200)] = "",
    source: Annotated[str, Query(max_length=100)] = "",
    category: Annotated[str, Query(max_length=40)] = "",
    severity: Annotated[str, Query(max_length=20)] = "",
    sentiment: Annotated[str, Query(max_length=20)] = "",
    section: Annotated[str, Query(max_length=40)] = "",
    start: Annotated[str, Query(max_length=10)] = "",
    end: Annotated[str, Query(max_length=10)] = "",
    sort: Annotated[str, Query(max_length=10)] = "relevance",
    page: Annotated[int, Query(ge=1, le=500)] = 1,
) -> HTMLResponse:
    """Posts where every word of the query occurs, with filters, highlights and counts per facet."""
    chosen = {"source": source, "category": category, "severity": severity, "sentiment": sentiment, "section": section}
    filters = {"q": q, **chosen, "start": start, "end": end, "sort": sort if sort == "time" else ""}
    searched = any(filters.values())
    result = None
    if searched:
        query = SearchQuery(
            text=q,
            filters={name: (value,) for name, value in chosen.items() if value},
            start=_day(start, "start"),
            end=_day(end, "end", end=True),
            sort="time" if sort == "time" else "relevance",
            offset=(page - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
            aggregations=True,
            alert_ids=searchable_cases(session, user=user),
        )
        result = search_out(session, result=search(query=query), query=query, page=page, size=PAGE_SIZE)
    # Case links only to cases the user may open (a section user sees posts, not other sections' cases).
    linked = {hit.alert_id for hit in result.hits if hit.alert_id} if result else set()
    visible = (
        set(session.scalars(visible_alerts(user).with_only_columns(Alert.id).where(Alert.id.in_(linked))))
        if linked
        else set()
    )
    base = {k: v for k, v in filters.items() if v}
    sources = session.scalars(select(Source).order_by(Source.name)).all()
    return render(
        request,
        "search.html",
        {
            "q": q,
            "filters": filters,
            "query": urlencode(base),
            "with_filter": lambda name, value: urlencode({**{k: v for k, v in base.items() if k != name}, name: value}),
            "without": lambda name: urlencode({k: v for k, v in base.items() if k != name}),
            "result": result,
            "searched": searched,
            "page": page,
            "pages": max(1, -(-(result.total if result else 0) // PAGE_SIZE)),
            "html": Markup,
            "sources": sources,
            "source_titles": {s.name: s.title or s.name for s in sources},
            "sections": session.scalars(select(Section).order_by(Section.id)).all(),
            "sentiments": SENTIMENTS,
            "severities": SEVERITIES_SHOWN,
            "categories": CATEGORY_LABELS,
            "can_raise": user.role in RAISE_ROLES,
            "visible_alerts": visible,
        },
        user=user,
        active="search",
    )


EVIDENCE_PREVIEW_CHARS = 200_000
# Turning a post into a case by hand is the duty desk's call, as signing for and assigning are.
RAISE_ROLES = (Role.duty, Role.leader, Role.admin)


@router.post("/search/raise", response_model=None, dependencies=[CsrfChecked])
def raise_from_post(
    session: SessionDep,
    user: Annotated[User, require_roles(*RAISE_ROLES)],
    post_id: Annotated[RowId, Form()],
    category: Annotated[str, Form(max_length=40)] = "",
    severity: Annotated[str, Form(max_length=20)] = "一般",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """转为预警: open a case for a post the classifier passed over (or open the one it already belongs to)."""
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(f"帖子 {post_id} 不存在")
    existing = session.scalar(select(AlertPost.alert_id).where(AlertPost.post_id == post.id))
    if existing is not None:
        return done(f"/alerts/{existing}", "already")
    if category not in CATEGORY_LABELS:
        raise InvalidInput("请选择类别", details={"field": "category"})
    if severity not in SEVERITIES:
        raise InvalidInput(f"级别应为 {'、'.join(SEVERITIES)}", details={"field": "severity"})
    analysis = post.analysis
    alert = open_alert(
        session,
        post=post,
        category=category,
        severity=severity,
        places=list((analysis.entities if analysis else {}).get("places", [])),
        actor=user,
        reason="人工转为预警",
        data={"manual": True, "note": note.strip()},
    )
    session.commit()
    return done(f"/alerts/{alert.id}", "raised")


@router.get("/posts/{post_id}/evidence/{snapshot_id}")
def evidence_page(
    request: Request, session: SessionDep, user: WebUser, post_id: RowId, snapshot_id: RowId
) -> HTMLResponse:
    """A stored page of a post (存证): when it was fetched, its hash checked again, and its text (never rendered)."""
    snapshot = get_visible_snapshot(session, user=user, post_id=post_id, snapshot_id=snapshot_id)
    body = raw_body(snapshot.raw)
    text = body.decode(snapshot.encoding or "utf-8", errors="replace")
    # The case link only for those who may open the case.
    alert_id = session.scalar(
        visible_alerts(user).with_only_columns(Alert.id).join(AlertPost).where(AlertPost.post_id == post_id)
    )
    return render(
        request,
        "evidence.html",
        {
            "post": snapshot.post,
            "snapshot": snapshot,
            "verified": hashlib.sha256(body).hexdigest() == snapshot.sha256,
            "size": len(body),
            "text": text[:EVIDENCE_PREVIEW_CHARS],
            "cut": len(text) > EVIDENCE_PREVIEW_CHARS,
            "alert_id": alert_id,
            "may_download": may_reveal(user, case_of_post(session, post_id=post_id)),
        },
        user=user,
        active="search",
    )


@router.get("/posts/{post_id}/evidence/{snapshot_id}/raw")
def evidence_raw(session: SessionDep, user: WebUser, post_id: RowId, snapshot_id: RowId) -> Response:
    """The stored page's original bytes, as a download (never shown as a page of ours).

    The original holds the personal data in full: a download is a reveal (lead section and duty, logged).
    """
    snapshot = get_visible_snapshot(session, user=user, post_id=post_id, snapshot_id=snapshot_id)
    with written_apart(session):
        reveal_post(session, user=user, post_id=post_id, where="web_evidence_download")
    headers = {
        "Content-Disposition": f'attachment; filename="post-{post_id}-evidence-{snapshot_id}.html"',
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "X-Content-SHA256": snapshot.sha256,
    }
    return Response(raw_body(snapshot.raw), media_type="application/octet-stream", headers=headers)
