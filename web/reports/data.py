"""What a report says: the period, each section's timeliness, categories, overdue and late cases, the cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from alerts.cases.lifecycle import STATUS_LABELS
from alerts.cases.models import Alert
from alerts.cases.stats import Timeliness
from core.errors import InvalidInput
from core.models import Section
from core.timeutil import utcnow
from core.types import CATEGORY_LABELS
from web import figures, queries

KINDS = {"week": "周报", "month": "月报"}


@dataclass(frozen=True, slots=True)
class CaseLine:
    """One case as a report lists it."""

    id: int
    title: str
    section: str
    category: str
    severity: str
    status: str
    opened_at: datetime
    closed_at: datetime | None
    close_due: datetime | None
    overdue: bool
    late: bool


@dataclass(frozen=True, slots=True)
class Report:
    """A weekly or monthly report for all sections or one."""

    kind: str
    period: figures.Period
    section: Section | None
    generated_at: datetime
    rows: list[figures.SectionFigures]
    total: Timeliness
    by_category: list[figures.CategoryFigures]
    cases: list[CaseLine]

    @property
    def categories(self) -> list[tuple[str, str, int]]:
        """(code, label, cases) per category, most first."""
        return [(c.code, c.label, c.figures.alerts) for c in self.by_category]

    @property
    def title(self) -> str:
        """The report's title as printed."""
        who = self.section.name if self.section else "全中心"
        return f"{who}舆情处置工作{KINDS[self.kind]}"

    @property
    def overdue(self) -> list[CaseLine]:
        """Cases still open past their deadline."""
        return [c for c in self.cases if c.overdue]

    @property
    def late(self) -> list[CaseLine]:
        """Cases closed after their close deadline."""
        return [c for c in self.cases if c.late]

    @property
    def summary(self) -> str:
        """The opening paragraph: how many cases, how many closed, the on-time rates."""
        t = self.total
        parts = [f"{self.period.label}，共发现需回应舆情 {t.alerts} 件"]
        parts.append(f"已签收 {t.acked} 件，已办结 {t.closed} 件")
        if t.ack_on_time_rate is not None:
            parts.append(f"按时签收率 {t.ack_on_time_rate * 100:.0f}%")
        if t.response_on_time_rate is not None:
            parts.append(f"按时回应率 {t.response_on_time_rate * 100:.0f}%")
        if t.close_on_time_rate is not None:
            parts.append(f"按时办结率 {t.close_on_time_rate * 100:.0f}%")
        if t.mean_hours_to_ack is not None:
            parts.append(
                f"平均签收用时 {t.mean_hours_to_ack:.1f} 小时（90%的案件在 {t.p90_hours_to_ack:.1f} 小时内签收）"
            )
        if t.mean_hours_to_close is not None:
            parts.append(
                f"平均办结用时 {t.mean_hours_to_close:.1f} 小时（90%的案件在 {t.p90_hours_to_close:.1f} 小时内办结）"
            )
        if t.sent_back_rate is not None:
            parts.append(f"退回率 {t.sent_back_rate * 100:.0f}%")
        if t.satisfaction_rate is not None:
            parts.append(f"回访满意率 {t.satisfaction_rate * 100:.0f}%（回访 {t.followed_up} 件）")
        parts.append(f"目前超期未办结 {len(self.overdue)} 件，超时办结 {len(self.late)} 件")
        return "，".join(parts) + "。"


def _line(alert: Alert, now: datetime) -> CaseLine:
    late = alert.closed_at is not None and alert.close_due is not None and alert.closed_at > alert.close_due
    return CaseLine(
        id=alert.id,
        title=alert.title,
        section=alert.section.name if alert.section else "未分派",
        category=CATEGORY_LABELS.get(alert.category, alert.category),
        severity=alert.severity,
        status=STATUS_LABELS.get(alert.status, alert.status),
        opened_at=alert.opened_at,
        closed_at=alert.closed_at,
        close_due=alert.close_due,
        overdue=queries.is_overdue(alert, now) and alert.status not in ("closed", "dismissed"),
        late=late,
    )


def build_report(session: Session, *, kind: str, anchor: date, section: Section | None) -> Report:
    """The report of the week or month containing ``anchor``, for one section or all."""
    if kind not in KINDS:
        raise InvalidInput("报告类型应为周报或月报", details={"field": "kind"})
    period = figures.week_of(anchor) if kind == "week" else figures.month_of(anchor)
    section_id = section.id if section else None
    rows = figures.timeliness(session, period=period, section_id=section_id)
    now = utcnow()
    cases = [_line(a, now) for a in figures.alerts_in_period(session, period=period, section_id=section_id)]
    return Report(
        kind=kind,
        period=period,
        section=section,
        generated_at=now,
        rows=rows,
        total=figures.total(rows),
        by_category=figures.category_figures(session, period=period, section_id=section_id),
        cases=cases,
    )
