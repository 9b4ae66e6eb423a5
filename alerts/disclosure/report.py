"""Section 三 of the annual report counted from the register, and the checks that it reconciles.

Counting rules for year Y (local time): a request received in Y is 本年新收; one received earlier and not
answered before Y is 上年结转. Each of them answered in Y is counted in the row of its outcome (and reason);
the others are 结转下年度. Every request lands in exactly one applicant column. The checks are those the
format asks for: each row's 总计 is the sum of its columns, （七）总计 the sum of the outcome rows, 一 + 二 =
三 + 四 in every column, and 上年结转 equals last year's 结转下年度 (as published, when it was).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from alerts.cases.models import Alert
from alerts.disclosure.format import APPLICANT_TYPES, COLUMNS, OUTCOME_ROWS, ROW_KEYS, outcome_row
from alerts.disclosure.models import AnnualReport, DisclosureRequest
from core.timeutil import local_zone, to_local

Table = dict[str, dict[str, int]]


@dataclass(frozen=True, slots=True)
class Check:
    """One reconciliation check."""

    key: str
    ok: bool
    message: str


@dataclass(slots=True)
class Section3:
    """The counted table of a year, its checks and the cases that are not in the register yet."""

    year: int
    table: Table
    checks: list[Check] = field(default_factory=list)
    unregistered: list[Alert] = field(default_factory=list)

    @property
    def reconciled(self) -> bool:
        """True when every accounting check holds (whether the year is over is checked on publishing)."""
        return all(check.ok for check in self.checks if check.key != "year_over")


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January of ``year``, 1 January of the next year) in the office's zone."""
    zone = local_zone()
    return datetime.combine(date(year, 1, 1), time(0), zone), datetime.combine(date(year + 1, 1, 1), time(0), zone)


def empty_table() -> Table:
    """Every row of section 三 with zero in every column."""
    return {key: dict.fromkeys(COLUMNS, 0) for key in ROW_KEYS}


def count_year(session: Session, *, year: int) -> Table:
    """Section 三 of ``year`` counted from the register."""
    start, end = year_bounds(year)
    table = empty_table()
    entries = session.scalars(
        select(DisclosureRequest).where(
            DisclosureRequest.received_at < end,
            or_(DisclosureRequest.answered_at.is_(None), DisclosureRequest.answered_at >= start),
        )
    )
    for entry in entries:
        column = entry.applicant_type if entry.applicant_type in APPLICANT_TYPES else "other_org"
        rows = ["new" if entry.received_at >= start else "carried_in"]
        if entry.answered_at is not None and entry.answered_at < end and entry.outcome is not None:
            rows += [outcome_row(entry.outcome, entry.reason), "results_total"]
        else:
            rows.append("carried_out")
        for row in rows:
            table[row][column] += 1
            table[row]["total"] += 1
    return table


def _arithmetic(table: Table) -> list[Check]:
    organisations = [c for c in COLUMNS if c != "total"]
    bad_rows = [key for key in ROW_KEYS if table[key]["total"] != sum(table[key][c] for c in organisations)]
    bad_results = [c for c in COLUMNS if table["results_total"][c] != sum(table[row][c] for row in OUTCOME_ROWS)]
    unbalanced = [
        c
        for c in COLUMNS
        if table["new"][c] + table["carried_in"][c] != table["results_total"][c] + table["carried_out"][c]
    ]
    return [
        Check(
            "columns", not bad_rows, "每行总计等于各申请人类型之和" + (f"：不符 {len(bad_rows)} 行" if bad_rows else "")
        ),
        Check("results", not bad_results, "（七）总计等于各项办理结果之和" + ("：不符" if bad_results else "")),
        Check(
            "balance",
            not unbalanced,
            "第一项加第二项之和等于第三项加第四项之和" + (f"：{len(unbalanced)} 列不符" if unbalanced else ""),
        ),
    ]


def _carried_in_check(session: Session, *, year: int, table: Table) -> Check:
    previous = session.get(AnnualReport, year - 1)
    if previous is not None and previous.status == "published" and previous.figures:
        expected = {c: int(previous.figures.get("carried_out", {}).get(c, 0)) for c in COLUMNS}
        source = f"{year - 1}年度报告（已发布）"
    else:
        expected = count_year(session, year=year - 1)["carried_out"]
        source = f"{year - 1}年度登记簿"
    ok = all(table["carried_in"][c] == expected[c] for c in COLUMNS)
    message = f"上年结转（{table['carried_in']['total']}）等于{source}的结转下年度（{expected['total']}）"
    return Check("carried_in", ok, message if ok else message.replace("等于", "不等于"))


def unregistered_cases(session: Session, *, year: int) -> list[Alert]:
    """Information-request cases of the year (or still open from before) that have no register entry."""
    start, end = year_bounds(year)
    registered = exists().where(DisclosureRequest.alert_id == Alert.id)
    return list(
        session.scalars(
            select(Alert)
            .where(
                Alert.kind == "info_request",
                Alert.status != "merged",
                Alert.opened_at < end,
                or_(Alert.closed_at.is_(None), Alert.closed_at >= start),
                ~registered,
            )
            .order_by(Alert.opened_at)
        )
    )


def section3(session: Session, *, year: int, table: Table | None = None, now: datetime) -> Section3:
    """The table (counted, or the frozen one given) with its checks."""
    counted = table if table is not None else count_year(session, year=year)
    result = Section3(year=year, table=counted, unregistered=unregistered_cases(session, year=year))
    result.checks = _arithmetic(counted)
    result.checks.append(_carried_in_check(session, year=year, table=counted))
    gaps = len(result.unregistered)
    result.checks.append(
        Check("registered", not gaps, f"{gaps} 件依申请公开案件尚未登记，未计入" if gaps else "依申请公开案件均已登记")
    )
    over = now >= year_bounds(year)[1]
    result.checks.append(Check("year_over", over, "年度已结束" if over else "年度尚未结束，数字仍会变化"))
    return result


def report_deadline(year: int) -> date:
    """The legal deadline of a year's report: 31 January of the next year (条例 第四十九条)."""
    return date(year + 1, 1, 31)


def in_use_before(session: Session, *, moment: datetime) -> bool:
    """True when the system holds cases or register entries from before ``moment`` (there is a year to report)."""
    return bool(
        session.scalar(select(exists().where(Alert.opened_at < moment)))
        or session.scalar(select(exists().where(DisclosureRequest.received_at < moment)))
    )


def reminder_text(session: Session, *, now: datetime) -> tuple[int, str] | None:
    """(year, words) while last year's report is not marked published (from 1 January), else None."""
    today = to_local(now)
    assert today is not None
    year = today.year - 1
    report = session.get(AnnualReport, year)
    if report is not None and report.status == "published":
        return None
    if not in_use_before(session, moment=year_bounds(year)[1]):
        return None
    deadline = report_deadline(year)
    left = (deadline - today.date()).days
    when = f"{deadline.year}年{deadline.month}月{deadline.day}日"
    if left >= 0:
        words = f"{year}年政府信息公开工作年度报告尚未发布：法定发布期限为{when}，还有{left}天"
    else:
        words = f"{year}年政府信息公开工作年度报告尚未发布：已超过法定发布期限（{when}）{-left}天"
    return year, words
