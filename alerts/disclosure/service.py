"""The register's writes: entering a request (its case opened or linked), its steps, corrections.

The only writer of the register's tables. A step of a request that has a live case moves the case's clock
through the deadline functions (``alerts.sla.deadlines``): asking for a correction stops it, receiving the
correction starts the 20 working days again from that day, an extension adds the policy's extension.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.cases.audit import record_event
from alerts.cases.intake import open_case
from alerts.cases.models import Alert
from alerts.disclosure.casework import apply_step
from alerts.disclosure.format import (
    APPLICANT_TYPES,
    RECEIVED_VIA,
    code_of,
)
from alerts.disclosure.imports import columns_for, read_table, row_fields
from alerts.disclosure.models import DisclosureRequest
from alerts.disclosure.rules import Dates, aware, check_outcome
from alerts.disclosure.schemas import (
    ImportOut,
    RegisterFields,
    RequestIn,
    RequestUpdate,
    RowError,
    StepIn,
)
from core.errors import Conflict, InvalidInput, MuqingError, NotFound, PermissionDenied
from core.models import User
from core.privacy import keep_unmasked
from core.timeutil import to_local, utcnow
from core.types import Role
from core.validation import parse_as

# The section that keeps the register (政府信息公开工作机构); coordinators and leadership use it too.
REGISTER_SECTION = "office"
REGISTER_ROLES = (Role.admin, Role.leader, Role.duty)


def may_use_register(user: User) -> bool:
    """Coordinators, leadership and the office's own people keep and read the register."""
    if user.role in REGISTER_ROLES:
        return True
    return user.role in (Role.head, Role.staff) and user.section is not None and user.section.code == REGISTER_SECTION


def check_register_user(user: User) -> None:
    """Refuse anyone who does not keep the register."""
    if not may_use_register(user):
        raise PermissionDenied("依申请公开登记由办公室、值班员、中心领导和管理员办理")


