"""The web UI in a real Chromium: every role's pages at desktop and phone size, a case from the pipeline to
closed with the duty console updating live, and section isolation by URL."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Person, Server

pytestmark = pytest.mark.browser

ROLES = ("duty", "leader", "admin", "production-staff", "production-head")
NOTICES = Path(__file__).resolve().parents[1] / "fixtures" / "notices"


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.strip("/").lower()).strip("-") or "home"


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
@pytest.mark.parametrize("username", ROLES)
def test_each_role_walks_its_navigation(browser: Any, server: Server, username: str, phone: bool) -> None:
    person = Person(browser, server, username, phone=phone).sign_in()
    page = person.page
    links = page.locator("nav.nav a")
    targets = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert targets, "no navigation for this role"
    for href in targets:
        assert href
        response = person.open(href)
        assert response is not None and response.status == 200, f"{href} answered {response and response.status}"
        assert page.locator("h1").first.is_visible()
        assert page.locator("nav.nav a[aria-current=page]").count() == 1
        person.shot(f"{username}-{_slug(href)}")
    # The first case the role can see, opened from its list.
    person.open("/alerts")
    first = page.locator("table.list a[href^='/alerts/']").first
    first.click()
    page.wait_for_url(re.compile(r"/alerts/\d+$"))
    assert page.get_by_role("heading", name="办理记录").is_visible()
    person.shot(f"{username}-alert")
    person.close()


def test_login_page_and_wrong_password(browser: Any, server: Server) -> None:
    for phone in (False, True):
        person = Person(browser, server, "duty", phone=phone)
        page = person.page
        person.open("/console")
        assert "/login" in page.url
        person.shot("login")
        page.get_by_label("用户名").fill("duty")
        page.get_by_label("密码").fill("wrong")
        page.get_by_role("button", name="登录").click()
        assert page.get_by_role("alert").inner_text() == "用户名或密码错误"
        person.close()


def _store_post_through_pipeline(title: str, content: str) -> None:
    """Store a post; the outbox runs the real analysis and alert raising (inline in this process)."""
    from core.db import session_scope
    from core.service import store_post

    with session_scope() as session:
        store_post(session, url=f"https://bbs.example.cn/t/live-{title}", title=title, content=content)


def test_a_case_from_the_pipeline_to_closed(browser: Any, server: Server) -> None:
    duty = Person(browser, server, "duty").sign_in()
    page = duty.page
    duty.open("/console")
    page.locator("#live-status.on").wait_for()
    page.evaluate("window.__sameDocument = true")

    title = "石桥镇张湾村养猪场粪水直排河道"
    _store_post_through_pipeline(
        title, "石桥镇张湾村一家养猪场把粪水直接排进河里，臭气熏天，村民多次反映一直没人管，请有关部门尽快处理！"
    )
    card = page.locator("#col-new article.case", has_text=title)
    card.wait_for(timeout=20000)
    assert page.evaluate("window.__sameDocument") is True, "the console reloaded instead of updating live"
    assert page.locator("#new-alerts", has_text=title).is_visible()
    duty.shot("duty-console-live")
    href = card.locator("h3 a").get_attribute("href")
    assert href
    alert_path = href

    # Duty: sign for, then assign to the production section.
    card.get_by_role("button", name="签收").click()
    page.locator("#col-acknowledged article.case", has_text=title).wait_for()
    duty.open(alert_path)
    page.get_by_label("转办至科室").select_option(label="畜牧生产科")
    page.get_by_role("button", name="转办", exact=True).click()
    assert page.get_by_role("status").inner_text() == "已转办"
    duty.close()

    # Section staff: take it up and respond.
    staff = Person(browser, server, "production-staff", phone=True).sign_in()
    spage = staff.page
    staff.open("/workbench")
    scard = spage.locator("#q-incoming article.case", has_text=title)
    scard.get_by_role("button", name="开始办理").click()
    spage.locator("#q-working article.case", has_text=title).get_by_role("link", name="登记回应").click()
    spage.get_by_label("回应内容").fill("经现场核查，该养猪场已停止排放并清理河道，镇政府将持续监督整改。")
    spage.get_by_label("发布渠道").select_option(label="留言板回复")
    spage.get_by_role("button", name="提交回应").click()
    assert spage.get_by_role("status").inner_text() == "已回应"
    staff.shot("production-staff-alert-responded")
    staff.close()

    # Section head: sign off and close from the sign-off queue.
    head = Person(browser, server, "production-head").sign_in()
    hpage = head.page
    head.open("/workbench")
    hpage.locator("#q-signoff article.case", has_text=title).get_by_role("link", name="审核办结").click()
    hpage.get_by_role("button", name="审核办结").click()
    assert hpage.get_by_role("status").inner_text() == "已办结"
    timeline = hpage.locator("ol.timeline").inner_text()
    for step in ("生成预警", "签收", "转办", "开始办理", "回应", "办结"):
        assert step in timeline
    head.shot("production-head-alert-closed")
    head.close()

    # Leadership: the dashboard counts the closed case for the production section.
    leader = Person(browser, server, "leader").sign_in()
    leader.open("/dashboard?period=week")
    row = leader.page.locator("table.figures tbody tr", has_text="畜牧生产科")
    closed_cell = row.locator("td[data-label='已办结']")
    assert int(closed_cell.inner_text()) >= 1
    leader.close()


def test_a_section_user_cannot_open_another_sections_case(browser: Any, server: Server) -> None:
    from sqlalchemy import select

    from alerts.cases.models import Alert
    from core.db import session_scope

    with session_scope() as session:
        alert = session.scalars(select(Alert).where(Alert.title.like("柳河镇%"))).one()
        alert_id, title = alert.id, alert.title
    person = Person(browser, server, "quality-staff").sign_in()
    response = person.open(f"/alerts/{alert_id}")
    assert response is not None and response.status == 404
    assert "不存在或无权查看" in person.page.inner_text("main")
    assert title not in person.page.content()
    person.open("/alerts")
    assert title not in person.page.inner_text("main")
    person.close()


def test_keyboard_only_sign_in_and_sign_for(browser: Any, server: Server) -> None:
    person = Person(browser, server, "duty")
    page = person.page
    person.open("/login")
    assert page.evaluate("document.activeElement.id") == "username"
    page.keyboard.type("duty")
    page.keyboard.press("Tab")
    page.keyboard.type("muqing-e2e-pass")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/console"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    assert page.locator("a.skip").is_visible()
    # Tab from the top of the page to the first 签收 button; every stop shows a focus ring.
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const e = document.activeElement;"
            " return [e.tagName, e.textContent.trim(), getComputedStyle(e).outlineStyle]; })()"
        )
        assert focused[2] != "none", f"{focused[0]} {focused[1]!r} has no visible focus"
        if focused[0] == "BUTTON" and focused[1] == "签收":
            break
    else:
        raise AssertionError("no 签收 button reached by keyboard")
    title = page.evaluate("document.activeElement.closest('article').querySelector('h3').textContent.trim()")
    page.keyboard.press("Enter")
    page.locator("#col-acknowledged article.case", has_text=title).wait_for()
    assert page.locator(".flash").inner_text() == "已签收"
    person.close()


def _case_in_hand(title: str, severity: str) -> str:
    """A production case already signed for, assigned and taken up (through the real flows)."""
    from sqlalchemy import select

    from alerts.cases.flows import transition
    from alerts.cases.models import Alert
    from core.db import session_scope
    from core.models import User
    from core.posts import EvidenceIn, keep_evidence
    from core.timeutil import utcnow
    from tests.factories import make_alert

    alert_id = make_alert(title=title, category="pollution", severity=severity, url="https://bbs.example.cn/t/e2e-file")
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        # The original was crawled (evidence kept) and later deleted by its author.
        post = alert.posts[0]
        post.reads, post.comments, post.reposts = 2310, 48, 17
        post.deleted_at = utcnow()
        page = f"<html><head><title>{title}</title></head><body><p>{title}，附近村民苦不堪言。</p></body></html>"
        keep_evidence(session, post=post, evidence=EvidenceIn(body=page.encode(), url=post.url, status=200))
        for action, username in (("acknowledge", "duty"), ("assign", "duty"), ("start", "production-staff")):
            actor = session.scalars(select(User).where(User.username == username)).one()
            transition(session, alert=alert, actor=actor, action=action, section_id=alert.section_id)
    return f"/alerts/{alert_id}"


def test_staff_responds_with_a_file_and_the_head_signs_it_off(browser: Any, server: Server, tmp_path: Any) -> None:
    title = "柳河镇东岗村养牛场粪污外溢"
    alert_path = _case_in_hand(title, "较大")
    reply = tmp_path / "整改情况说明.pdf"
    reply.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

    staff = Person(browser, server, "production-staff", phone=True).sign_in()
    page = staff.page
    staff.open("/workbench")
    page.locator("#q-working article.case", has_text=title).get_by_role("link", name="登记回应").click()
    page.get_by_label("回应内容").fill("经现场核查，养牛场已清运粪污并加固堆粪棚，镇农业服务中心将每周复查。")
    page.get_by_label("联系当事人情况").fill("已电话告知留言人处理结果")
    page.get_by_label("附件").set_input_files(str(reply))
    page.get_by_role("button", name="提交回应").click()
    assert page.get_by_role("status").inner_text() == "已回应"
    response = page.locator(".response", has_text="经现场核查")
    assert "待审核签发" in response.inner_text()
    assert response.get_by_role("link", name="整改情况说明.pdf").is_visible()
    staff.shot("production-staff-response-with-file")
    staff.close()

    head = Person(browser, server, "production-head").sign_in()
    hpage = head.page
    head.open("/workbench")
    head.shot("production-head-workbench-signoff")
    hpage.locator("#q-signoff article.case", has_text=title).get_by_role("link", name="审核签发").click()
    with hpage.expect_download() as download:
        hpage.get_by_role("link", name="整改情况说明.pdf").click()
    assert download.value.suggested_filename == "整改情况说明.pdf"
    assert "原帖已删除" in hpage.inner_text("main") and "转发 17" in hpage.inner_text("main")
    hpage.get_by_role("link", name=re.compile("保存的原页面")).click()
    assert "内容与保存时一致" in hpage.inner_text("main")
    head.shot("production-head-evidence")
    hpage.go_back()
    hpage.get_by_role("button", name="审核签发").click()
    assert hpage.get_by_role("status").inner_text() == "已审核签发"
    assert "已发布" in hpage.locator(".response", has_text="经现场核查").inner_text()
    assert "审核签发" in hpage.locator("ol.timeline").inner_text()
    assert hpage.url.endswith(alert_path + "?done=sign_off")
    head.shot("production-head-alert-signed-off")
    head.close()


def test_duty_enters_a_phone_call_and_hands_over(browser: Any, server: Server) -> None:
    for phone in (False, True):
        duty = Person(browser, server, "duty", phone=phone).sign_in()
        page = duty.page
        duty.open("/console")
        page.get_by_role("link", name="录入来电、来信").click()
        page.get_by_label("标题").fill("青石村养羊户反映羊只异常死亡（来电）" + ("·手机" if phone else ""))
        page.get_by_label("诉求内容").fill("来电人称青石村一养羊户近两天死了五只羊，担心是疫病，希望尽快派人查看。")
        page.get_by_label("类别").select_option(label="动物疫病防控")
        page.get_by_label("姓名").fill("赵先生")
        duty.shot("duty-case-new")
        page.get_by_role("button", name="生成预警").click()
        assert page.get_by_role("status").inner_text() == "已创建"
        assert "动物疫病防控科" in page.inner_text(".alert-side")
        duty.open("/console")
        page.get_by_text("写交接班记录").click()
        page.get_by_label("交接事项").fill("青石村死羊来电已录入，请接班后跟进兽医站的现场查看结果。")
        page.get_by_role("button", name="提交交接班记录").click()
        assert page.locator(".flash").inner_text() == "已记录交接班"
        assert "青石村死羊来电已录入" in page.inner_text(".duty-box")
        duty.shot("duty-console-handover")
        duty.close()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_leadership_and_admin_pages(browser: Any, server: Server, phone: bool) -> None:
    from sqlalchemy import select

    from core.db import session_scope
    from core.models import CrawlRun, Source
    from core.timeutil import utcnow

    with session_scope() as session:  # the seeded news source has failed its last three crawls
        source = session.scalar(select(Source).where(Source.name == "county-news"))
        assert source is not None
        source_page = f"/admin/sources/{source.id}"
        if not session.scalar(select(CrawlRun.id).where(CrawlRun.source_id == source.id).limit(1)):
            for _ in range(3):
                now = utcnow()
                session.add(CrawlRun(source_id=source.id, started_at=now, finished_at=now, status="failed", errors=1))
    leader = Person(browser, server, "leader", phone=phone).sign_in()
    leader.open("/dashboard")
    assert "盲区警告：青禾新闻网" in leader.page.get_by_role("alert").first.inner_text()
    leader.shot("leader-dashboard-health")
    leader.open("/reports?kind=month")
    assert leader.page.get_by_role("heading", name="二、各科室办理时效").is_visible()
    leader.close()
    admin = Person(browser, server, "admin", phone=phone).sign_in()
    page = admin.page
    admin.open("/admin/users")
    tabs = page.locator("nav.admin-tabs a")
    hrefs = [tabs.nth(i).get_attribute("href") for i in range(tabs.count())]
    assert "/admin/roster" in hrefs and "/admin/holidays" in hrefs
    if not phone:  # a week's rotation, entered through the form, shows on the calendar
        # January 2027: a month the holiday library does not cover (a fixed month, whatever today is), so
        # its 元旦 comes from the provisional calendar and the page says so.
        admin.open("/admin/roster?month=2027-01")
        page.get_by_role("group", name="值班人员（依次轮换）").get_by_label("值班员小李").check()
        page.get_by_role("button", name="生成班次").click()
        page.wait_for_url(re.compile(r"done=saved"))
        assert page.locator("table.roster-cal .shift").filter(has_text="值班员小李").count() >= 1
        new_year = page.locator('td[data-day="2027-01-01"]')
        assert "元旦假期（暂定）" in new_year.inner_text() and "holiday" in (
            new_year.locator(".shift").first.get_attribute("class") or ""
        )
    for href in [*hrefs, source_page, "/intake"]:
        assert href
        response = admin.open(href)
        assert response is not None and response.status == 200, f"{href} answered {response and response.status}"
        assert page.locator("h1").first.is_visible()
        admin.shot(f"admin-page-{_slug(href)}")
    admin.close()


def test_admin_pastes_the_holiday_notice(browser: Any, server: Server) -> None:
    notice = (NOTICES / "2027-test.txt").read_text(encoding="utf-8")
    admin = Person(browser, server, "admin").sign_in()
    page = admin.page
    admin.open("/admin/holidays?year=2027")
    box = page.get_by_label("通知全文")
    box.fill(notice.replace("2月20日（周六）", "2月30日（周六）"))
    page.get_by_role("button", name="按通知保存").click()
    assert "第 8 行" in page.get_by_role("alert").first.inner_text()
    page.get_by_label("通知全文").fill(notice)
    page.get_by_role("button", name="预览通知").click()
    preview = page.locator("table.changes")
    assert "与暂定日历不同的日子（16 天）" in preview.first.inner_text()
    assert "春节调休上班" in preview.locator('tr[data-day="2027-01-31"]').inner_text()
    admin.shot("admin-holiday-notice-preview")
    page.get_by_role("button", name="按通知保存2027年安排").click()
    page.wait_for_url(re.compile(r"done=notice"))
    assert "已按通知录入放假安排" in page.get_by_role("status").first.inner_text()
    assert "管理员录入" in page.locator("#year-title").inner_text()
    # Leave the shared server as it was: 2027 back on the provisional calendar.
    page.get_by_role("button", name="删除录入").click()
    page.wait_for_url(re.compile(r"done=deleted"))
    assert "暂定" in page.locator("#year-title").inner_text()
    admin.close()
