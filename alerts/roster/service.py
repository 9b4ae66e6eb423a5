"""The duty roster (值班表): shifts with a person and a backup, holiday shifts, handovers, who is on duty now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from alerts.cases.lifecycle import OPEN_STATUSES
from alerts.cases.models import Alert
from alerts.roster.models import DutyShift, Handover
from alerts.sla.calendar import WorkCalendar
from core.errors import Conflict, InvalidInput, NotFound
from core.models import User
from core.timeutil import utcnow
from core.types import Role

ON_DUTY_ROLES = frozenset({Role.duty, Role.leader, Role.admin})


@dataclass(frozen=True, slots=True)
class OnDuty:
    """Who is on duty at a moment: the shift, the person, the backup, the leader in charge."""

    shift: DutyShift | None
    user: User | None
    backup: User | None
    leader: User | None


def _user(session: Session, user_id: int | None, field: str, *, roles: frozenset[Role] = ON_DUTY_ROLES) -> User | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise InvalidInput(f"用户 {user_id} 不存在或已停用", details={"field": field})
    if user.role not in roles:
        raise InvalidInput(f"{user.display_name} 不能排班（角色为 {user.role}）", details={"field": field})
    return user


def _check_span(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("班次时间必须带时区", details={"field": "starts_at"})
    if ends_at <= starts_at:
        raise InvalidInput("班次结束时间必须晚于开始时间", details={"field": "ends_at"})
    if ends_at - starts_at > timedelta(days=7):
        raise InvalidInput("一个班次不能超过7天", details={"field": "ends_at"})


def save_shift(
    session: Session,
    *,
    shift_id: int | None = None,
    starts_at: datetime,
    ends_at: datetime,
    user_id: int,
    backup_user_id: int | None = None,
    leader_id: int | None = None,
    kind: str | None = None,
    note: str = "",
    calendar: WorkCalendar | None = None,
) -> DutyShift:
    """Create or update a shift; ``kind`` defaults to ``holiday`` when the shift starts on a rest day."""
    _check_span(starts_at, ends_at)
    user = _user(session, user_id, "user_id")
    backup = _user(session, backup_user_id, "backup_user_id")
    leader = _user(session, leader_id, "leader_id", roles=frozenset({Role.leader, Role.admin}))
    if backup is not None and user is not None and backup.id == user.id:
        raise InvalidInput("值班员和备班人员不能是同一人", details={"field": "backup_user_id"})
    if kind is None:
        rest_day = calendar is not None and not calendar.is_workday(starts_at.astimezone(calendar.zone).date())
        kind = "holiday" if rest_day else "regular"
    if kind not in ("regular", "holiday"):
        raise InvalidInput("班次类型应为 regular 或 holiday", details={"field": "kind"})
    if shift_id is None:
        shift = DutyShift()
        session.add(shift)
    else:
        found = session.get(DutyShift, shift_id)
        if found is None:
            raise NotFound(f"班次 {shift_id} 不存在")
        shift = found
    shift.starts_at, shift.ends_at = starts_at, ends_at
    shift.user, shift.backup_user, shift.leader = user, backup, leader  # type: ignore[assignment]
    shift.kind, shift.note = kind, note
    session.flush()
    return shift


def delete_shift(session: Session, *, shift_id: int) -> None:
    """Remove a shift."""
    shift = session.get(DutyShift, shift_id)
    if shift is None:
        raise NotFound(f"班次 {shift_id} 不存在")
    session.delete(shift)
    session.flush()


def list_shifts(session: Session, *, start: datetime, end: datetime) -> list[DutyShift]:
    """Shifts overlapping [start, end), in order."""
    return list(
        session.scalars(
            select(DutyShift)
            .where(DutyShift.starts_at < end, DutyShift.ends_at > start)
            .options(selectinload(DutyShift.user), selectinload(DutyShift.backup_user), selectinload(DutyShift.leader))
            .order_by(DutyShift.starts_at, DutyShift.id)
        )
    )


def on_duty(session: Session, *, at: datetime | None = None) -> OnDuty:
    """Who is on duty at ``at`` (now by default); the most recently started covering shift wins."""
    at = at or utcnow()
    shift = session.scalar(
        select(DutyShift)
        .where(DutyShift.starts_at <= at, DutyShift.ends_at > at)
        .order_by(DutyShift.starts_at.desc(), DutyShift.id.desc())
        .limit(1)
    )
    if shift is None:
        return OnDuty(shift=None, user=None, backup=None, leader=None)
    user = shift.user if shift.user.active else None
    backup = shift.backup_user if shift.backup_user is not None and shift.backup_user.active else None
    return OnDuty(shift=shift, user=user or backup, backup=backup if user else None, leader=shift.leader)


def generate_rotation(
    session: Session,
    *,
    start: date,
    days: int,
    user_ids: list[int],
    handover_at: time,
    calendar: WorkCalendar,
    backup_user_ids: list[int] | None = None,
    holiday_leader_ids: list[int] | None = None,
) -> list[DutyShift]:
    """Daily 24-hour shifts from ``start``, people taking turns; rest days become holiday shifts with a leader."""
    if not user_ids:
        raise InvalidInput("请至少指定一名值班员", details={"field": "user_ids"})
    if not 1 <= days <= 366:
        raise InvalidInput("天数应在1到366之间", details={"field": "days"})
    backups = backup_user_ids or []
    leaders = holiday_leader_ids or []
    shifts: list[DutyShift] = []
    holiday_count = 0
    for offset in range(days):
        day = start + timedelta(days=offset)
        starts_at = datetime.combine(day, handover_at, tzinfo=calendar.zone)
        ends_at = starts_at + timedelta(days=1)
        overlapping = session.scalar(
            select(DutyShift.id).where(DutyShift.starts_at < ends_at, DutyShift.ends_at > starts_at).limit(1)
        )
        if overlapping is not None:
            raise Conflict(
                f"{day.isoformat()} 已有班次（{overlapping}），请先删除或调整", details={"shift_id": overlapping}
            )
        user_id = user_ids[offset % len(user_ids)]
        backup_id = backups[offset % len(backups)] if backups else None
        if backup_id == user_id:
            backup_id = backups[(offset + 1) % len(backups)] if len(backups) > 1 else None
        holiday = not calendar.is_workday(day)
        leader_id = None
        if holiday and leaders:
            leader_id = leaders[holiday_count % len(leaders)]
            holiday_count += 1
        shifts.append(
            save_shift(
                session,
                starts_at=starts_at,
                ends_at=ends_at,
                user_id=user_id,
                backup_user_id=backup_id,
                leader_id=leader_id,
                kind="holiday" if holiday else "regular",
                note=calendar.describe_day(day)[1] if holiday else "",
            )
        )
    return shifts


def hand_over(
    session: Session, *, from_user: User, note: str, to_user_id: int | None = None, at: datetime | None = None
) -> Handover:
    """Record a handover note with the open cases at this moment; the incoming officer defaults to the next shift."""
    if not note.strip():
        raise InvalidInput("交接班记录不能为空", details={"field": "note"})
    at = at or utcnow()
    current = on_duty(session, at=at)
    if to_user_id is None:
        upcoming = session.scalar(
            select(DutyShift).where(DutyShift.starts_at > at).order_by(DutyShift.starts_at, DutyShift.id).limit(1)
        )
        to_user_id = upcoming.user_id if upcoming is not None else None
    to_user = _user(session, to_user_id, "to_user_id")
    open_ids = list(
        session.scalars(select(Alert.id).where(Alert.status.in_([s.value for s in OPEN_STATUSES])).order_by(Alert.id))
    )
    handover = Handover(
        at=at,
        shift_id=current.shift.id if current.shift else None,
        from_user=from_user,
        to_user=to_user,
        note=note.strip(),
        open_alert_ids=open_ids,
    )
    session.add(handover)
    session.flush()
    return handover


def receive_handover(session: Session, *, handover_id: int, user: User) -> Handover:
    """The incoming officer confirms the handover (接班确认)."""
    handover = session.get(Handover, handover_id)
    if handover is None:
        raise NotFound(f"交接记录 {handover_id} 不存在")
    if handover.to_user_id not in (None, user.id) and user.role != Role.admin:
        raise Conflict("只有接班人可以确认这条交接记录")
    if handover.received_at is not None:
        raise Conflict("这条交接记录已确认")
    handover.received_at = utcnow()
    handover.to_user_id = handover.to_user_id or user.id
    session.flush()
    return handover


def list_handovers(session: Session, *, limit: int = 50) -> list[Handover]:
    """The latest handover notes."""
    return list(
        session.scalars(
            select(Handover)
            .options(selectinload(Handover.from_user), selectinload(Handover.to_user))
            .order_by(Handover.at.desc(), Handover.id.desc())
            .limit(limit)
        )
    )


# One wording for "nobody is on the roster", shown by the console, the roster page and the notifications.
NO_ROSTER_TEXT = "现在没有排班：新预警通知全部值班员，由签收的人担任该预警的值班员。"


def duty_text(duty: OnDuty) -> str:
    """Who is on duty, in one line; the no-roster wording when nobody is."""
    if duty.user is None:
        return NO_ROSTER_TEXT
    extra = f"（备班 {duty.backup.display_name}）" if duty.backup else ""
    return f"当前值班：{duty.user.display_name}{extra}"


def duty_for_sign_for(session: Session, *, actor: User, at: datetime | None = None) -> User | None:
    """The officer a case raised with nobody on duty gets when it is signed for: the signer, else who is on duty now."""
    if actor.role in ON_DUTY_ROLES:
        return actor
    return on_duty(session, at=at).user


def cover_now(
    session: Session,
    *,
    user_ids: list[int],
    calendar: WorkCalendar,
    days: int = 7,
    handover_at: time = time(8, 30),
    holiday_leader_ids: list[int] | None = None,
    at: datetime | None = None,
) -> list[DutyShift]:
    """A rotation from the shift that covers ``at`` (now) onwards, unless a shift covers it already.

    Stops before the first shift already on the roster, so nothing an admin planned is touched.
    """
    at = at or utcnow()
    if on_duty(session, at=at).shift is not None:
        return []
    local = at.astimezone(calendar.zone)
    start = local.date() if local.time() >= handover_at else local.date() - timedelta(days=1)
    first = datetime.combine(start, handover_at, tzinfo=calendar.zone)
    planned = session.scalar(select(DutyShift.starts_at).where(DutyShift.ends_at > first).order_by(DutyShift.starts_at))
    if planned is not None and planned < first + timedelta(days=1):
        # The admin's next shift starts within the day: fill only the gap up to it.
        return [save_shift(session, starts_at=first, ends_at=planned, user_id=user_ids[0], calendar=calendar)]
    if planned is not None:
        days = min(days, (planned - first) // timedelta(days=1))
    return generate_rotation(
        session,
        start=start,
        days=days,
        user_ids=user_ids,
        handover_at=handover_at,
        calendar=calendar,
        holiday_leader_ids=holiday_leader_ids,
    )
