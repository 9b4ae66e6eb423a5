"""The response checks, drafts and reviews: the only writer of ``response_review``. Keyword-only, no web code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.cases.models import Alert, Response
from alerts.responses.checks import CaseFacts, CheckLists, Finding, run_checks
from alerts.responses.drafts import Draft, build_draft, case_text, draft_facts, fill, kept_share
from alerts.responses.models import ResponseReview
from alerts.responses.wording import places_in
from alerts.statements.models import Statement
from alerts.statements.service import active_terms, known_documents, suggest, today
from core.errors import InvalidInput
from core.models import Section, User
from core.privacy import keep_unmasked

# The approved wording counts as used when at least this share of it is in the published text.
STATEMENT_USED = 0.6


def case_facts(session: Session, *, alert: Alert) -> CaseFacts:
    """The case's section, places and requester, for the checks."""
    towns: set[str] = set()
    villages: set[str] = set()
    for post in alert.posts:
        entities = post.analysis.entities if post.analysis is not None else {}
        towns |= {t for t in entities.get("towns") or [] if isinstance(t, str)}
    requester = {k: str(v) for k, v in ((alert.details or {}).get("requester") or {}).items() if v}
    found_towns, found_villages = places_in(case_text(alert) + "\n" + requester.get("address", ""))
    towns |= found_towns
    villages |= found_villages
    names = tuple(session.scalars(select(Section.name).order_by(Section.id)))
    co_names = tuple(link.section.name for link in alert.co_sections if link.section is not None)
    return CaseFacts(
        section=alert.section.name if alert.section else None,
        co_sections=co_names,
        all_sections=names,
        towns=frozenset(towns),
        villages=frozenset(villages),
        requester=requester,
    )


def check_lists(session: Session) -> CheckLists:
    """The admin's word lists and the 口径库's documents."""
    return CheckLists(terms=active_terms(session), documents=known_documents(session))


def check_content(session: Session, *, alert: Alert, content: str) -> list[Finding]:
    """The four checks (保密、法律、政治、文字) of ``content`` as a response to ``alert``."""
    if not content.strip():
        return []
    return run_checks(content, facts=case_facts(session, alert=alert), lists=check_lists(session))


def offer_drafts(session: Session, *, alert: Alert, on: date | None = None, limit: int = 3) -> list[Draft]:
    """Drafts for the response form, best first: one per statement in force that fits, else the facts alone."""
    facts = draft_facts(alert)
    suggestions = suggest(session, category=alert.category, text=case_text(alert), on=on or today(), limit=limit)
    drafts = [
        Draft(build_draft(facts, s.statement.wording), s.statement, s.score, facts.as_dict()) for s in suggestions
    ]
    return drafts or [Draft(build_draft(facts), None, 0.0, facts.as_dict())]


def as_drafted(session: Session, *, alert: Alert, content: str, statement_id: int | None) -> str:
    """``content`` with what the user left masked of the offered draft (a hotline in the 口径) as drafted."""
    statement = session.get(Statement, statement_id) if statement_id is not None else None
    if statement is None:
        return content
    # The form shows its draft masked like every page; sent back, the untouched parts are the draft's own.
    return keep_unmasked(content, of=build_draft(draft_facts(alert), statement.wording))


@dataclass(frozen=True, slots=True)
class DraftSource:
    """Where the text of a submitted response came from, as the form says."""

    statement_id: int | None = None
    similar_alert_id: int | None = None


def record_review(
    session: Session,
    *,
    alert: Alert,
    response: Response,
    findings: list[Finding],
    source: DraftSource | None = None,
    at: datetime,
) -> ResponseReview:
    """Keep the checks of a submitted response with it, and where its draft came from."""
    source = source or DraftSource()
    draft: dict[str, Any] = {}
    used: int | None = None
    if source.statement_id is not None:
        statement = session.get(Statement, source.statement_id)
        if statement is None:
            raise InvalidInput(f"口径 {source.statement_id} 不存在", details={"field": "response.draft_statement_id"})
        kept = kept_share(fill(statement.wording, draft_facts(alert)), response.content)
        draft.update(statement_id=statement.id, topic=statement.topic, kept=kept)
        used = statement.id if kept >= STATEMENT_USED else None
    if source.similar_alert_id is not None:
        draft["similar_alert_id"] = source.similar_alert_id
    review = ResponseReview(
        response=response,
        alert_id=alert.id,
        checked_at=at,
        findings=[f.as_dict() for f in findings],
        finding_count=len(findings),
        draft=draft,
        statement_id=used,
    )
    session.add(review)
    return review


def review_of(session: Session, *, response: Response) -> ResponseReview | None:
    """The checks kept with a response (None for responses logged before the checks existed)."""
    return session.get(ResponseReview, response.id)


def sign_off_review(session: Session, *, response: Response, actor: User, note: str, at: datetime) -> dict[str, Any]:
    """Record the head's reason to publish a response the checks flagged; refuses without one.

    Returns what the audit event keeps: how many findings, of which checks and kinds, and that they were overridden.
    """
    review = review_of(session, response=response)
    if review is None or not review.finding_count:
        return {}
    if not note.strip():
        raise InvalidInput(
            f"回应有 {review.finding_count} 处审核提示，签发须填写理由（说明为何可以照发）", details={"field": "note"}
        )
    review.override_note = note.strip()
    review.overridden_by_id = actor.id
    review.overridden_at = at
    kinds = sorted({f"{f['check']}:{f['kind']}" for f in review.findings})
    return {"findings": review.finding_count, "overridden": True, "finding_kinds": kinds}


def findings_waiting(session: Session, *, response: Response | None) -> int:
    """How many findings a response waiting for sign-off has (0 when none or no response)."""
    if response is None:
        return 0
    review = review_of(session, response=response)
    return review.finding_count if review is not None else 0
