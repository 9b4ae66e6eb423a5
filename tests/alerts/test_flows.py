"""Raising alerts and the case-dependent parts of the lifecycle, on each database backend."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from alerts.cases.flows import move_post, raise_alert
from alerts.cases.intake import open_case
from alerts.cases.lifecycle import Status
from alerts.cases.models import Alert, AlertEvent, Extension
from alerts.cases.schemas import ResponseInput
from core.db import session_scope
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.models import User
from tests.alerts.helpers import ROLES, act, drive_to, events_of, status_of
from tests.factories import make_alert, make_post, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def users(seeded: str) -> dict[str, int]:
    return {name: make_user(name, role, section) for name, (role, section) in ROLES.items()}


def load(alert_id: int) -> Alert:
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        for relation in (alert.responses, alert.extensions, alert.follow_ups, alert.events, alert.links):
            list(relation)
        return alert


def test_raise_routes_by_category_and_sets_deadlines(seeded: str) -> None:
    alert_id = make_alert(category="slaughter")
    alert = load(alert_id)
    with session_scope() as session:
        alert = session.get(Alert, alert_id)  # type: ignore[assignment]
        assert alert.section is not None and alert.section.code == "quality"
        assert "屠宰管理" in alert.routing_reason
        assert alert.status == Status.new
        assert alert.ack_due is not None and alert.close_due is not None and alert.ack_due < alert.close_due
        assert [e.action for e in alert.events] == ["raise"]


def test_epidemic_cases_get_the_vet_station_as_co_handler(users: dict[str, int]) -> None:
    make_user("vet-staff", "staff", "vetstation")
    alert_id = make_alert(category="epidemic", title="村里死了好几头猪")
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None and alert.section is not None and alert.section.code == "epidemic"
        vet = session.scalar(select(User).where(User.username == "vet-staff"))
        assert vet is not None and alert.co_section_ids == [vet.section_id]
        assert "协办：兽医站" in alert.routing_reason
    # The co-handling section sees the case and logs progress, but does not run it.
    act(alert_id, "duty", "acknowledge")
    act(alert_id, "duty", "assign")
    act(alert_id, "vet-staff", "comment", note="已派兽医到现场采样")
    with pytest.raises(NotFound):
        act(alert_id, "vet-staff", "start")


def test_raise_is_idempotent_and_skips_posts_needing_no_answer(seeded: str) -> None:
    alert_id = make_alert()
    quiet = make_post(title="区里开展防疫培训", category="epidemic", needs_response=False)
    with session_scope() as session:
        post_id = session.get(Alert, alert_id).posts[0].id  # type: ignore[union-attr]
        assert raise_alert(session, post_id=post_id).id == alert_id  # type: ignore[union-attr]
        assert raise_alert(session, post_id=quiet) is None
        assert session.scalar(select(Alert).where(Alert.id != alert_id)) is None


def test_full_case_writes_an_audit_event_per_step(users: dict[str, int]) -> None:
    alert_id = make_alert()
    act(alert_id, "duty", "acknowledge")
    act(alert_id, "duty", "assign")
    act(alert_id, "staff", "start")
    act(alert_id, "staff", "respond", response=ResponseInput(content="已责令养殖场整改", channel="board_reply"))
    alert = act(alert_id, "head", "close")
    assert alert.status == Status.closed
    assert events_of(alert_id) == [
        ("raise", None, "new"),
        ("acknowledge", "new", "acknowledged"),
        ("assign", "acknowledged", "assigned"),
        ("start", "assigned", "in_progress"),
        ("respond", "in_progress", "responded"),
        ("close", "responded", "closed"),
    ]
    with session_scope() as session:
        events = session.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id))
        events_list = list(events)
        assert all(e.actor_id is not None for e in events_list[1:])
        alert = session.get(Alert, alert_id)  # type: ignore[assignment]
        # The recorded times are the audit log's times.
        assert alert.acknowledged_at == events_list[1].at and alert.closed_at == events_list[-1].at


def test_the_audit_log_cannot_be_rewritten(users: dict[str, int]) -> None:
    alert_id = make_alert()
    with pytest.raises(RuntimeError, match="append-only"), session_scope() as session:
        event = session.scalar(select(AlertEvent).where(AlertEvent.alert_id == alert_id))
        assert event is not None
        event.note = "改写"
        session.flush()


def test_required_fields_are_named(users: dict[str, int]) -> None:
    alert_id = make_alert()
    with pytest.raises(InvalidInput) as error:
        act(alert_id, "duty", "dismiss", note="  ")
    assert error.value.details == {"field": "note"}
    with pytest.raises(InvalidInput) as error:
        act(alert_id, "duty", "set_severity")
    assert error.value.details == {"field": "severity"}
    drive_to(alert_id, Status.in_progress)
    with pytest.raises(InvalidInput) as error:
        act(alert_id, "staff", "respond")
    assert error.value.details == {"field": "response"}


def test_section_staff_cannot_act_on_another_sections_alert(users: dict[str, int]) -> None:
    make_user("quality-staff", "staff", "quality")
    alert_id = make_alert(category="pollution")
    drive_to(alert_id, Status.assigned)
    with pytest.raises(NotFound):
        act(alert_id, "quality-staff", "start")


def test_significant_cases_count_as_responded_only_after_the_head_signs_off(users: dict[str, int]) -> None:
    alert_id = make_alert(severity="较大")
    drive_to(alert_id, Status.in_progress)
    act(alert_id, "staff", "respond", response=ResponseInput(content="初稿：已核实情况", channel="website"))
    alert = load(alert_id)
    assert alert.status == Status.responded and alert.responded_at is None
    assert alert.responses[0].status == "pending_sign_off"
    with pytest.raises(Conflict, match="审核签发"):
        act(alert_id, "admin", "close")
    act(alert_id, "head", "reject_response", note="请补充处理结果")
    alert = load(alert_id)
    assert alert.status == Status.in_progress and alert.responses[0].status == "rejected"
    act(
        alert_id,
        "staff",
        "respond",
        response=ResponseInput(content="已核实并责令整改，结果已公开", link="https://x.example/1"),
    )
    act(alert_id, "head", "sign_off", note="同意发布")
    alert = load(alert_id)
    assert alert.status == Status.responded
    signed = alert.responses[-1]
    assert signed.status == "published" and signed.signed_off_at == alert.responded_at
    assert events_of(alert_id)[-1] == ("sign_off", "responded", "responded")
    with pytest.raises(Conflict, match="没有等待审核"):
        act(alert_id, "head", "sign_off")


def test_closing_a_case_signs_off_the_waiting_response(users: dict[str, int]) -> None:
    alert_id = make_alert(severity="较大")
    drive_to(alert_id, Status.in_progress)
    act(alert_id, "staff", "respond", response=ResponseInput(content="已核实处理"))
    act(alert_id, "head", "close")
    assert events_of(alert_id)[-2:] == [("sign_off", "responded", "responded"), ("close", "responded", "closed")]
    assert load(alert_id).responded_at is not None


def test_a_heads_own_response_is_signed_off_at_once(users: dict[str, int]) -> None:
    alert_id = make_alert(severity="重大")
    drive_to(alert_id, Status.in_progress)
    act(alert_id, "head", "respond", response=ResponseInput(content="权威发布：已排除疫情", channel="wechat"))
    alert = load(alert_id)
    assert alert.status == Status.responded and alert.responses[0].signed_off_by_id == users["head"]


def test_ordinary_cases_need_no_sign_off(users: dict[str, int]) -> None:
    alert_id = make_alert(severity="一般")
    drive_to(alert_id, Status.in_progress)
    act(alert_id, "staff", "respond", response=ResponseInput(content="已回复"))
    assert status_of(alert_id) == Status.responded


def test_an_approved_extension_moves_the_close_deadline_on_the_working_day_calendar(users: dict[str, int]) -> None:
    alert_id = make_alert()
    drive_to(alert_id, Status.in_progress)
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        # Put the close deadline just before the 2025 National Day break to check the calendar is used.
        alert.close_due = datetime(2025, 9, 30, 17, 30, tzinfo=SHANGHAI)
    act(alert_id, "staff", "request_extension", note="需等待检测报告", extension={"amount": 3, "unit": "working_days"})
    with pytest.raises(Conflict, match="等待审批"):
        act(alert_id, "staff", "request_extension", note="再申请")
    with pytest.raises(PermissionDenied):
        act(alert_id, "staff", "approve_extension")
    act(alert_id, "head", "approve_extension", note="同意")
    alert = load(alert_id)
    # 10-09, 10-10, then Saturday 10-11 is a make-up working day.
    assert alert.close_due == datetime(2025, 10, 11, 17, 30, tzinfo=SHANGHAI)
    extension = alert.extensions[0]
    assert extension.status == "approved" and extension.old_due == datetime(2025, 9, 30, 17, 30, tzinfo=SHANGHAI)
    data = next(e.data for e in alert.events if e.action == "approve_extension")
    assert data["new_due"] == "2025-10-11T17:30:00+08:00"


def test_a_refused_extension_leaves_the_deadline_and_is_logged(users: dict[str, int]) -> None:
    alert_id = make_alert()
    drive_to(alert_id, Status.assigned)
    before = load(alert_id).close_due
    act(alert_id, "staff", "request_extension", note="人手不足")
    with pytest.raises(InvalidInput):
        act(alert_id, "head", "refuse_extension")
    act(alert_id, "head", "refuse_extension", note="理由不充分")
    alert = load(alert_id)
    assert alert.close_due == before and alert.extensions[0].status == "refused"
    assert [e.action for e in alert.events][-2:] == ["request_extension", "refuse_extension"]


def test_major_cases_need_a_leader_to_approve_an_extension(users: dict[str, int]) -> None:
    alert_id = make_alert(severity="重大")
    drive_to(alert_id, Status.in_progress)
    act(alert_id, "staff", "request_extension", note="需省级实验室复检")
    with pytest.raises(PermissionDenied, match="中心领导"):
        act(alert_id, "head", "approve_extension")
    before = load(alert_id).close_due
    act(alert_id, "leader", "approve_extension")
    assert load(alert_id).close_due == before + timedelta(hours=24)  # type: ignore[operator]


def test_an_information_request_runs_on_20_plus_20_working_days(users: dict[str, int], trained_model: str) -> None:
    make_user("office-staff", "staff", "office")
    make_user("office-head", "head", "office")
    received = datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI)
    with session_scope() as session:
        duty = session.scalar(select(User).where(User.username == "duty"))
        assert duty is not None
        alert = open_case(
            session,
            actor=duty,
            kind="info_request",
            title="申请公开2025年畜禽粪污资源化利用项目资金使用情况",
            content="本人申请公开上述项目的资金拨付明细。联系电话13800138000",
            category="conduct",
            received_at=received,
            requester={"name": "王先生", "phone": "13800138000"},
            channel="网上申请",
        )
        alert_id = alert.id
        assert alert.kind == "info_request" and alert.severity == "依申请公开"
        assert alert.section is not None and alert.section.code == "office"
        assert alert.response_due is None
        # 20 working days after Friday 26 Sep 2025: Sunday 28 Sep is worked, 1-8 Oct off, Saturday 11 Oct worked.
        assert alert.close_due == datetime(2025, 10, 30, 17, 30, tzinfo=SHANGHAI)
    act(alert_id, "duty", "acknowledge")
    act(alert_id, "duty", "assign")
    act(alert_id, "office-staff", "start")
    with pytest.raises(InvalidInput):
        act(alert_id, "duty", "set_severity", severity="重大")
    act(alert_id, "office-staff", "request_extension", note="需征求第三方意见")
    act(alert_id, "office-head", "approve_extension")
    assert load(alert_id).close_due == datetime(2025, 11, 27, 17, 30, tzinfo=SHANGHAI)
    with pytest.raises(Conflict, match="最多延期1次"):
        act(alert_id, "office-staff", "request_extension", note="再延")


def test_severity_change_recomputes_deadlines_not_yet_met(users: dict[str, int]) -> None:
    alert_id = make_alert(severity="一般")
    act(alert_id, "duty", "acknowledge")
    before = load(alert_id)
    act(alert_id, "duty", "set_severity", severity="重大", note="媒体已关注")
    after = load(alert_id)
    assert after.severity == "重大"
    assert after.ack_due == before.ack_due  # already met: left as it was
    assert after.close_due == after.opened_at + timedelta(hours=24)
    assert after.response_due == after.opened_at + timedelta(hours=5)
    data = next(e.data for e in after.events if e.action == "set_severity")
    assert data["from"] == "一般" and data["to"] == "重大"
    with pytest.raises(Conflict):
        act(alert_id, "duty", "set_severity", severity="重大")


def test_unhappy_follow_up_reopens_the_case_and_is_counted(users: dict[str, int]) -> None:
    alert_id = make_alert()
    drive_to(alert_id, Status.closed)
    act(alert_id, "duty", "follow_up", satisfaction="基本满意", method="phone")
    assert status_of(alert_id) == Status.closed
    act(alert_id, "duty", "follow_up", satisfaction="不满意", note="气味依旧", method="in_person")
    alert = load(alert_id)
    assert alert.status == Status.in_progress and alert.reopen_count == 1 and alert.satisfaction == "不满意"
    assert alert.closed_at is None and alert.responded_at is None
    assert alert.clock_started_at is not None and alert.close_due is not None
    assert alert.close_due > alert.clock_started_at
    assert events_of(alert_id)[-2:] == [("follow_up", "closed", "closed"), ("reopen", "closed", "in_progress")]
    reopen = alert.events[-1]
    assert reopen.data["cause"] == "dissatisfied" and "发回重办" in reopen.note
    assert [f.reopened for f in alert.follow_ups] == [False, True]


def test_escalation_is_a_flag_not_a_state(users: dict[str, int]) -> None:
    alert_id = make_alert()
    drive_to(alert_id, Status.assigned)
    act(alert_id, "leader", "escalate", note="请于今日内回应")
    alert = load(alert_id)
    assert alert.status == Status.assigned and alert.escalated and alert.escalated_at is not None
    act(alert_id, "leader", "clear_escalation")
    assert not load(alert_id).escalated


def test_merge_moves_the_posts_and_logs_both_sides(users: dict[str, int]) -> None:
    keep = make_alert(title="石桥镇养猪场污水直排")
    fold = make_alert(title="石桥镇养猪场污水又排了")
    act(fold, "duty", "merge", target_alert_id=keep, note="同一养殖场")
    kept, folded = load(keep), load(fold)
    assert folded.status == Status.merged and folded.merged_into_id == keep and folded.post_count == 0
    assert kept.post_count == 2 and kept.heat > 1
    assert [e.action for e in kept.events][-1] == "merge_in"
    with pytest.raises(Conflict):
        act(keep, "duty", "merge", target_alert_id=fold, note="反向")


def test_a_post_moves_to_another_alert_or_out_into_a_new_one(users: dict[str, int]) -> None:
    first = make_alert(title="柳河镇养鸡场鸡粪乱堆")
    second = make_alert(title="白沙镇屠宰点夜间私宰", category="slaughter")
    with pytest.raises(Conflict, match="唯一"), session_scope() as session:
        alert = session.get(Alert, first)
        actor = session.scalar(select(User).where(User.username == "duty"))
        assert alert is not None and actor is not None
        move_post(session, alert=alert, post_id=alert.links[0].post_id, actor=actor, to_alert_id=second)
    act(second, "duty", "merge", target_alert_id=first)
    with session_scope() as session:
        alert = session.get(Alert, first)
        actor = session.scalar(select(User).where(User.username == "duty"))
        staff = session.scalar(select(User).where(User.username == "staff"))
        assert alert is not None and actor is not None and staff is not None
        moved = alert.links[1].post_id
        with pytest.raises(PermissionDenied):
            move_post(session, alert=alert, post_id=moved, actor=staff)
        new = move_post(session, alert=alert, post_id=moved, actor=actor, note="不是同一事项")
        new_id = new.id
        assert new.section is not None and new.section.code == "quality"
    assert load(first).post_count == 1 and load(new_id).post_count == 1
    assert events_of(first)[-1] == ("post_out", "new", "new")
    assert load(new_id).links[0].reason == f"由预警 {first} 移出"


def test_extensions_are_kept_through_a_severity_change(users: dict[str, int]) -> None:
    alert_id = make_alert()
    drive_to(alert_id, Status.in_progress)
    act(alert_id, "staff", "request_extension", note="等检测", extension={"amount": 2, "unit": "hours"})
    act(alert_id, "head", "approve_extension")
    act(alert_id, "duty", "set_severity", severity="重大")
    alert = load(alert_id)
    assert alert.close_due == alert.opened_at + timedelta(hours=26)
    with session_scope() as session:
        assert session.scalar(select(Extension.status)) == "approved"
