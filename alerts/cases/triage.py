"""A hand-entered case's triage: the classifier's proposal, the urgent-word floor, and who chose what.

The classifier lives in ``nlp``, which this package does not import: the caller (a route) runs it and passes
its reading here as a :class:`Classified`. The floor rule is data (``intake_rules.yaml``), applied in one place.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from alerts.cases.intake import open_case
from alerts.cases.lifecycle import INFO_REQUEST, SEVERITIES
from alerts.cases.models import Alert
from alerts.routing.service import RoutingInput, route
from core.errors import ConfigurationError
from core.models import User
from core.types import CATEGORY_LABELS, Category

RULES_FILE = Path(__file__).with_name("intake_rules.yaml")
FIELDS = ("category", "severity", "section_id")


@dataclass(frozen=True, slots=True)
class Classified:
    """The classifier's reading of a text, as plain data."""

    category: str
    severity: str
    reasons: list[dict[str, Any]] = field(default_factory=list)
    model_version: str = ""
    places: tuple[str, ...] = ()

    @classmethod
    def of(cls, result: Any) -> Classified:
        """From the classifier's result (``nlp.analyze.AnalysisResult``, read by attribute)."""
        return cls(
            category=str(result.category),
            severity=str(result.severity),
            reasons=list(result.reasons or []),
            model_version=str(result.model_version or ""),
            places=tuple((result.entities or {}).get("places", [])),
        )


@dataclass(frozen=True, slots=True)
class FloorRule:
    """Urgent words and the least severity a text holding one of them is proposed."""

    severity: str
    terms: tuple[str, ...]


@dataclass(slots=True)
class Proposal:
    """What the form is pre-filled with, and why."""

    category: str
    category_label: str
    severity: str
    section_id: int | None
    section: str
    reasons: list[str]
    urgent_terms: list[str]
    routing_reason: str
    model_version: str

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON and the case's log."""
        return asdict(self)


@lru_cache(maxsize=1)
def floor_rule() -> FloorRule:
    """The urgent-word floor of ``intake_rules.yaml``."""
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8")) or {}
    severity = str(data.get("severity_floor", "较大"))
    if severity not in SEVERITIES:
        raise ConfigurationError(f"intake_rules.yaml: severity_floor「{severity}」应为 {'、'.join(SEVERITIES)}")
    return FloorRule(severity=severity, terms=tuple(str(t) for t in data.get("urgent_terms") or () if str(t)))


def apply_floor(*, text: str, severity: str) -> tuple[str, list[str]]:
    """The severity raised to the floor when ``text`` holds an urgent word, and the words found."""
    rule = floor_rule()
    found = [term for term in rule.terms if term in text]
    if found and SEVERITIES.index(severity) < SEVERITIES.index(rule.severity):
        return rule.severity, found
    return severity, found


def _reason_texts(classified: Classified, urgent: list[str], severity: str) -> list[str]:
    """The reasons shown beside the proposal, each a short Chinese phrase."""
    texts: list[str] = []
    for reason in classified.reasons:
        term = str(reason.get("term") or "")
        if not term:
            continue
        text = f"「{term}」（{reason['rule']}）" if reason.get("rule") else f"「{term}」"
        if text not in texts:
            texts.append(text)
    if urgent:
        texts.append(f"含紧急词「{'」「'.join(urgent)}」，级别不低于{floor_rule().severity}")
    if not texts:
        texts.append(f"分类模型判断为{CATEGORY_LABELS.get(classified.category, classified.category)}、{severity}")
    return texts[:8]


def propose(session: Session, *, title: str, content: str, kind: str, classified: Classified) -> Proposal:
    """Category, severity and section proposed for a hand-entered text, with the reasons shown to the officer."""
    text = f"{title}\n{content}"
    category = classified.category if classified.category in {c.value for c in Category} else Category.other.value
    severity = classified.severity if classified.severity in SEVERITIES else SEVERITIES[0]
    severity, urgent = apply_floor(text=text, severity=severity)
    routed = severity if kind != "info_request" else INFO_REQUEST
    decision = route(
        session,
        item=RoutingInput(category=category, text=text, severity=routed, places=classified.places, kind=kind),
    )
    return Proposal(
        category=category,
        category_label=CATEGORY_LABELS.get(category, category),
        severity=severity,
        section_id=decision.section.id if decision.section else None,
        section=decision.section.name if decision.section else "",
        reasons=_reason_texts(classified, urgent, severity),
        urgent_terms=urgent,
        routing_reason=decision.reason,
        model_version=classified.model_version,
    )


def settle(
    *,
    proposal: Proposal,
    actor: User,
    chosen: dict[str, Any],
    suggested: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The values the case opens with, and the record of who chose what (kept in the case's details and log).

    A field counts as the officer's choice when given and not merely the value the page pre-filled from an
    earlier proposal (``suggested``); otherwise the proposal, computed from the final text, decides.
    """
    shown = suggested or {}
    final: dict[str, Any] = {}
    chosen_by: dict[str, str] = {}
    for name in FIELDS:
        value = chosen.get(name)
        by_officer = value not in (None, "") and (name not in shown or str(shown[name]) != str(value))
        if by_officer:
            final[name], chosen_by[name] = value, "officer"
        else:
            # Section: None lets the routing rules decide on the final category and severity.
            final[name], chosen_by[name] = (None if name == "section_id" else getattr(proposal, name)), "classifier"
    record = {
        "proposed": proposal.as_dict(),
        "chosen": {name: final[name] for name in FIELDS},
        "chosen_by": chosen_by,
        "changed": [name for name in FIELDS if chosen_by[name] == "officer" and final[name] != getattr(proposal, name)],
        "officer": {"id": actor.id, "name": actor.display_name or actor.username},
    }
    return final, record


def open_triaged_case(
    session: Session,
    *,
    actor: User,
    kind: str,
    title: str,
    content: str,
    classified: Classified,
    chosen: dict[str, Any],
    suggested: dict[str, Any] | None = None,
    received_at: datetime | None = None,
    requester: dict[str, Any] | None = None,
    channel: str = "",
) -> Alert:
    """Open a hand-entered case with the proposal where the officer chose nothing, logging who chose what."""
    proposal = propose(session, title=title, content=content, kind=kind, classified=classified)
    final, record = settle(proposal=proposal, actor=actor, chosen=chosen, suggested=suggested)
    alert = open_case(
        session,
        actor=actor,
        kind=kind,
        title=title,
        content=content,
        category=final["category"],
        severity=final["severity"] if kind != "info_request" else None,
        received_at=received_at,
        requester=requester,
        channel=channel,
        section_id=final["section_id"],
        triage=record,
    )
    # The section the case actually went to (routing decides when the officer named none).
    section = {"section_id": alert.section_id, "section": alert.section.name if alert.section else ""}
    alert.details = {**alert.details, "triage": {**record, "chosen": {**record["chosen"], **section}}}
    session.flush()
    return alert
