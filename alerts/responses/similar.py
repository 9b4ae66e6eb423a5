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

from sqlalchemy.orm import Session, selectinload

from alerts.lifecycle import Status
from alerts.models import Alert, AlertPost, Response
from alerts.service import visible_alerts
from core.models import Post, User
from core.privacy import mask_text
from core.search.base import SearchQuery
from core.search.service import search
from core.similarity import Matter, compare, matter_of
from core.types import Role

MIN_SCORE = 0.35
CANDIDATE_POSTS = 100
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


def similar_cases(session: Session, *, alert: Alert, user: User, limit: int = 5) -> list[SimilarCase]:
    """The closed cases visible to ``user`` most like ``alert``, best first (at most ``limit``)."""
    matter = matter_of_alert(alert)
    filters: dict[str, tuple[str, ...]] = {}
    if user.role in (Role.staff, Role.head) and user.section is not None:
        # Recall within what the user may see; the visibility rule below is what decides.
        filters["section"] = (user.section.code,)
    page = search(
        query=SearchQuery(text=_query_text(alert, matter), filters=filters, limit=CANDIDATE_POSTS, any_token=True)
    )
    ids = list(dict.fromkeys(hit.alert_id for hit in page.hits if hit.alert_id and hit.alert_id != alert.id))
    if not ids:
        return []
    candidates = session.scalars(
        visible_alerts(user)
        .where(Alert.id.in_(ids), Alert.status == Status.closed.value)
        .options(
            selectinload(Alert.links).selectinload(AlertPost.post).selectinload(Post.analyses),
            selectinload(Alert.responses).selectinload(Response.author),
            selectinload(Alert.section),
        )
    ).all()
    found = []
    for other in candidates:
        match = compare(matter, matter_of_alert(other))
        if match.score < MIN_SCORE:
            continue
        response = _published(other)
        found.append(
            SimilarCase(
                alert_id=other.id,
                title=mask_text(other.title or ""),
                response_excerpt=_excerpt(response.content) if response else "",
                response_text=mask_text(response.content) if response else "",
                closed_at=other.closed_at,
                satisfaction=other.satisfaction,
                score=round(match.score, 3),
                responded_by=response.author_name if response else None,
                section=other.section.name if other.section else None,
                reasons=match.reasons,
            )
        )
    found.sort(key=lambda case: (-case.score, -(case.closed_at.timestamp() if case.closed_at else 0)))
    return found[:limit]
