"""Figures for the dashboard and the reports, assembled from the domains' own queries and statistics."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from alerts.cases.lifecycle import Status
from alerts.cases.models import Alert
from alerts.cases.stats import Timeliness, group_figures, period_key, timeliness_by_section
from core.district.data import district
from core.models import Analysis, Post, Section, Source
from core.timeutil import local_zone, to_local, utcnow
from core.types import CATEGORY_LABELS
from crawlers.health import Health
from crawlers.health import source_health as crawler_health
from nlp.entities import match_places


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open span of local days [start, end) with a name for titles."""

    start: date
    end: date
    label: str

    @property
    def start_at(self) -> datetime:
        """The first instant, aware."""
        return datetime.combine(self.start, time(0), tzinfo=local_zone())

    @property
    def end_at(self) -> datetime:
        """The instant after the last day, aware."""
        return datetime.combine(self.end, time(0), tzinfo=local_zone())


def today() -> date:
    """Today in the users' zone."""
    local = to_local(utcnow())
    assert local is not None
    return local.date()


def week_of(day: date) -> Period:
    """The Monday-to-Sunday week containing ``day``."""
    start = day - timedelta(days=day.weekday())
    end = start + timedelta(days=7)
    iso = start.isocalendar()
    return Period(start, end, f"{iso.year}年第{iso.week}周（{start:%m月%d日}—{end - timedelta(days=1):%m月%d日}）")


def month_of(day: date) -> Period:
    """The calendar month containing ``day``."""
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return Period(start, end, f"{start.year}年{start.month}月")


def period_from(kind: str, anchor: date | None = None) -> Period:
    """A named period: this week, this month, or the last 30 days."""
    anchor = anchor or today()
    if kind == "week":
        return week_of(anchor)
    if kind == "month":
        return month_of(anchor)
    start = anchor - timedelta(days=29)
    return Period(start, anchor + timedelta(days=1), f"近30天（{start:%m月%d日}—{anchor:%m月%d日}）")


@dataclass(slots=True)
class SectionFigures:
    """Timeliness of one section, as the dashboard and reports show it."""

    name: str
    section_id: int | None
    figures: Timeliness
    overdue: int = 0


# The timeliness figures of docs/product.md, in the order every table (page, DOCX, XLSX) shows them:
# (heading, attribute of ``alerts.cases.stats.Timeliness``, kind: count | rate | hours).
FIGURE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("预警数", "alerts", "count"),
    ("已签收", "acked", "count"),
    ("按时签收率", "ack_on_time_rate", "rate"),
    ("平均签收用时（小时）", "mean_hours_to_ack", "hours"),
    ("已办结", "closed", "count"),
    ("按时办结率", "close_on_time_rate", "rate"),
    ("平均办结用时（小时）", "mean_hours_to_close", "hours"),
    ("按时回应率", "response_on_time_rate", "rate"),
    ("签收用时P90（小时）", "p90_hours_to_ack", "hours"),
    ("办结用时P90（小时）", "p90_hours_to_close", "hours"),
    ("超期未办", "overdue", "count"),
    ("退回率", "sent_back_rate", "rate"),
    ("满意率", "satisfaction_rate", "rate"),
)


def figure_value(figures: Timeliness, attribute: str) -> float | int | None:
    """One figure of FIGURE_COLUMNS."""
    value: float | int | None = getattr(figures, attribute)
    return value


def timeliness(session: Session, *, period: Period, section_id: int | None = None) -> list[SectionFigures]:
    """Per section, the on-time figures of cases opened in the period (all sections, or one)."""
    rows = []
    for section, figures in timeliness_by_section(session, start=period.start_at, end=period.end_at):
        if section_id is not None and (section is None or section.id != section_id):
            continue
        rows.append(SectionFigures(section.name if section else "未分派", section.id if section else None, figures))
    return rows


def total(rows: list[SectionFigures]) -> Timeliness:
    """The sum of several sections' figures."""
    combined = Timeliness()
    for row in rows:
        for name in combined.__slots__:
            setattr(combined, name, getattr(combined, name) + getattr(row.figures, name))
    return combined


def _alerts_in(session: Session, *, start: datetime, end: datetime, section_id: int | None) -> list[Alert]:
    query = (
        select(Alert)
        .where(Alert.opened_at >= start, Alert.opened_at < end, Alert.status != Status.merged.value)
        .options(selectinload(Alert.section))
        .order_by(Alert.opened_at)
    )
    if section_id is not None:
        query = query.where(Alert.section_id == section_id)
    return list(session.scalars(query))


@dataclass(slots=True)
class Trend:
    """Per week: cases opened, closed, and the on-time rates, all from ``alerts.cases.stats``."""

    weeks: list[str] = field(default_factory=list)
    opened: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    on_time: list[int] = field(default_factory=list)
    ack_rate: list[float | None] = field(default_factory=list)
    close_rate: list[float | None] = field(default_factory=list)


