"""Reading the register and the annual report: lists, one entry with its deadline, the report of a year."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from alerts.disclosure.clock import on_time, paused, statutory_due
from alerts.disclosure.format import (
    APPLICANT_TYPES,
    COLUMN_LABELS,
    COLUMNS,
    OUTCOMES,
    RECEIVED_VIA,
    ROWS,
    reason_label,
)
from alerts.disclosure.models import AnnualReport, DisclosureRequest
from alerts.disclosure.report import Check, Section3, reminder_text, report_deadline, section3, year_bounds
from alerts.disclosure.schemas import (
    CaseGap,
    CaseRef,
    CheckOut,
    Figures,
    ReportForms,
    ReportOut,
    RequestList,
    RequestOut,
    RowOut,
)
from alerts.disclosure.service import check_register_user
from alerts.sla.calendar import WorkCalendar
from alerts.sla.service import work_calendar
from core.models import User
from core.timeutil import utcnow

STATUS_LABELS = {"open": "办理中", "paused": "等待补正", "answered": "已答复"}
Status = Literal["open", "paused", "answered"]


def status_of(entry: DisclosureRequest) -> Status:
    """Where a request stands: answered, waiting for the applicant's correction, or being handled."""
    if entry.answered_at is not None:
        return "answered"
    return "paused" if paused(entry) else "open"


def request_out(entry: DisclosureRequest, *, calendar: WorkCalendar) -> RequestOut:
    """One entry as the API and the pages show it."""
    due = statutory_due(calendar, entry)
    status = status_of(entry)
    alert = entry.alert
    case = (
        CaseRef(id=alert.id, status=alert.status, close_due=alert.close_due, url=f"/alerts/{alert.id}")
        if alert is not None
        else None
    )
    return RequestOut(
        id=entry.id,
        serial=entry.serial,
        alert_id=entry.alert_id,
        title=entry.title,
        information=entry.information,
        applicant_type=entry.applicant_type,
        applicant_type_label=APPLICANT_TYPES.get(entry.applicant_type, entry.applicant_type),
        applicant_name=entry.applicant_name,
        applicant_contact=entry.applicant_contact,
        received_via=entry.received_via,
        received_via_label=RECEIVED_VIA.get(entry.received_via, entry.received_via),
        received_at=entry.received_at,
        correction_requested_at=entry.correction_requested_at,
        correction_received_at=entry.correction_received_at,
        extended_at=entry.extended_at,
        answered_at=entry.answered_at,
        outcome=entry.outcome,
        outcome_label=reason_label(entry.outcome, entry.reason),
        reason=entry.reason,
        answer_note=entry.answer_note,
        status=status,
        status_label=STATUS_LABELS[status],
        due_at=due.due,
        due_note=due.note,
        on_time=on_time(entry, due),
        case=case,
        url=f"/disclosure/requests/{entry.id}",
    )


def request_view(session: Session, *, entry_id: int) -> RequestOut:
    """One entry read afresh (after a commit), with its deadline on the current calendar."""
    entry = session.get(DisclosureRequest, entry_id)
    assert entry is not None
    return request_out(entry, calendar=work_calendar(session))


def list_requests(
    session: Session,
    *,
    user: User,
    year: int | None = None,
    status: Status | None = None,
    applicant_type: str | None = None,
    outcome: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> RequestList:
    """The register, newest first: a year's requests are those received in it or carried into it."""
    check_register_user(user)
    query = select(DisclosureRequest)
    if year is not None:
        start, end = year_bounds(year)
        query = query.where(
            DisclosureRequest.received_at < end,
            or_(
                DisclosureRequest.received_at >= start,
                DisclosureRequest.answered_at.is_(None),
                DisclosureRequest.answered_at >= start,
            ),
        )
    if status == "answered":
        query = query.where(DisclosureRequest.answered_at.is_not(None))
    elif status is not None:
        waiting = DisclosureRequest.correction_requested_at.is_not(None) & DisclosureRequest.correction_received_at.is_(
            None
        )
        query = query.where(DisclosureRequest.answered_at.is_(None), waiting if status == "paused" else ~waiting)
    if applicant_type:
        query = query.where(DisclosureRequest.applicant_type == applicant_type)
    if outcome and outcome in OUTCOMES:
        query = query.where(DisclosureRequest.outcome == outcome)
    rows = list(session.scalars(query.options(selectinload(DisclosureRequest.alert))))
    rows.sort(key=lambda e: (e.received_at, e.id), reverse=True)
    calendar = work_calendar(session)
    return RequestList(
        items=[request_out(e, calendar=calendar) for e in rows[offset : offset + limit]], total=len(rows)
    )


def rows_out(table: dict[str, dict[str, int]]) -> list[RowOut]:
    """Section 三's rows in the format's order, with their counts."""
    return [
        RowOut(
            key=row.key,
            kind=row.kind,
            label=row.label,
            group=row.group,
            item=row.item,
            values=Figures(**{c: int(table.get(row.key, {}).get(c, 0)) for c in COLUMNS}),
        )
        for row in ROWS
    ]


def report_section3(
    session: Session, *, year: int, now: datetime | None = None
) -> tuple[Section3, AnnualReport | None]:
    """Section 三 of ``year``: frozen as published, else counted now; and the year's report row."""
    report = session.get(AnnualReport, year)
    frozen = report.figures if report is not None and report.status == "published" else None
    return section3(session, year=year, table=frozen, now=now or utcnow()), report


def get_report(session: Session, *, user: User, year: int, now: datetime | None = None) -> ReportOut:
    """The annual report of ``year`` with its checks, the office's sections and the reminder, if any."""
    check_register_user(user)
    now = now or utcnow()
    counted, report = report_section3(session, year=year, now=now)
    published = report is not None and report.status == "published"
    changed = published and counted.table != section3(session, year=year, now=now).table
    if changed:
        # Not a failure of the published report: the register changed after it went out.
        counted.checks.append(Check("changed", True, "发布后登记簿有变动：以上为发布时的数字"))
    due = reminder_text(session, now=now)
    return ReportOut(
        year=year,
        status="published" if published else "draft",
        published_at=report.published_at if report else None,
        published_url=report.published_url if report else "",
        deadline=report_deadline(year),
        columns=[{"key": c, "label": COLUMN_LABELS[c]} for c in COLUMNS],
        rows=rows_out(counted.table),
        checks=[CheckOut(key=c.key, ok=c.ok, message=c.message) for c in counted.checks],
        reconciled=counted.reconciled,
        unregistered=[
            CaseGap(alert_id=a.id, title=a.title, opened_at=a.opened_at, url=f"/alerts/{a.id}")
            for a in counted.unregistered
        ],
        frozen=published,
        changed_since_publication=changed,
        forms=ReportForms.model_validate((report.forms if report else None) or {}),
        reminder=due[1] if due is not None and due[0] == year else None,
    )
