"""A night on duty in Chromium, with the server's clock pinned to a Wednesday night (21:40 Beijing time).

A phone call about suspected African swine fever entered with the form's defaults; a 督办 followed to the
section's inbox and workbench; the console's keys and focus; a frozen server noticed within 5 s and the
missed case shown on reconnect. Desktop 1366×900 and phone 360×740.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine

from tests.e2e.conftest import Person, Server, serve

NOW = "2025-11-12T21:40:00+08:00"
STARTED = time.monotonic()
PHONE_SIZE = {"width": 360, "height": 740}
SUPERVISED = "新庄村养猪场粪污直排水渠，整条沟都是黑水"
CALL_TITLE = "村民来电：猪场两天死了十几头猪"
CALL_TEXT = "来电人称自家猪场这两天陆续死了十几头猪，担心是非洲猪瘟，请尽快派人来看看。"


@contextmanager
def server_time() -> Iterator[None]:
    """The test process at the server's pinned clock (it started at NOW and has been ticking since)."""
    with time_machine.travel(datetime.fromisoformat(NOW) + timedelta(seconds=time.monotonic() - STARTED), tick=True):
        yield


def _night_seed() -> None:
    """As the demo does: a roster covering now; and a pollution case for the section, not yet signed for."""
    from sqlalchemy import select

    from alerts.roster.service import cover_now
    from alerts.sla.service import work_calendar
    from core.db import session_scope
    from core.models import User
    from tests.factories import make_alert

    with session_scope() as session:
        duty = session.scalars(select(User).where(User.username == "duty")).one()
        cover_now(session, user_ids=[duty.id], calendar=work_calendar(session))
    make_alert(title=SUPERVISED, category="pollution", severity="一般", url="https://bbs.example.cn/t/night")


