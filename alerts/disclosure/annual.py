"""The annual report's writes: the sections the office fills in, its publication, and the reminders to publish."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.disclosure.models import AnnualReport, ReportReminder
from alerts.disclosure.report import reminder_text, report_deadline, section3, year_bounds
from alerts.disclosure.rules import aware
from alerts.disclosure.schemas import PublicationIn, ReportFormsIn
from alerts.disclosure.service import REGISTER_SECTION, check_register_user
from alerts.notify.rules import role_users
from alerts.notify.service import notify_people
from core.errors import Conflict, InvalidInput, PermissionDenied
from core.models import User
from core.privacy import keep_unmasked_value
from core.timeutil import to_local, utcnow
from core.types import Role

# Reminders wait for the office to open.
REMIND_AFTER = time(8, 30)


def _report_row(session: Session, year: int) -> AnnualReport:
    if not 2000 <= year <= 2100:
        raise InvalidInput("年度应在 2000—2100 之间", details={"field": "year"})
    report = session.get(AnnualReport, year)
    if report is None:
        report = AnnualReport(year=year, forms={})
        session.add(report)
        session.flush()
    return report


def save_forms(session: Session, *, actor: User, year: int, forms: ReportFormsIn) -> AnnualReport:
    """Keep the sections the office writes for ``year`` (not once the report is published)."""
    check_register_user(actor)
    report = _report_row(session, year)
    if report.status == "published":
        raise Conflict(f"{year}年度报告已发布，不能再修改")
    # The form shows the stored text masked (a phone number of the office): untouched, it keeps the original.
    report.forms = keep_unmasked_value(forms.model_dump(mode="json"), of=report.forms or {})
    report.updated_by_id = actor.id
    session.flush()
    return report


PUBLISHERS = (Role.admin, Role.leader, Role.head)


def publish_report(session: Session, *, actor: User, year: int, data: PublicationIn) -> AnnualReport:
    """Mark ``year``'s report published, freezing section 三; refused while it does not reconcile."""
    check_register_user(actor)
    if actor.role not in PUBLISHERS:
        raise PermissionDenied("年度报告由办公室负责人、中心领导或管理员确认发布")
    report = _report_row(session, year)
    if report.status == "published":
        raise Conflict(f"{year}年度报告已标记发布")
    now = utcnow()
    counted = section3(session, year=year, now=now)
    failed = [check.message for check in counted.checks if not check.ok]
    if failed:
        raise Conflict(f"{year}年度报告未核对一致，不能发布：" + "；".join(failed), details={"checks": failed})
    published_at = aware(data.published_at) or now
    if published_at > now or published_at < year_bounds(year)[1]:
        raise InvalidInput("发布时间应在年度结束之后、不晚于现在", details={"field": "published_at"})
    report.status, report.published_at, report.published_url = "published", published_at, data.url.strip()
    report.published_by_id = actor.id
    report.figures = counted.table
    session.flush()
    return report


def send_report_reminders(session: Session, *, now: datetime | None = None) -> int:
    """Once a day from 1 January, remind the office's heads, leadership and admins of an unpublished report.

    The first day it applies, then Mondays, then every day of the last week before 31 January and after it.
    """
    now = now or utcnow()
    due = reminder_text(session, now=now)
    local = to_local(now)
    assert local is not None
    if due is None or local.time() < REMIND_AFTER:
        return 0
    year, words = due
    today = local.date()
    sent = session.scalars(select(ReportReminder.day).where(ReportReminder.year == year)).all()
    if today in sent:
        return 0
    left = (report_deadline(year) - today).days
    if sent and today.weekday() != 0 and left > 7:
        return 0
    people = [
        *role_users(session, Role.leader),
        *role_users(session, Role.admin),
        *(user for user in role_users(session, Role.head) if user.section and user.section.code == REGISTER_SECTION),
    ]
    note = notify_people(
        session,
        kind="disclosure.report_due",
        title=f"【年报提醒】{year}年政府信息公开工作年度报告",
        body=f"{words}。请在「依申请公开 → 年度报告」核对第三部分数据并标记发布：/disclosure/reports/{year}",
        users=people,
        data={"year": year, "url": f"/disclosure/reports/{year}"},
    )
    session.add(ReportReminder(year=year, day=today, sent_at=now, notification_id=note.id if note else None))
    session.flush()
    return 1
