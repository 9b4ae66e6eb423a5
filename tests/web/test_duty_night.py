"""A night on duty in the pages: the inbox and its badge, 督办 on the workbench, one no-roster wording, the duty
officer given at sign-for, live streams with a heartbeat that resume where they left off, phone-call triage."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from fastapi.testclient import TestClient

from alerts.roster.service import NO_ROSTER_TEXT
from tests.factories import get_alert, get_user, make_alert, make_user
from tests.web.helpers import csrf_of, sign_in

pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


def _walk(alert_id: int, action: str, username: str, note: str = "") -> None:
    from alerts.cases.flows import transition
    from alerts.cases.models import Alert
    from core.db import session_scope
    from core.models import User

    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        actor = session.query(User).filter_by(username=username).one()
        section = alert.section_id if action == "assign" else None
        transition(session, alert=alert, actor=actor, action=action, section_id=section, note=note)


def _badge(html: str) -> int:
    match = re.search(r'id="inbox-count"[^>]*>(\d+)<', html)
    assert match, "no inbox badge in the header"
    return int(match.group(1))


def _events(client: TestClient, path: str, *, until: str, headers: dict[str, str] | None = None) -> list[dict]:
    """Read a live stream until an event named ``until`` arrives; each event as {event, id, data}."""
    seen, events = "", []
    with client.stream("GET", path, headers=headers or {}) as stream:
        assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
        for chunk in stream.iter_text():
            seen += chunk
            while "\n\n" in seen:
                block, seen = seen.split("\n\n", 1)
                fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
                if "event" in fields:
                    events.append({**fields, "data": json.loads(fields["data"])})
            if any(e["event"] == until for e in events):
                return events
    raise AssertionError(f"the stream ended before {until}")


def test_a_supervised_case_reaches_the_sections_inbox_and_workbench_before_assignment(
    client: TestClient, people: None
) -> None:
    alert_id = make_alert(title="柳河镇养猪场粪污直排河道")
    _walk(alert_id, "escalate", "leader", "请今天下班前核实并回应")
    sign_in(client, "production-staff")
    workbench = client.get("/workbench").text
    assert "督办（待转办）" in workbench and f'id="case-{alert_id}"' in workbench
    page = client.get("/inbox").text
    assert _badge(page) == 1
    assert "督办" in page and f'href="/alerts/{alert_id}"' in page and "柳河镇养猪场粪污直排河道" in page
    item_id = int(re.search(r'id="inbox-(\d+)"', page).group(1))  # type: ignore[union-attr]
    read = client.post(f"/inbox/{item_id}/read", data={"csrf": csrf_of(page)}, follow_redirects=True)
    assert "已标为已读" in read.text and _badge(read.text) == 0 and 'id="inbox-count" hidden' in read.text
    # Assignment, a send-back and the head's sign-off request reach the right people too.
    _walk(alert_id, "acknowledge", "duty")
    _walk(alert_id, "assign", "duty")
    assert "转办" in client.get("/inbox?unread=true").text
    all_read = client.post("/inbox/read", data={"csrf": csrf_of(client.get("/inbox").text)}, follow_redirects=True)
    assert "已全部标为已读" in all_read.text and _badge(all_read.text) == 0
    _walk(alert_id, "send_back", "production-staff", "不属本科室")
    client.cookies.clear()
    sign_in(client, "duty")
    duty_inbox = client.get("/inbox").text
    assert "退回" in duty_inbox and _badge(duty_inbox) >= 1
    console = client.get("/console").text
    # The refusing section is not preselected for the next assignment.
    assert "请选择科室（已被畜牧生产科退回）" in console


def test_the_inbox_stream_counts_unread_and_resumes_after_the_last_event(client: TestClient, people: None) -> None:
    sign_in(client, "duty")
    first = make_alert(title="东庄村鸡场夜间噪音")
    events = _events(client, "/inbox/stream", until="ping")
    assert events[0]["event"] == "inbox" and events[0]["data"]["unread"] == 1
    start = events[0]["id"]
    second = make_alert(title="西庄村牛场污水")
    resumed = _events(client, "/inbox/stream", until="ping", headers={"Last-Event-ID": start})
    news = [e for e in resumed if e["event"] == "inbox" and e["data"]["items"]]
    assert [i["alert_id"] for i in news[0]["data"]["items"]] == [second] and news[0]["data"]["unread"] == 2
    assert first != second
    client.cookies.clear()
    assert client.get("/inbox/stream", follow_redirects=False).status_code == 303


def test_the_console_stream_beats_and_replays_what_a_reconnecting_browser_missed(
    client: TestClient, people: None
) -> None:
    sign_in(client, "duty")
    assert _events(client, "/console/stream", until="ping")[0]["event"] == "ping"
    seen = make_alert(title="北岗村羊场病死羊乱扔")
    changed = _events(client, "/console/stream?since=2000-01-01T00:00:00%2B08:00", until="change")
    last_id = next(e["id"] for e in changed if e["event"] == "change")
    assert last_id.endswith(f"|{seen}")
    missed = make_alert(title="南岗村猪场臭气")
    replay = _events(client, "/console/stream", until="change", headers={"Last-Event-ID": last_id})
    assert [e["data"]["id"] for e in replay if e["event"] == "alert"] == [missed]


def test_with_nobody_on_the_roster_every_page_says_the_same_and_sign_for_names_the_officer(
    client: TestClient, people: None
) -> None:
    make_user("admin", "admin")
    alert_id = make_alert(title="石桥镇兽医站态度差")
    assert get_alert(alert_id).duty_user_id is None
    sign_in(client, "duty")
    assert NO_ROSTER_TEXT in client.get("/console").text
    inbox = client.get("/inbox").text
    assert "新预警" in inbox
    from alerts.notify.models import Notification
    from core.db import session_scope

    with session_scope() as session:
        body = session.query(Notification).filter_by(alert_id=alert_id, kind="alert.new").one().body
    assert NO_ROSTER_TEXT in body
    _walk(alert_id, "acknowledge", "duty")
    assert get_alert(alert_id).duty_user_id == get_user("duty").id
    client.cookies.clear()
    sign_in(client, "admin")
    assert NO_ROSTER_TEXT in client.get("/admin/roster").text


def test_the_demo_roster_covers_now_and_leaves_planned_shifts_alone(seeded: str) -> None:
    from alerts.roster.service import cover_now, list_shifts, on_duty, save_shift
    from alerts.sla.service import work_calendar
    from core.db import session_scope

    now = datetime(2025, 11, 11, 19, 0, tzinfo=UTC)  # 03:00 on 12 November, Beijing time
    duty = make_user("duty", "duty")
    with time_machine.travel(now, tick=False), session_scope() as session:
        # The shift that covers now began at yesterday's handover.
        planned = save_shift(session, starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=4), user_id=duty)
        made = cover_now(session, user_ids=[duty], calendar=work_calendar(session))
        assert on_duty(session).user is not None and on_duty(session).user.id == duty  # type: ignore[union-attr]
        assert made[0].starts_at <= now < made[0].ends_at
        assert all(s.ends_at <= planned.starts_at for s in made)
        assert cover_now(session, user_ids=[duty], calendar=work_calendar(session)) == []
        assert planned in list_shifts(session, start=planned.starts_at, end=planned.ends_at)


def test_a_phone_call_entered_with_the_forms_defaults_is_classified(
    client: TestClient, people: None, trained_model: str
) -> None:
    sign_in(client, "duty")
    form = client.get("/alerts/new").text
    assert '<option value="">按研判建议</option>' in form and "研判建议" in form
    text = {"title": "来电：猪场死了十几头猪", "content": "村民来电称自家猪场两天死了十几头猪，担心是非洲猪瘟。"}
    proposal = client.post("/alerts/new/triage", data=text, headers={"X-CSRF-Token": csrf_of(form)}).json()
    assert proposal["category"] == "epidemic" and proposal["severity"] != "一般"
    assert proposal["section"] == "动物疫病防控科" and proposal["reasons"]
    # Saved with every select left as the page offered it, and a stale pre-fill left untouched.
    saved = client.post(
        "/alerts/new",
        data={**text, "csrf": csrf_of(form), "suggested": "severity=一般", "severity": "一般", "channel": "电话"},
        follow_redirects=True,
    )
    assert "已创建" in saved.text
    alert_id = int(re.search(r"/alerts/(\d+)", str(saved.url)).group(1))  # type: ignore[union-attr]
    case = get_alert(alert_id)
    assert case.category == "epidemic" and case.severity in ("较大", "重大")
    assert case.details["triage"]["chosen"]["section"] == "动物疫病防控科"
    assert case.details["triage"]["chosen_by"]["severity"] == "classifier"
    assert "研判建议" in saved.text and "采纳建议" in saved.text