@pytest.fixture(scope="module")
def night(chromium: str, trained_model: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    global STARTED
    STARTED = time.monotonic()
    with serve(tmp_path_factory, now=NOW, seed=_night_seed) as running:
        yield running


def person(browser: Any, server: Server, username: str, phone: bool) -> Person:
    someone = Person(browser, server, username, phone=phone)
    if phone:
        someone.page.set_viewport_size(PHONE_SIZE)
    # The browser's clock matches the server's, so countdowns read as they would that night.
    someone.context.clock.install(time=datetime.fromisoformat(NOW) + timedelta(seconds=time.monotonic() - STARTED))
    return someone.sign_in()


def _supervised_id() -> int:
    from sqlalchemy import select

    from alerts.cases.models import Alert
    from core.db import session_scope

    with session_scope() as session:
        return session.scalars(select(Alert.id).where(Alert.title == SUPERVISED)).one()


def _case_id(url: str) -> int:
    match = re.search(r"/alerts/(\d+)", url)
    assert match, url
    return int(match.group(1))


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_a_swine_fever_call_entered_with_the_defaults_goes_to_epidemic_control(
    browser: Any, night: Server, phone: bool
) -> None:
    duty = person(browser, night, "duty", phone)
    page = duty.page
    duty.open("/console")
    assert "当前值班" in page.inner_text(".duty-box") and "值班员小李" in page.inner_text(".duty-box")
    page.get_by_role("link", name="录入来电、来信").click()
    page.get_by_label("标题").fill(CALL_TITLE + ("（手机）" if phone else ""))
    page.get_by_label("诉求内容").fill(CALL_TEXT)
    # The classifier's proposal is pre-filled as the officer types, with its reasons.
    page.locator("#triage-status", has_text="研判建议：动物疫病防控").wait_for()
    assert page.get_by_label("类别").input_value() == "epidemic"
    assert page.get_by_label("级别（依申请公开按法定时限）").input_value() in ("较大", "重大")
    assert page.locator("#case-section option:checked").inner_text() == "动物疫病防控科"
    assert "非洲猪瘟" in page.inner_text("#triage-reasons")
    duty.shot("night-call-triage")
    page.get_by_role("button", name="生成预警").click()
    assert page.get_by_role("status").inner_text() == "已创建"
    side = page.inner_text(".alert-side")
    assert "动物疫病防控科" in side and "值班员小李" in page.content()
    assert "采纳建议" in page.inner_text("main") and "一般" not in page.inner_text(".head-badges")
    duty.close()


def test_a_call_saved_before_the_proposal_arrives_is_still_classified(browser: Any, night: Server) -> None:
    duty = person(browser, night, "duty", False)
    page = duty.page
    duty.open("/alerts/new")
    # No waiting: typed and saved at once, the selects still on 按研判建议.
    page.get_by_label("标题").fill("来电：鸭场大量死鸭，怀疑禽流感")
    page.get_by_label("诉求内容").fill("来电人称村里鸭场昨晚起大量死鸭，怀疑禽流感。")
    page.get_by_role("button", name="生成预警").click()
    assert page.get_by_role("status").inner_text() == "已创建"
    assert "一般" not in page.inner_text(".head-badges") and "动物疫病防控科" in page.inner_text(".alert-side")
    duty.close()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_a_supervised_case_is_followed_to_the_sections_inbox_and_workbench(
    browser: Any, night: Server, phone: bool
) -> None:
    staff = person(browser, night, "production-staff", phone)
    staff.open("/workbench")
    staff.page.evaluate("window.__sameDocument = true")
    before = int(staff.page.inner_text("#inbox-count") or 0)

    leader = person(browser, night, "leader", phone)
    page = leader.page
    case_id = _supervised_id()
    leader.open(f"/alerts/{case_id}")
    assert page.locator("#act-escalate").count() == 1, "督办 is not offered to the leader"
    page.get_by_text("督办…").click()
    page.locator("#escalate-note").fill("请畜牧生产科今晚核实，明早十点前回应")
    page.get_by_role("button", name="确认督办").click()
    assert page.locator(".flash").inner_text() == "已督办"
    leader.close()

    # The section hears at once: the header badge counts it without a reload.
    sp = staff.page
    sp.locator("#inbox-count", has_text=str(before + 1)).wait_for(timeout=10000)
    assert sp.evaluate("window.__sameDocument") is True
    assert sp.get_by_role("link", name=re.compile("消息")).get_attribute("aria-label") == f"消息，{before + 1} 条未读"
    sp.get_by_role("link", name=re.compile("消息")).click()
    entry = sp.locator(".inbox-item", has_text=SUPERVISED).first
    assert "督办" in entry.inner_text() and "未读" in entry.inner_text()
    staff.shot("night-section-inbox")
    item = entry.get_attribute("data-inbox")
    entry.get_by_role("button", name="标为已读").click()
    assert sp.locator(".flash").inner_text() == "已标为已读"
    assert sp.locator(f"#inbox-{item}").count() == 1 and sp.locator(f"#inbox-{item}.unread").count() == 0
    assert sp.locator("#inbox-count").inner_text() == str(before)
    sp.locator(".inbox-item", has_text=SUPERVISED).first.get_by_role("link").click()
    assert _case_id(sp.url) == case_id
    staff.open("/workbench")
    column = sp.locator("#q-escalated")
    assert "督办（待转办）" in column.inner_text() and SUPERVISED in column.inner_text()
    staff.shot("night-section-workbench")
    staff.close()


def test_console_keys_focus_and_a_new_card_while_typing(browser: Any, night: Server) -> None:
    from tests.factories import make_alert

    duty = person(browser, night, "duty", False)
    page = duty.page
    duty.open("/console")
    page.locator("#live-status.on").wait_for()
    assert "j" in (page.locator("#keys-help").text_content() or "")
    assert page.locator("#new-alerts[aria-live]").count() == 1
    page.keyboard.press("j")
    first = page.evaluate("document.activeElement.id")
    assert first.startswith("case-")
    page.keyboard.press("j")
    second = page.evaluate("document.activeElement.id")
    assert second != first and second.startswith("case-")
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.id") == first
    # s signs for the card in focus; focus is back on that card afterwards.
    target = page.locator("#col-new article.case").first.get_attribute("id")
    page.locator(f"#{target}").focus()
    page.keyboard.press("s")
    page.wait_for_url(re.compile(r"done=acknowledge"))
    page.locator(f"#col-acknowledged #{target}").wait_for()
    assert page.evaluate("document.activeElement.id") == target
    # While the officer types a reason on one card, a new case appears at once and the typing is kept.
    working = page.locator("#col-new article.case").first.get_attribute("id")
    card = page.locator(f"#{working}")
    card.get_by_text("无需回应…").click()
    reason = card.locator("input[name=note]")
    reason.fill("重复来电")
    with server_time():
        make_alert(title="夜里新来的：东湖村羊场死羊", category="epidemic", severity="较大")
    page.locator("#col-new article.case", has_text="东湖村羊场死羊").wait_for(timeout=15000)
    assert page.locator("#new-alerts", has_text="东湖村羊场死羊").count() == 1
    assert reason.input_value() == "重复来电" and page.evaluate("document.activeElement.name") == "note"
    duty.close()


def test_a_frozen_server_is_noticed_within_five_seconds_and_missed_cases_arrive_on_reconnect(
    browser: Any, night: Server
) -> None:
    from tests.factories import make_alert

    duty = person(browser, night, "duty", False)
    page = duty.page
    duty.open("/console")
    page.locator("#live-status.on").wait_for()
    os.killpg(night.pid, signal.SIGSTOP)
    try:
        stopped = time.monotonic()
        page.locator("#live-status.off").wait_for(timeout=8000)
        assert time.monotonic() - stopped <= 5.0
        assert "断开" in page.inner_text("#live-status")
        with server_time():
            make_alert(title="断线期间来的：西湖村牛场污水", category="pollution", severity="一般")
    finally:
        os.killpg(night.pid, signal.SIGCONT)
    page.locator("#live-status.on").wait_for(timeout=15000)
    page.locator("#col-new article.case", has_text="西湖村牛场污水").wait_for(timeout=15000)
    assert page.locator("#new-alerts", has_text="西湖村牛场污水").count() == 1
    duty.close()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
@pytest.mark.parametrize(
    "username", ["duty", "leader", "admin", "production-staff", "production-head", "epidemic-head"]
)
def test_every_role_has_the_inbox_in_the_header(browser: Any, night: Server, username: str, phone: bool) -> None:
    someone = person(browser, night, username, phone)
    page = someone.page
    link = page.locator("#inbox-link")
    assert link.is_visible() and link.get_attribute("aria-label", timeout=2000).startswith("消息，")
    link.click()
    page.wait_for_url(re.compile(r"/inbox"))
    assert page.locator("h1").inner_text() == "消息"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    someone.close()
