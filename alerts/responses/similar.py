"""Similar past cases: the closed cases most like this one (same matter, same place, same farm), with how
they were answered, by whom, and the follow-up's satisfaction.

Candidates come from the search index (FTS5 or Elasticsearch, one interface), asked for posts that share any
word of the case's title, farms and places; each candidate case is then scored with the same-matter score
the grouping uses (category, organisation, place, text) and only cases the user may see are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from alerts.cases.lifecycle import Status
from alerts.cases.models import Alert, AlertPost, Response
from alerts.cases.service import visible_alerts
from alerts.cases.similarity import Matter, compare, matter_of
from core.models import Analysis, Post, User
from core.privacy import mask_text
from core.search import plugins
from core.search.base import SearchQuery
from core.search.service import get_backend
from core.types import Role

MIN_SCORE = 0.35
CANDIDATE_POSTS = 100
CANDIDATE_CASES = 40
EXCERPT = 140


@dataclass(frozen=True, slots=True)
class SimilarCase:
    """A closed case like the one at hand."""

    alert_id: int
    title: str
    response_excerpt: str
    response_text: str
    closed_at: datetime | None
    satisfaction: str | None
    score: float
    responded_by: str | None
    section: str | None
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The API's item."""
        return {
            "alert_id": self.alert_id,
            "title": self.title,
            "response_excerpt": self.response_excerpt,
            "closed_at": self.closed_at,
            "satisfaction": self.satisfaction,
            "score": self.score,
            "responded_by": self.responded_by,
            "section": self.section,
            "reasons": self.reasons,
        }


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v if isinstance(v, str) else str(v.get("name", "")) for v in value if isinstance(v, str | dict)]
    return []


def matter_of_alert(alert: Alert) -> Matter:
    """The matter of a case: its category, its posts' farms and places, its title and first text."""
    entities: dict[str, list[str]] = {"places": [], "towns": [], "organisations": []}
    for post in alert.posts:
        found = post.analysis.entities if post.analysis is not None else {}
        for key in entities:
            entities[key] += _strings(found.get(key))
    first = alert.posts[0] if alert.posts else None
    return matter_of(
        title=alert.title or "",
        text=(first.content or "") if first else "",
        category=alert.category,
        entities=entities,
        simhash=first.simhash if first else None,
    )


def _query_text(alert: Alert, matter: Matter) -> str:
    words = [alert.title or "", *sorted(matter.places)]
    for post in alert.posts:
        found = post.analysis.entities if post.analysis is not None else {}
        words += _strings(found.get("organisations"))
    return " ".join(word for word in words if word)[:200]


def _published(alert: Alert) -> Response | None:
    published = [r for r in alert.responses if r.status == "published"]
    return published[-1] if published else None


def _excerpt(text: str) -> str:
    text = mask_text(" ".join(text.split()))
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _candidates(session: Session, *, user: User, ids: list[int]) -> dict[int, Matter]:
    """The matter of each closed, visible case among ``ids``, read as plain columns (no ORM objects)."""
    rows = session.execute(
        visible_alerts(user)
        .with_only_columns(Alert.id, Alert.category, Alert.title, Post.content, Post.simhash, Analysis.entities)
        .join(AlertPost, AlertPost.alert_id == Alert.id)
        .join(Post, Post.id == AlertPost.post_id)
        .outerjoin(Analysis, Analysis.post_id == Post.id)
        .where(Alert.id.in_(ids), Alert.status == Status.closed.value)
        .order_by(Alert.id, AlertPost.added_at, Analysis.id)
    )
    parts: dict[int, dict[str, Any]] = {}
    for alert_id, category, title, content, simhash, entities in rows:
        part = parts.setdefault(
            alert_id,
            {"category": category, "title": title or "", "text": content or "", "simhash": simhash, "entities": {}},
        )
        for key in ("places", "towns", "organisations"):
            part["entities"].setdefault(key, []).extend(_strings((entities or {}).get(key)))
    return {alert_id: matter_of(**part) for alert_id, part in parts.items()}


def similar_cases(session: Session, *, alert: Alert, user: User, limit: int = 5) -> list[SimilarCase]:
    """The closed cases visible to ``user`` most like ``alert``, best first (at most ``limit``)."""
    matter = matter_of_alert(alert)
    filters: dict[str, tuple[str, ...]] = {}
    if user.role in (Role.staff, Role.head) and user.section is not None:
        # Recall within what the user may see; the visibility rule below is what decides.
        filters["section"] = (user.section.code,)
    text = _query_text(alert, matter)
    tokens = list(dict.fromkeys(plugins.query_tokens(text))) if text else []
    if not tokens:
        return []
    # The backend itself: candidates need no highlighted snippets, only their cases, best first.
    raw = get_backend().search(SearchQuery(filters=filters, limit=CANDIDATE_POSTS, any_token=True), tokens)
    ids = list(dict.fromkeys(h.document.alert_id for h in raw.hits if h.document.alert_id not in (None, alert.id)))
    ids = [alert_id for alert_id in ids if alert_id is not None][:CANDIDATE_CASES]
    if not ids:
        return []
    scored = []
    for other_id, other in _candidates(session, user=user, ids=ids).items():
        match = compare(matter, other)
        if match.score >= MIN_SCORE:
            scored.append((match.score, other_id, match.reasons))
    if not scored:
        return []
    scored.sort(key=lambda item: -item[0])
    chosen = {other_id: (score, reasons) for score, other_id, reasons in scored[: limit * 2]}
    cases = session.scalars(
        select(Alert)
        .where(Alert.id.in_(chosen))
        .options(selectinload(Alert.responses).selectinload(Response.author), selectinload(Alert.section))
    ).all()
    found = []
    for row in cases:
        score, reasons = chosen[row.id]
        response = _published(row)
        found.append(
            SimilarCase(
                alert_id=row.id,
                title=mask_text(row.title or ""),
                response_excerpt=_excerpt(response.content) if response else "",
                response_text=mask_text(response.content) if response else "",
                closed_at=row.closed_at,
                satisfaction=row.satisfaction,
                score=round(score, 3),
                responded_by=response.author_name if response else None,
                section=row.section.name if row.section else None,
                reasons=reasons,
            )
        )
    found.sort(key=lambda case: (-case.score, -(case.closed_at.timestamp() if case.closed_at else 0)))
    return found[:limit]