def weekly_trend(session: Session, *, weeks: int = 12, section_id: int | None = None) -> Trend:
    """The last ``weeks`` weeks (this one included), grouped by the ISO week the cases were opened in."""
    first = week_of(today() - timedelta(weeks=weeks - 1)).start
    start = datetime.combine(first, time(0), tzinfo=local_zone())
    groups = group_figures(session, key=period_key("week"), start=start, section_id=section_id)
    trend = Trend()
    for week in range(weeks):
        monday = first + timedelta(weeks=week)
        year, number, _ = monday.isocalendar()
        found = groups.get(f"{year}-W{number:02d}", Timeliness())
        trend.weeks.append(f"{monday:%m-%d}")
        trend.opened.append(found.alerts)
        trend.closed.append(found.closed)
        trend.on_time.append(found.close_on_time)
        trend.ack_rate.append(found.ack_on_time_rate)
        trend.close_rate.append(found.close_on_time_rate)
    return trend


@dataclass(frozen=True, slots=True)
class CategoryFigures:
    """One category's cases in a period with their timeliness."""

    code: str
    label: str
    figures: Timeliness


def category_figures(session: Session, *, period: Period, section_id: int | None = None) -> list[CategoryFigures]:
    """Per category, the timeliness of the cases opened in the period, most cases first."""
    groups = group_figures(
        session, key=lambda alert: alert.category, start=period.start_at, end=period.end_at, section_id=section_id
    )
    ordered = sorted(groups.items(), key=lambda item: (-item[1].alerts, item[0]))
    return [CategoryFigures(code, CATEGORY_LABELS.get(code, code), figures) for code, figures in ordered]


def alerts_in_period(session: Session, *, period: Period, section_id: int | None = None) -> list[Alert]:
    """The cases opened in the period."""
    return _alerts_in(session, start=period.start_at, end=period.end_at, section_id=section_id)


def towns() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The district's towns and streets with the names people write for them."""
    return tuple((town.name, (town.name, *town.aliases)) for town in district().towns)


@dataclass(frozen=True, slots=True)
class TownGrid:
    """Per town (relevant posts, needing a response), and the village names no single town could be given."""

    towns: list[tuple[str, int, int]]
    # (village name, posts naming it, the towns that have a village of that name)
    unresolved: list[tuple[str, int, tuple[str, ...]]]


def town_grid(session: Session, *, period: Period) -> TownGrid:
    """Each relevant post of the period counted once under each town it is about (town first, then village)."""
    posts = session.execute(
        select(Post.title, Post.content, Analysis.needs_response)
        .join(Analysis, Analysis.post_id == Post.id)
        .where(Post.created_at >= period.start_at, Post.created_at < period.end_at, Analysis.relevant.is_(True))
    ).all()
    counts: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    unresolved: Counter[str] = Counter()
    for title, content, needs_response in posts:
        # Matched afresh rather than read from the stored entities, so posts analysed before the matcher
        # learnt "town first" are not double-counted either.
        found = match_places(f"{title}\n{content}")
        for town in found.towns:
            counts[town] += 1
            flagged[town] += bool(needs_response)
        unresolved.update(found.unresolved)
    owners = {
        village: tuple(town.name for town in district().towns if village in (*town.villages, *town.landmarks))
        for village in unresolved
    }
    return TownGrid(
        towns=[(town, counts[town], flagged[town]) for town, _ in towns()],
        unresolved=[
            (village, n, owners[village]) for village, n in sorted(unresolved.items(), key=lambda i: (-i[1], i[0]))
        ],
    )


def posts_per_town(session: Session, *, period: Period) -> list[tuple[str, int, int]]:
    """Per town: relevant posts in the period and how many of them needed a response."""
    return town_grid(session, period=period).towns


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """A source's state as duty staff need to see it (judged by ``crawlers.health``)."""

    source: Source
    health: Health

    @property
    def blind(self) -> bool:
        """True when the source has produced nothing or only errors for several intervals."""
        return self.health.blind

    @property
    def reason(self) -> str:
        """The state in a sentence."""
        return self.health.message

    @property
    def label(self) -> str:
        """The state in a word."""
        return self.health.label


def source_health(session: Session, *, crawled_only: bool = False) -> list[SourceHealth]:
    """Every source with its health, blind ones first; ``crawled_only`` leaves out manual intake sources."""
    now = utcnow()
    result = []
    for source in session.scalars(select(Source).order_by(Source.name)):
        health = crawler_health(session, source=source, now=now)
        if crawled_only and health.status == "manual":
            continue
        result.append(SourceHealth(source, health))
    return sorted(result, key=lambda h: (not h.blind, h.health.status == "ok", h.source.name))


def sections(session: Session) -> list[Section]:
    """All sections by id."""
    return list(session.scalars(select(Section).order_by(Section.id)))
