"""Answering well: the four checks of a response, drafts from the 口径库, similar closed cases, quality figures."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from alerts.cases import service as alert_service
from alerts.responses.quality import Quality, response_quality
from alerts.responses.schemas import (
    CheckIn,
    CheckOut,
    DraftList,
    DraftOut,
    FindingOut,
    QualityOut,
    SectionQuality,
    SimilarItem,
    SimilarOut,
)
from alerts.responses.service import check_content, offer_drafts
from alerts.responses.similar import similar_cases
from alerts.statements.service import today
from api.deps import CurrentUser, SessionDep, require_roles
from core.bounds import RowId
from core.errors import InvalidInput
from core.timeutil import local_zone
from core.types import Role

router = APIRouter(tags=["responses"])


@router.post("/responses/check")
def check(session: SessionDep, user: CurrentUser, body: CheckIn) -> CheckOut:
    """The four checks (保密、法律、政治、文字) of a response text for a case the user may see."""
    alert = alert_service.get_alert(session, user=user, alert_id=body.alert_id)
    findings = check_content(session, alert=alert, content=body.content)
    return CheckOut(findings=[FindingOut(**f.as_dict()) for f in findings])


@router.get("/alerts/{alert_id}/similar")
def similar(
    session: SessionDep, user: CurrentUser, alert_id: RowId, limit: Annotated[int, Query(ge=1, le=20)] = 5
) -> SimilarOut:
    """The closed cases most like this one that the user may see, with how they were answered."""
    alert = alert_service.get_alert(session, user=user, alert_id=alert_id)
    items = similar_cases(session, alert=alert, user=user, limit=limit)
    return SimilarOut(items=[SimilarItem(**item.as_dict()) for item in items])


@router.get("/alerts/{alert_id}/drafts")
def drafts(session: SessionDep, user: CurrentUser, alert_id: RowId) -> DraftList:
    """Drafts for the case's response: the best-matching statements in force, set in the case's facts."""
    alert = alert_service.get_alert(session, user=user, alert_id=alert_id)
    return DraftList(
        items=[
            DraftOut(
                text=draft.text,
                statement_id=draft.statement.id if draft.statement else None,
                statement_topic=draft.statement.topic if draft.statement else None,
                score=draft.score,
                facts=draft.facts,
            )
            for draft in offer_drafts(session, alert=alert)
        ]
    )


def _quality_out(item: Quality) -> SectionQuality:
    return SectionQuality(
        section=item.section,
        responses=item.responses,
        flagged=item.flagged,
        overridden=item.overridden,
        overridden_rate=item.overridden_rate,
        statement_used=item.statement_used,
        statement_rate=item.statement_rate,
        follow_ups=item.follow_ups,
        satisfied=item.satisfied,
        basically_satisfied=item.basically_satisfied,
        dissatisfied=item.dissatisfied,
        satisfaction_rate=item.satisfaction_rate,
    )


@router.get("/responses/quality", dependencies=[require_roles(Role.leader, Role.admin, Role.duty)])
def quality(session: SessionDep, start: date | None = None, end: date | None = None) -> QualityOut:
    """Per section: flags overridden, 口径 used and satisfaction, for local days [start, end] (default 30 days)."""
    last = end or today()
    first = start or last - timedelta(days=29)
    if first > last:
        raise InvalidInput("开始日期应不晚于结束日期", details={"field": "start"})
    zone = local_zone()
    rows, total = response_quality(
        session,
        start=datetime.combine(first, time(0), tzinfo=zone),
        end=datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone),
    )
    return QualityOut(
        start=first.isoformat(),
        end=last.isoformat(),
        sections=[_quality_out(row) for row in rows],
        total=_quality_out(total),
    )
