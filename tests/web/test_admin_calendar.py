"""Admin: the duty roster calendar, the holiday years of the working-day calendar, try-a-text deadlines."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from fastapi.testclient import TestClient

from tests.factories import make_user
from tests.web.helpers import csrf_of, post_form, sign_in

pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


def _user_id(username: str) -> int:
    from tests.factories import get_user

    return get_user(username).id


def test_a_shift_assigned_shows_on_the_calendar(client: TestClient, people: None) -> None:
    make_user("admin", "admin")
    make_user("duty2", "duty")
    sign_in(client, "admin")
    page = client.get("/admin/roster?month=2025-10")
    assert page.status_code == 200 and "2025年10月值班表" in page.text
    assert "国庆节" in page.text  # holidays marked from the working-day calendar
    response = post_form(
        client,
        "/admin/roster",
        {
            "day": "2025-10-01",
            "start_time": "08:30",
            "hours": "24",
            "user_id": str(_user_id("duty")),
            "backup_user_id": str(_user_id("duty2")),
            "leader_id": str(_user_id("leader")),
        },
        page="/admin/roster?month=2025-10",
    )
    text = response.text  # type: ignore[attr-defined]
    assert "已保存" in text
    cell = text.split('data-day="2025-10-01"')[1].split("</td>")[0]
    assert "shift holiday" in cell and "08:30起 24小时" in cell and "备班" in cell and "带班" in cell

    from datetime import datetime

    from alerts.roster.service import on_duty
    from core.db import session_scope
    from core.timeutil import local_zone

    with session_scope() as session:
        who = on_duty(session, at=datetime(2025, 10, 1, 12, 0, tzinfo=local_zone()))
        assert who.user is not None and who.user.username == "duty"

    same_person = post_form(
        client,
        "/admin/roster",
        {"day": "2025-10-02", "user_id": str(_user_id("duty")), "backup_user_id": str(_user_id("duty"))},
        page="/admin/roster?month=2025-10",
    )
    assert "值班员和备班人员不能是同一人" in same_person.text  # type: ignore[attr-defined]


def test_a_rotation_fills_the_month_and_a_leader_cannot_edit_it(client: TestClient, people: None) -> None:
    make_user("admin", "admin")
    sign_in(client, "admin")
    response = post_form(
        client,
        "/admin/roster/rotation",
        {"start": "2025-10-06", "days": "3", "handover_at": "09:00", "user_ids": [str(_user_id("duty"))]},
        page="/admin/roster?month=2025-10",
    )
    text = response.text  # type: ignore[attr-defined]
    for day in ("2025-10-06", "2025-10-07", "2025-10-08"):
        assert "09:00起" in text.split(f'data-day="{day}"')[1].split("</td>")[0]
    assert "09:00起" not in text.split('data-day="2025-10-09"')[1].split("</td>")[0]
    client.cookies.clear()
    sign_in(client, "leader")
    assert client.get("/admin/roster").status_code == 403


@time_machine.travel(datetime(2026, 12, 28, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_admin_enters_a_year_the_calendar_does_not_cover(client: TestClient, people: None) -> None:
    from alerts.sla.holidays import library_covers

    year = next(y for y in range(2027, 2100) if not library_covers(y))  # not today's: the installed library's
    make_user("admin", "admin")
    sign_in(client, "admin")
    page = client.get("/admin/holidays")
    assert page.status_code == 200 and "暂定（官方安排未录入）" in page.text
    bad = client.post(
        "/admin/holidays",
        data={"year": str(year), "days": f"{year}-10-01 放个假", "csrf": csrf_of(page.text)},
    )
    assert bad.status_code == 400 and "第 1 行无法识别" in bad.text
    saved = post_form(
        client,
        "/admin/holidays",
        {
            "year": str(year),
            "days": f"{year}-10-01~{year}-10-07 休 国庆节\n{year}-10-10 班 国庆节调休",
            "notice": "国办发明电〔示例〕",
        },
        page=f"/admin/holidays?year={year}",
    )
    text = saved.text  # type: ignore[attr-defined]
    assert "已保存" in text and "管理员录入" in text
    assert f"{year}-10-01~{year}-10-07 休 国庆节" in text and "调休上班" in text

    from alerts.sla.service import work_calendar
    from core.db import session_scope

    with session_scope() as session:
        calendar = work_calendar(session)
        assert not calendar.is_workday(date(year, 10, 3)) and calendar.is_workday(date(year, 10, 10))


def test_try_a_text_shows_the_deadlines_it_would_get(client: TestClient, people: None, trained_model: str) -> None:
    make_user("admin", "admin")
    sign_in(client, "admin")
    response = post_form(
        client,
        "/admin/routing/try",
        {"text": "柳河镇有一家养猪场天天往河里排粪水，臭得不行，请畜牧部门管一管"},
        page="/admin/routing",
    )
    text = response.text  # type: ignore[attr-defined]
    assert "规则「养殖污染」" in text and "若现在生成预警，时限：</strong>签收 " in text and "；办结 " in text


def test_sla_trial_explains_the_national_day_example(client: TestClient, people: None) -> None:
    make_user("admin", "admin")
    sign_in(client, "admin")
    page = client.get("/admin/sla", params={"severity": "一般", "start": "2025-09-30T16:00"})
    assert page.status_code == 200
    trial = page.text.split('class="trial"')[1].split("</div>")[0]
    assert "签收</strong>（1个工作日）：2025-10-09 17:30" in trial
    assert "办结</strong>（5个工作日）：2025-10-14 17:30" in trial
    assert "2025-10-01 跳过：国庆节假期" in trial and "2025-10-11 计入：国庆节调休上班" in trial
    held = client.get("/admin/sla", params={"severity": "较大", "start": "2025-09-30T16:00"}).text
    assert "按政策应为 2025-10-01 16:00，早于签收时限" in held.split('class="trial"')[1]
    provisional = client.get("/admin/sla", params={"severity": "一般", "start": "2098-12-28T10:00"}).text
    trial_text = provisional.split('class="trial"')[1].split("</div>")[0]
    assert "办结</strong>（5个工作日）：2099-01-05 17:30" in trial_text  # 2099-01-01 is 元旦, then a Friday
    assert trial_text.count(">暂定</span>") == 3 and "2099-01-01 跳过：元旦假期（暂定）" in trial_text
    bad = client.get("/admin/sla", params={"severity": "一般", "start": "昨天"})
    assert bad.status_code == 400 and "开始时间格式有误" in bad.text


def test_a_rule_by_town_routes_a_village_text(client: TestClient, people: None, trained_model: str) -> None:
    from sqlalchemy import select

    from core.db import session_scope
    from core.models import Section

    with session_scope() as session:
        vet = session.scalar(select(Section.id).where(Section.code == "vetstation"))
    make_user("admin", "admin")
    sign_in(client, "admin")
    saved = post_form(
        client,
        "/admin/routing",
        {
            "name": "白沙镇属地",
            "priority": "1",
            "section_id": str(vet),
            "towns": ["白沙镇"],
            "exclude_keywords": "招聘，招工",
            "enabled": "1",
        },
    )
    assert "属地：白沙镇" in saved.text and "排除：招聘、招工" in saved.text  # type: ignore[attr-defined]
    tried = post_form(
        client, "/admin/routing/try", {"text": "大岭村有人开车收病死猪，拉到哪里去了"}, page="/admin/routing"
    )
    assert "规则「白沙镇属地」" in tried.text and "属地为「白沙镇」" in tried.text  # type: ignore[attr-defined]


NOTICES = Path(__file__).resolve().parents[1] / "fixtures" / "notices"
LATE_DECEMBER = datetime(2026, 12, 28, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@time_machine.travel(LATE_DECEMBER, tick=False)
def test_admin_pastes_the_notice_previews_and_saves(client: TestClient, people: None) -> None:
    make_user("admin", "admin")
    sign_in(client, "admin")
    page = client.get("/admin/holidays")
    assert "粘贴国务院办公厅通知" in page.text and "2027年的官方放假安排尚未录入" in page.text  # the banner
    text = (NOTICES / "2027-test.txt").read_text(encoding="utf-8")

    broken = client.post(
        "/admin/holidays/notice",
        data={
            "text": text.replace("（周日）、2月20日", "（周一）、2月20日"),
            "action": "save",
            "csrf": csrf_of(page.text),
        },
    )
    assert broken.status_code == 400
    assert "第 8 行" in broken.text and "1月31日 是周日，括号中写的是“周一”" in broken.text
    assert "2027年的官方放假安排尚未录入" in broken.text  # nothing saved

    preview = client.post(
        "/admin/holidays/notice", data={"text": text, "action": "preview", "csrf": csrf_of(page.text)}
    )
    assert preview.status_code == 200 and "预览：国务院办公厅关于2027年部分节假日安排的通知" in preview.text
    assert "与暂定日历不同的日子（16 天）" in preview.text
    row = preview.text.split('data-day="2027-01-31"')[1].split("</tr>")[0]
    assert "休息" in row and "春节调休上班" in row
    assert "2027年的官方放假安排尚未录入" in client.get("/admin/holidays").text  # a preview saves nothing

    saved = client.post(
        "/admin/holidays/notice",
        data={"text": text, "action": "save", "csrf": csrf_of(page.text)},
        follow_redirects=True,
    )
    assert saved.status_code == 200 and "已按通知录入放假安排" in saved.text
    assert "2027年放假与调休安排 <small>（管理员录入）" in saved.text and "官方放假安排尚未录入" not in saved.text

    from alerts.sla.service import work_calendar
    from core.db import session_scope

    with session_scope() as session:
        calendar = work_calendar(session)
        assert calendar.is_workday(date(2027, 1, 31)) and not calendar.is_workday(date(2027, 2, 10))


@time_machine.travel(LATE_DECEMBER, tick=False)
def test_replacing_an_existing_year_shows_the_differences_first(client: TestClient, people: None) -> None:
    make_user("admin", "admin")
    sign_in(client, "admin")
    page = client.get("/admin/holidays?year=2026")
    changed = (NOTICES / "2026.txt").read_text(encoding="utf-8").replace("5月9日（周六）上班", "4月26日（周日）上班")
    asked = client.post("/admin/holidays/notice", data={"text": changed, "action": "save", "csrf": csrf_of(page.text)})
    assert asked.status_code == 409 and "与现有2026年安排不同的日子（2 天）" in asked.text
    assert 'name="replace"' in asked.text and "内置节假日日历已有 2026 年的放假安排" in asked.text
    replaced = client.post(
        "/admin/holidays/notice",
        data={"text": changed, "action": "save", "replace": "1", "csrf": csrf_of(page.text)},
        follow_redirects=True,
    )
    assert replaced.status_code == 200 and "（管理员录入）" in replaced.text
    # The day-by-day form asks the same way before replacing the entry just made.
    form = client.post(
        "/admin/holidays",
        data={"year": "2026", "days": "2026-10-01~2026-10-07 休 国庆节", "csrf": csrf_of(page.text)},
    )
    assert form.status_code == 409 and "已核对差异，替换现有的2026年安排" in form.text


def test_the_banner_shows_only_while_a_year_is_needed(client: TestClient, people: None) -> None:
    make_user("admin", "admin")
    with time_machine.travel(datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        sign_in(client, "admin")
        assert "官方放假安排尚未录入" not in client.get("/admin/users").text  # June: 2027 is months away
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        client.cookies.clear()  # the June session has long expired
        sign_in(client, "admin")
        page = client.get("/admin/users").text
        assert "2027年的官方放假安排尚未录入" in page and 'href="/admin/holidays?year=2027"' in page
        client.cookies.clear()
        sign_in(client, "duty")
        assert "官方放假安排尚未录入" not in client.get("/console").text  # the admin's to do