def _next_serial(session: Session, year: int) -> str:
    prefix = f"{year}-"
    last = session.scalar(select(func.max(DisclosureRequest.serial)).where(DisclosureRequest.serial.startswith(prefix)))
    number = int(last.split("-")[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _fields(data: RegisterFields) -> dict[str, str]:
    return {
        "applicant_type": code_of(data.applicant_type, APPLICANT_TYPES, field="applicant_type", what="申请人类型"),
        "received_via": code_of(data.received_via, RECEIVED_VIA, field="received_via", what="收到申请方式"),
    }


def register_request(session: Session, *, actor: User, data: RequestIn) -> DisclosureRequest:
    """Enter a request; a new one not yet answered gets its case (its clock), one already answered does not."""
    check_register_user(actor)
    if data.alert_id is not None:
        alert = session.get(Alert, data.alert_id)
        if alert is None or alert.kind != "info_request":
            raise InvalidInput(f"预警 {data.alert_id} 不是依申请公开案件", details={"field": "alert_id"})
        return register_case(session, actor=actor, alert=alert, fields=data, steps=data)
    codes = _fields(data)
    information = data.information.strip()
    name = data.applicant_name.strip()
    if not information:
        raise InvalidInput("请填写申请公开的政府信息", details={"field": "information"})
    if not name:
        raise InvalidInput("请填写申请人姓名或名称", details={"field": "applicant_name"})
    now = utcnow()
    dates = _dates(data, received_at=aware(data.received_at) or now)
    dates.check(now=now)
    outcome, reason = check_outcome(dates, data.outcome, data.reason)
    local = to_local(dates.received_at)
    assert local is not None
    entry = DisclosureRequest(
        serial=_next_serial(session, local.year),
        title=data.title.strip() or information[:60],
        information=information,
        applicant_name=name,
        applicant_contact=data.applicant_contact.strip(),
        received_at=dates.received_at,
        outcome=outcome,
        reason=reason,
        answer_note=data.answer_note.strip(),
        created_by_id=actor.id,
        **codes,
    )
    if dates.answered_at is None:
        entry.alert = _open_case(session, actor=actor, entry=entry, section_id=data.section_id)
    session.add(entry)
    session.flush()
    _apply_steps(session, actor=actor, entry=entry, dates=dates)
    return entry


def _dates(data: RequestIn, *, received_at: datetime) -> Dates:
    return Dates(
        received_at=received_at,
        correction_requested_at=aware(data.correction_requested_at),
        correction_received_at=aware(data.correction_received_at),
        extended_at=aware(data.extended_at),
        answered_at=aware(data.answered_at),
    )


def _open_case(session: Session, *, actor: User, entry: DisclosureRequest, section_id: int | None) -> Alert:
    # The register's serial and the applicant lead the case's text: two requests asking the same thing (a
    # repeated application) stay two cases.
    text = f"依申请公开登记 {entry.serial}\n申请人：{entry.applicant_name}\n申请公开的政府信息：{entry.information}"
    return open_case(
        session,
        actor=actor,
        kind="info_request",
        title=f"【依申请公开】{entry.title}"[:120],
        content=text,
        category="conduct",
        received_at=entry.received_at,
        requester={"name": entry.applicant_name, "contact": entry.applicant_contact},
        channel=RECEIVED_VIA[entry.received_via],
        section_id=section_id,
    )


def register_case(
    session: Session, *, actor: User, alert: Alert, fields: RegisterFields, steps: RequestIn | None = None
) -> DisclosureRequest:
    """The register entry of an information-request case opened through the case intake."""
    if alert.kind != "info_request":
        raise InvalidInput("只有依申请公开案件（kind: info_request）登记 disclosure", details={"field": "disclosure"})
    check_register_user(actor)
    if session.scalar(select(DisclosureRequest).where(DisclosureRequest.alert_id == alert.id)) is not None:
        raise Conflict(f"预警 {alert.id} 已经登记")
    requester = (alert.details or {}).get("requester") or {}
    first_post = alert.posts[0] if alert.posts else None
    information = fields.information.strip() or (first_post.content if first_post else alert.title)
    name = fields.applicant_name.strip() or str(requester.get("name") or "").strip()
    if not name:
        raise InvalidInput("请填写申请人姓名或名称", details={"field": "applicant_name"})
    received = alert.opened_at
    if steps is not None and steps.received_at is not None:
        given = aware(steps.received_at)
        if given is not None and abs((given - received).total_seconds()) > 60:
            raise InvalidInput("已有案件的收到时间以案件为准", details={"field": "received_at"})
    dates = _dates(steps, received_at=received) if steps is not None else Dates(received_at=received)
    dates.check(now=utcnow())
    outcome, reason = check_outcome(dates, steps.outcome if steps else None, steps.reason if steps else None)
    local = to_local(received)
    assert local is not None
    contact = fields.applicant_contact.strip() or str(requester.get("phone") or requester.get("contact") or "")
    entry = DisclosureRequest(
        serial=_next_serial(session, local.year),
        alert=alert,
        title=(steps.title.strip() if steps else "") or alert.title,
        information=information,
        applicant_name=name,
        applicant_contact=contact,
        received_at=received,
        outcome=outcome,
        reason=reason,
        answer_note=steps.answer_note.strip() if steps else "",
        created_by_id=actor.id,
        **_fields(fields),
    )
    session.add(entry)
    session.flush()
    record_event(
        session,
        alert=alert,
        action="disclosure_registered",
        actor=actor,
        from_status=alert.status,
        to_status=alert.status,
        note=f"依申请公开登记 {entry.serial}",
        data={"request_id": entry.id, "serial": entry.serial},
    )
    _apply_steps(session, actor=actor, entry=entry, dates=dates)
    return entry


STEP_FIELDS = {
    "correction_requested": "correction_requested_at",
    "correction_received": "correction_received_at",
    "extension": "extended_at",
    "answer": "answered_at",
}


def _step(session: Session, *, actor: User, entry: DisclosureRequest, step: str, at: datetime, note: str) -> None:
    setattr(entry, STEP_FIELDS[step], at)
    apply_step(session, actor=actor, entry=entry, step=step, at=at, note=note)


def _apply_steps(session: Session, *, actor: User, entry: DisclosureRequest, dates: Dates) -> None:
    """Steps given when entering a request, applied in order (each moving a live case's clock)."""
    for step, at in (
        ("correction_requested", dates.correction_requested_at),
        ("correction_received", dates.correction_received_at),
        ("extension", dates.extended_at),
        ("answer", dates.answered_at),
    ):
        if at is not None:
            _step(session, actor=actor, entry=entry, step=step, at=at, note="登记时录入")


def get_request(session: Session, *, user: User, request_id: int) -> DisclosureRequest:
    """A register entry (for those who keep the register)."""
    check_register_user(user)
    entry = session.get(DisclosureRequest, request_id)
    if entry is None:
        raise NotFound(f"依申请公开登记 {request_id} 不存在")
    return entry


def update_request(session: Session, *, actor: User, request_id: int, data: RequestUpdate) -> DisclosureRequest:
    """Correct what was registered about a request (who, how, what); noted on its case."""
    entry = get_request(session, user=actor, request_id=request_id)
    changes: dict[str, Any] = {}
    if data.applicant_type is not None:
        changes["applicant_type"] = code_of(
            data.applicant_type, APPLICANT_TYPES, field="applicant_type", what="申请人类型"
        )
    if data.received_via is not None:
        changes["received_via"] = code_of(data.received_via, RECEIVED_VIA, field="received_via", what="收到申请方式")
    for name in ("title", "information", "applicant_name", "applicant_contact"):
        value = getattr(data, name)
        if value is None:
            continue
        if name in ("information", "applicant_name") and not value.strip():
            raise InvalidInput("该项不能为空", details={"field": name})
        # The form shows stored values masked (core.privacy): what comes back untouched keeps the original.
        changes[name] = keep_unmasked(value.strip(), of=getattr(entry, name))
    changed = {name: value for name, value in changes.items() if getattr(entry, name) != value}
    for name, value in changed.items():
        setattr(entry, name, value)
    if changed and entry.alert is not None:
        record_event(
            session,
            alert=entry.alert,
            action="disclosure_corrected",
            actor=actor,
            from_status=entry.alert.status,
            to_status=entry.alert.status,
            note="更正依申请公开登记：" + "、".join(sorted(changed)),
            data={"request_id": entry.id, "fields": sorted(changed)},
            notify=False,
        )
    session.flush()
    return entry


def record_step(session: Session, *, actor: User, request_id: int, step: StepIn) -> DisclosureRequest:
    """One step of a request, checked against the steps before it."""
    entry = get_request(session, user=actor, request_id=request_id)
    at = aware(step.at) or utcnow()
    dates = Dates(
        received_at=entry.received_at,
        correction_requested_at=entry.correction_requested_at,
        correction_received_at=entry.correction_received_at,
        extended_at=entry.extended_at,
        answered_at=entry.answered_at,
    )
    if step.step != "answer" and entry.answered_at is not None:
        raise Conflict("该申请已经答复")
    if step.step == "correction_requested" and entry.correction_requested_at is not None:
        raise Conflict("补正应一次性告知，该申请已告知过补正")
    if step.step == "correction_received" and entry.correction_received_at is not None:
        raise Conflict("该申请已收到补正")
    if step.step == "extension" and entry.extended_at is not None:
        raise Conflict("该申请已延期，延长的期限最长不超过20个工作日")
    setattr(dates, STEP_FIELDS[step.step], at)
    dates.check(now=utcnow())
    if step.step == "answer":
        entry.outcome, entry.reason = check_outcome(dates, step.outcome, step.reason)
        entry.answer_note = step.note.strip()
    elif step.outcome or step.reason:
        raise InvalidInput("只有答复登记填写办理结果", details={"field": "outcome"})
    _step(session, actor=actor, entry=entry, step=step.step, at=at, note=step.note.strip())
    session.flush()
    return entry


def import_requests(
    session: Session, *, actor: User, data: bytes, filename: str, mapping: Mapping[str, str] | None = None
) -> ImportOut:
    """Enter each good row of a register file as a request; a bad row is skipped and listed (nothing lost)."""
    check_register_user(actor)
    columns = columns_for(mapping)
    result = ImportOut()
    for number, cells in read_table(data, filename=filename):
        savepoint = session.begin_nested()
        try:
            entry = register_request(session, actor=actor, data=parse_as(RequestIn, row_fields(cells, columns)))
        except MuqingError as exc:
            savepoint.rollback()
            result.errors.append(RowError(row=number, field=exc.details.get("field"), reason=exc.message))
            continue
        savepoint.commit()
        result.imported += 1
        result.request_ids.append(entry.id)
    return result
