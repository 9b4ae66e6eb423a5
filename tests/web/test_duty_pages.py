"""The duty officer's pages: the console with roster and handover, its cards, entering a phone call or a
searched post as a case, the workbench, search and the alert list."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from fastapi.testclient import TestClient

from tests.factories import get_alert, get_user, make_alert, make_post
from tests.web.helpers import act, csrf_of, sign_in, walk

# Shifts and deadlines are set from the clock: a Monday after New Year, in a year the holiday library may not cover.
AFTER_NEW_YEAR = datetime(2027, 1, 4, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

# These tests are about pages, not storage: SQLite is enough (the flows run on both backends in tests/alerts).
pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


@time_machine.travel(AFTER_NEW_YEAR, tick=True)
def test_console_shows_who_is_on_duty_and_takes_a_handover(client: TestClient, people: None) -> None:
    from alerts.roster import service as roster
    from core.db import session_scope
    from core.timeutil import utcnow

    now = utcnow()
    with session_scope() as session:
        roster.save_shift(
            session,
            starts_at=now - timedelta(hours=2),
            ends_at=now + timedelta(hours=6),
            user_id=get_user("duty").id,
            backup_user_id=get_user("leader").id,
        )
    make_alert(title="双塘镇养鸡场鸡粪乱堆")
    sign_in(client, "duty")
    page = client.get("/console")
    assert "当前值班：" in page.text and "（备班 " in page.text

    empty = client.post("/console/handover", data={"note": " ", "csrf": csrf_of(page.text)})
    assert empty.status_code == 422 and "交接班记录不能为空" in empty.text

    note = "#1 鸡粪问题已联系镇兽医站，明早回复"
    leader_id = str(get_user("leader").id)
    done = client.post(
        "/console/handover",
        data={"note": note, "to_user_id": leader_id, "csrf": csrf_of(page.text)},
        follow_redirects=True,
    )
    assert "已记录交接班" in done.text and note in done.text and "交接时在办 1 件" in done.text
    # The one taking over confirms it; the one handing over is not offered that.
    assert "确认接班" not in done.text
    client.post("/logout", data={"csrf": csrf_of(done.text)})
    sign_in(client, "leader")
    page = client.get("/console")
    handover_id = re.search(r"/console/handover/(\d+)/receive", page.text)
    assert handover_id, "the incoming officer is offered 确认接班"
    received = client.post(
        f"/console/handover/{handover_id.group(1)}/receive", data={"csrf": csrf_of(page.text)}, follow_redirects=True
    )
    assert "已确认接班" in received.text and "已接班" in received.text


def test_console_cards_sign_for_set_severity_and_dismiss_with_a_reason(client: TestClient, people: None) -> None:
    first = make_alert(title="双塘镇养鸡场鸡粪乱堆")
    second = make_alert(title="中心电话一直没人接", category="conduct")
    sign_in(client, "duty")
    page = client.get("/console")
    token = csrf_of(page.text)
    for action in ("acknowledge", "set_severity", "dismiss"):
        assert f'value="{action}"' in page.text
    client.post(
        f"/alerts/{first}/action",
        data={"action": "set_severity", "severity": "较大", "back": "/console", "csrf": token},
    )
    assert get_alert(first).severity == "较大"
    refused = client.post(f"/alerts/{second}/action", data={"action": "dismiss", "back": "/console", "csrf": token})
    assert refused.status_code == 422 and "必须填写" in refused.text
    client.post(
        f"/alerts/{second}/action",
        data={"action": "dismiss", "note": "与本中心职责无关", "back": "/console", "csrf": token},
    )
    assert get_alert(second).status == "dismissed"


def test_duty_enters_a_phone_call_as_a_case(client: TestClient, people: None) -> None:
    sign_in(client, "duty")
    form = client.get("/alerts/new")
    assert form.status_code == 200 and "诉求内容" in form.text
    fields = {
        "kind": "complaint",
        "title": "石桥镇养猪场夜间排污（来电）",
        "content": "来电人反映石桥镇一养猪场夜间向河沟排放粪水。",
        "category": "pollution",
        "severity": "一般",
        "received_at": "2099-01-01T09:30",
        "channel": "电话",
        "requester_name": "王先生",
        "requester_phone": "13800000000",
        "csrf": csrf_of(form.text),
    }
    future = client.post("/alerts/new", data=fields)
    assert future.status_code == 422 and "收到时间不能晚于现在" in future.text
    assert "石桥镇养猪场夜间排污（来电）" in future.text, "what was typed stays in the form"
    # As typed, not masked: a masked phone in the form would be stored masked when the form is sent again.
    assert 'value="13800000000"' in future.text and 'value="王先生"' in future.text
    created = client.post("/alerts/new", data={**fields, "received_at": ""}, follow_redirects=True)
    assert created.status_code == 200 and "已创建" in created.text
    assert "王先生" in created.text and "电话" in created.text and "畜牧生产科" in created.text
    # Section staff may not enter cases.
    client.cookies.clear()
    sign_in(client, "production-staff")
    assert client.get("/alerts/new").status_code == 403


def test_duty_turns_a_searched_post_into_an_alert(client: TestClient, people: None) -> None:
    post_id = make_post(title="龙泉镇有人私自屠宰生猪", category="slaughter", needs_response=False)
    sign_in(client, "production-staff")
    assert "/search/raise" not in client.get("/search", params={"q": "私自屠宰"}).text
    client.cookies.clear()
    sign_in(client, "duty")
    page = client.get("/search", params={"q": "私自屠宰"})
    assert "转为预警" in page.text
    token = csrf_of(page.text)
    raised = client.post(
        "/search/raise",
        data={"post_id": str(post_id), "category": "slaughter", "severity": "较大", "csrf": token},
        follow_redirects=True,
    )
    assert raised.status_code == 200 and "已生成预警" in raised.text
    alert_id = int(str(raised.url).rsplit("/", 1)[-1].split("?")[0])
    alert = get_alert(alert_id)
    assert alert.severity == "较大" and alert.status == "new"
    again = client.post(
        "/search/raise",
        data={"post_id": str(post_id), "category": "slaughter", "severity": "一般", "csrf": token},
        follow_redirects=True,
    )
    assert f"/alerts/{alert_id}" in str(again.url) and "该帖子已在这条预警中" in again.text


@time_machine.travel(AFTER_NEW_YEAR, tick=True)
def test_workbench_lists_overdue_first_and_the_heads_queues(client: TestClient, people: None) -> None:
    from alerts.cases.models import Alert
    from core.db import session_scope
    from core.timeutil import utcnow

    late = make_alert(title="甲村养猪场臭味")
    fresh = make_alert(title="乙村养牛场污水")
    for alert_id in (late, fresh):
        walk(alert_id, ("acknowledge", "duty"), ("assign", "duty"))
    with session_scope() as session:
        row = session.get(Alert, late)
        assert row is not None
        row.response_due = utcnow() - timedelta(hours=3)
    sign_in(client, "production-staff")
    page = client.get("/workbench").text
    assert page.index("甲村养猪场臭味") < page.index("乙村养牛场污水")
    assert "已超期" in page and "<strong>1</strong> 超期" in page
    client.cookies.clear()
    sign_in(client, "production-head")
    page = client.get("/workbench").text
    assert page.index('id="q-signoff"') < page.index('id="q-extension"') < page.index('id="q-incoming"')


def test_search_links_only_to_cases_the_user_may_open(client: TestClient, people: None) -> None:
    alert_id = make_alert(title="双塘镇养鸡场鸡粪乱堆")
    # Another section does not find the post at all (alerts.privacy.service), so never its case.
    sign_in(client, "quality-staff")
    page = client.get("/search", params={"q": "养鸡场"})
    assert "共找到 1 条帖子" not in page.text and "双塘镇" not in page.text
    assert f'href="/alerts/{alert_id}"' not in page.text
    client.cookies.clear()
    sign_in(client, "production-staff")
    assert f'href="/alerts/{alert_id}"' in client.get("/search", params={"q": "养鸡场"}).text


@time_machine.travel(AFTER_NEW_YEAR, tick=True)
def test_alert_list_filters_overdue_and_title(client: TestClient, people: None) -> None:
    from alerts.cases.models import Alert
    from core.db import session_scope
    from core.timeutil import utcnow

    late = make_alert(title="甲村养猪场臭味")
    make_alert(title="乙村养牛场污水")
    with session_scope() as session:
        row = session.get(Alert, late)
        assert row is not None
        row.ack_due = utcnow() - timedelta(hours=1)
    sign_in(client, "duty")
    overdue = client.get("/alerts", params={"overdue": "1"}).text
    assert "甲村养猪场臭味" in overdue and "乙村养牛场污水" not in overdue
    titled = client.get("/alerts", params={"q": "养牛场"}).text
    assert "乙村养牛场污水" in titled and "甲村养猪场臭味" not in titled


def test_a_case_sent_back_by_the_section_shows_on_the_console(client: TestClient, people: None) -> None:
    alert_id = make_alert(title="甲村养猪场臭味")
    walk(alert_id, ("acknowledge", "duty"), ("assign", "duty"))
    sign_in(client, "production-staff")
    sent = act(client, alert_id, {"action": "send_back", "note": "该场位于邻区，不属本区管辖"})
    assert "已退回" in sent.text and get_alert(alert_id).status == "acknowledged"
    client.cookies.clear()
    sign_in(client, "duty")
    console = client.get("/console").text
    assert "科室退回" in console
    assert "该场位于邻区，不属本区管辖" in client.get(f"/alerts/{alert_id}").text
