"""Response quality for leadership: per section, the share of published responses whose check findings a
head overrode, the share that used an approved statement (口径), and the follow-ups' satisfaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.cases.models import Alert, FollowUp, Response
from alerts.responses.models import ResponseReview
from core.models import Section

UNASSIGNED = "未分派"


@dataclass(slots=True)
class Quality:
    """The response-quality counts of one section (or all)."""

    section: str
    responses: int = 0
    flagged: int = 0
    overridden: int = 0
    statement_used: int = 0
    follow_ups: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    dissatisfied: int = 0

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def overridden_rate(self) -> float | None:
        """Published responses sent out despite findings, over all published responses."""
        return self._rate(self.overridden, self.responses)

    @property
    def statement_rate(self) -> float | None:
        """Published responses that used an approved statement, over all published responses."""
        return self._rate(self.statement_used, self.responses)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意 and 基本满意 over all follow-ups."""
        return self._rate(self.satisfied + self.basically_satisfied, self.follow_ups)

    def add(self, other: Quality) -> None:
        """Add another section's counts to these."""
        for name in self.__slots__:
            if name != "section":
                setattr(self, name, getattr(self, name) + getattr(other, name))


def response_quality(session: Session, *, start: datetime, end: datetime) -> tuple[list[Quality], Quality]:
    """Per section (by name) and in total: responses published and follow-ups made in [start, end)."""
    rows: dict[str, Quality] = {}

    def row(name: str | None) -> Quality:
        key = name or UNASSIGNED
        return rows.setdefault(key, Quality(key))

    responses = session.execute(
        select(Section.name, ResponseReview.finding_count, ResponseReview.override_note, ResponseReview.statement_id)
        .select_from(Response)
        .join(Alert, Alert.id == Response.alert_id)
        .outerjoin(Section, Section.id == Alert.section_id)
        .outerjoin(ResponseReview, ResponseReview.response_id == Response.id)
        .where(Response.status == "published", Response.created_at >= start, Response.created_at < end)
    )
    for name, findings, override, statement_id in responses:
        target = row(name)
        target.responses += 1
        target.flagged += bool(findings)
        target.overridden += bool(findings and override)
        target.statement_used += statement_id is not None
    follow_ups = session.execute(
        select(Section.name, FollowUp.satisfaction)
        .select_from(FollowUp)
        .join(Alert, Alert.id == FollowUp.alert_id)
        .outerjoin(Section, Section.id == Alert.section_id)
        .where(FollowUp.at >= start, FollowUp.at < end)
    )
    for name, satisfaction in follow_ups:
        target = row(name)
        target.follow_ups += 1
        target.satisfied += satisfaction == "满意"
        target.basically_satisfied += satisfaction == "基本满意"
        target.dissatisfied += satisfaction == "不满意"
    order = {name: index for index, name in enumerate(session.scalars(select(Section.name).order_by(Section.id)))}
    sections = sorted(rows.values(), key=lambda q: order.get(q.section, len(order)))
    total = Quality("合计")
    for item in sections:
        total.add(item)
    return sections, total
