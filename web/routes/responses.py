"""What the case page adds for answering well: similar closed cases, drafts from the 口径库, the four checks'
findings (at submission and at sign-off), and the response-quality table of the leader's dashboard."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.cases.models import Alert
from alerts.responses.checks import Finding
from alerts.responses.models import ResponseReview
from alerts.responses.quality import Quality, response_quality
from alerts.responses.service import check_content, offer_drafts
from alerts.responses.similar import SimilarCase, similar_cases
from core.errors import InvalidInput, ServiceUnavailable
from core.models import User
from web.figures import Period

log = logging.getLogger(__name__)

CHECK_CSS = {"保密": "secret", "法律": "legal", "政治": "political", "文字": "wording"}


def marked(content: str, findings: Sequence[Mapping[str, Any] | Finding]) -> Markup:
    """The text with every finding's words in <mark> (overlapping ones merged), the rest escaped."""
    spans = sorted(
        (int(f["start"]), int(f["end"]), str(f["check"])) if isinstance(f, Mapping) else (f.start, f.end, f.check)
        for f in findings
    )
    merged: list[list[Any]] = []
    for start, end, check in spans:
        if start < 0 or end > len(content) or start >= end:
            continue
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            continue
        merged.append([start, end, check])
    parts: list[str] = []
    at = 0
    for start, end, check in merged:
        parts.append(str(escape(content[at:start])))
        parts.append(
            f'<mark class="finding {CHECK_CSS.get(check, "")}" title="{escape(check)}关">'
            f"{escape(content[start:end])}</mark>"
        )
        at = end
    parts.append(str(escape(content[at:])))
    return Markup("".join(parts))


def _similar(session: Session, alert: Alert, user: User) -> tuple[list[SimilarCase], str]:
    try:
        return similar_cases(session, alert=alert, user=user), ""
    except ServiceUnavailable as exc:
        # The case page must open while search is down; say why the panel is empty.
        log.warning("similar cases for alert %s unavailable: %s", alert.id, exc.message)
        return [], "检索服务暂时不可用，相似案例稍后可见"


def case_context(
    session: Session, *, alert: Alert, user: User, actions: Sequence[str], draft: Mapping[str, str]
) -> dict[str, Any]:
    """The case page's answering parts: similar cases, drafts, the submitted text's findings, reviews."""
    similar, similar_error = _similar(session, alert, user)
    responding = "respond" in actions
    drafts = offer_drafts(session, alert=alert) if responding else []
    attempt = draft.get("response", "") if responding else ""
    findings = check_content(session, alert=alert, content=attempt) if attempt.strip() else []
    ids = [r.id for r in alert.responses]
    reviews = (
        {
            row.response_id: row
            for row in session.scalars(select(ResponseReview).where(ResponseReview.response_id.in_(ids)))
        }
        if ids
        else {}
    )
    return {
        "similar": similar,
        "similar_error": similar_error,
        "drafts": drafts,
        "attempt_findings": findings,
        "reviews": reviews,
        "marked": marked,
    }


def precheck(session: Session, *, alert: Alert, content: str) -> None:
    """Refuse a first submission the checks flag, so the writer sees the findings before it goes on."""
    findings = check_content(session, alert=alert, content=content)
    if findings:
        raise InvalidInput(
            f"提交前检查发现 {len(findings)} 处需要核对的内容，已在回应内容下方标出。请修改后再提交；"
            "核对无误的，勾选“已核对，提交科室负责人审核签发”后再提交。",
            details={"field": "response", "findings": len(findings)},
        )


def quality_context(session: Session, *, period: Period) -> dict[str, Any]:
    """The dashboard's response-quality table for a period."""
    rows, total = response_quality(session, start=period.start_at, end=period.end_at)
    return {"quality_rows": rows, "quality_total": total}


__all__ = ["Quality", "case_context", "marked", "precheck", "quality_context"]
