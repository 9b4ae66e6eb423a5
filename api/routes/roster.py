"""The duty roster (值班表): shifts, who is on duty now, rotations, handover notes (交接班记录)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from alerts.cases.schemas import UserRef
from alerts.roster import service as roster
from alerts.roster.schemas import HandoverIn, HandoverOut, OnDutyOut, RotationIn, ShiftIn, ShiftOut
from alerts.sla.service import work_calendar
from api.deps import CurrentUser, SessionDep, require_roles
from api.params import calendar_field
from core.bounds import CalendarDateTime, RowId
from core.errors import InvalidInput
from core.models import User
from core.timeutil import local_zone, utcnow
from core.types import Role

router = APIRouter(prefix="/roster", tags=["roster"])
COORDINATORS = (Role.duty, Role.leader, Role.admin)
MANAGERS = require_roles(Role.admin, Role.leader)


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=local_zone())


@router.get("/shifts", dependencies=[require_roles(*COORDINATORS)])
def list_shifts(
    session: SessionDep, start: CalendarDateTime | None = None, end: CalendarDateTime | None = None
) -> list[ShiftOut]:
    """Shifts overlapping [start, end) (default: from today for 14 days)."""
    start_at = _aware(start, "start") or datetime.now(local_zone()).replace(hour=0, minute=0, second=0, microsecond=0)
    end_at = _aware(end, "end") or start_at + timedelta(days=14)
    if end_at <= start_at:
        raise InvalidInput("结束时间必须晚于开始时间", details={"field": "end"})
    return [ShiftOut.model_validate(s) for s in roster.list_shifts(session, start=start_at, end=end_at)]


@router.post("/shifts", status_code=201, dependencies=[MANAGERS])
def create_shift(session: SessionDep, body: ShiftIn) -> ShiftOut:
    """Add a shift; a shift starting on a rest day is a holiday shift unless ``kind`` says otherwise."""
    with calendar_field("starts_at"):
        shift = roster.save_shift(session, calendar=work_calendar(session), **_shift_fields(body))
    session.commit()
    return ShiftOut.model_validate(shift)


def _shift_fields(body: ShiftIn) -> dict[str, Any]:
    fields = body.model_dump()
    fields["starts_at"] = _aware(body.starts_at, "starts_at")
    fields["ends_at"] = _aware(body.ends_at, "ends_at")
    return fields


@router.put("/shifts/{shift_id}", dependencies=[MANAGERS])
def update_shift(session: SessionDep, shift_id: RowId, body: ShiftIn) -> ShiftOut:
    """Change a shift."""
    with calendar_field("starts_at"):
        shift = roster.save_shift(session, shift_id=shift_id, calendar=work_calendar(session), **_shift_fields(body))
    session.commit()
    return ShiftOut.model_validate(shift)


@router.delete("/shifts/{shift_id}", status_code=204, dependencies=[MANAGERS])
def delete_shift(session: SessionDep, shift_id: RowId) -> Response:
    """Remove a shift."""
    roster.delete_shift(session, shift_id=shift_id)
    session.commit()
    return Response(status_code=204)


@router.post("/rotation", status_code=201, dependencies=[MANAGERS])
def create_rotation(session: SessionDep, body: RotationIn) -> list[ShiftOut]:
    """Daily shifts in turn from ``start``; rest days become holiday shifts with a leader in charge."""
    with calendar_field("start"):
        shifts = roster.generate_rotation(
            session,
            start=body.start,
            days=body.days,
            user_ids=body.user_ids,
            backup_user_ids=body.backup_user_ids,
            holiday_leader_ids=body.holiday_leader_ids,
            handover_at=body.handover_at,
            calendar=work_calendar(session),
        )
    session.commit()
    return [ShiftOut.model_validate(s) for s in shifts]


@router.get("/now")
def now_on_duty(session: SessionDep, user: CurrentUser, at: CalendarDateTime | None = None) -> OnDutyOut:
    """Who is on duty now (or at ``at``): the person, the backup and the leader in charge."""
    moment = _aware(at, "at") or utcnow()
    duty = roster.on_duty(session, at=moment)
    return OnDutyOut(
        at=moment,
        shift=ShiftOut.model_validate(duty.shift) if duty.shift else None,
        user=UserRef.model_validate(duty.user) if duty.user else None,
        backup=UserRef.model_validate(duty.backup) if duty.backup else None,
        leader=UserRef.model_validate(duty.leader) if duty.leader else None,
    )


@router.get("/people", dependencies=[require_roles(*COORDINATORS)])
def people(session: SessionDep) -> list[UserRef]:
    """Who can be put on the roster (duty officers, leaders, admins)."""
    users = session.scalars(
        select(User)
        .where(User.active.is_(True), User.role.in_([r.value for r in roster.ON_DUTY_ROLES]))
        .order_by(User.id)
    )
    return [UserRef.model_validate(u) for u in users]


@router.get("/handovers", dependencies=[require_roles(*COORDINATORS)])
def list_handovers(session: SessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[HandoverOut]:
    """The latest handover notes."""
    return [HandoverOut.model_validate(h) for h in roster.list_handovers(session, limit=limit)]


@router.post("/handovers", status_code=201, dependencies=[require_roles(*COORDINATORS)])
def create_handover(session: SessionDep, user: CurrentUser, body: HandoverIn) -> HandoverOut:
    """Hand over the shift: the note and the open cases at this moment are recorded."""
    handover = roster.hand_over(session, from_user=user, note=body.note, to_user_id=body.to_user_id)
    session.commit()
    return HandoverOut.model_validate(handover)


@router.post("/handovers/{handover_id}/receive", dependencies=[require_roles(*COORDINATORS)])
def receive_handover(session: SessionDep, user: CurrentUser, handover_id: RowId) -> HandoverOut:
    """The incoming officer confirms the handover (接班确认)."""
    handover = roster.receive_handover(session, handover_id=handover_id, user=user)
    session.commit()
    return HandoverOut.model_validate(handover)
