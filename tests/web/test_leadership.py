"""The leadership dashboard and the reports with the full timeliness figures, 督办 and source health."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.factories import make_alert, make_user
from tests.web.helpers import csrf_of, sign_in

pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


def _make_overdue(alert_id: int) -> None:
    from alerts.cases.models import Alert
    from core.db import session_scope
    from core.timeutil import utcnow

    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        alert.opened_at = utcnow() - timedelta(days=3)
        alert.ack_due = utcnow() - timedelta(days=2)


def _blind_source() -> None:
    from core.db import session_scope
    from core.models import CrawlRun
    from core.timeutil import utcnow
    from crawlers.service import sync_sources
    from crawlers.sources import parse_source

    specs = [
        parse_source({"name": "county-board", "title": "区长信箱", "kind": "rss", "start_urls": ["https://x.org/f"]}),
        parse_source({"name": "city-news", "title": "市新闻网", "kind": "rss", "start_urls": ["https://y.org/f"]}),
    ]
    with session_scope() as session:
        blind, healthy = sync_sources(session, specs=specs)
        now = utcnow()
        for _ in range(3):
            session.add(CrawlRun(source_id=blind.id, started_at=now, finished_at=now, status="failed", errors=2))
        blind.consecutive_failures = 3
        session.add(CrawlRun(source_id=healthy.id, started_at=now, finished_at=now, status="succeeded", items=4))
        healthy.last_success_at = healthy.last_productive_at = now


def test_dashboard_shows_figures_blind_sources_and_escalates(client: TestClient, people: None) -> None:
    late = make_alert(title="双塘镇养鸡场鸡粪乱堆", category="pollution")
    make_alert(title="菜市场猪肉没有检疫章", category="product_safety")
    _make_overdue(late)
    _blind_source()
    sign_in(client, "leader")
    page = client.get("/dashboard")
    assert page.status_code == 200
    text = page.text
    for heading in ("按时签收率", "按时回应率", "按时办结率", "签收用时P90", "办结用时P90", "退回率", "满意率"):
        assert heading in text
    assert "盲区警告：区长信箱" in text and "市新闻网" not in text.split("盲区警告")[1].split("</p>")[0]
    assert "连续 3 次" in text or "最近 3 个抓取周期" in text
    assert "双塘镇养鸡场鸡粪乱堆" in text.split('id="overdue"')[1]

    response = client.post(
        f"/dashboard/escalate/{late}", data={"note": "请今日办结", "csrf": csrf_of(text)}, follow_redirects=True
    )
    assert response.status_code == 200 and "已督办" in response.text
    alert_page = client.get(f"/alerts/{late}").text
    assert "督办" in alert_page and "请今日办结" in alert_page

    client.cookies.clear()
    sign_in(client, "duty")
    page = client.get("/dashboard").text
    assert 'action="/dashboard/escalate/' not in page
    refused = client.post(f"/dashboard/escalate/{late}", data={"note": "x", "csrf": csrf_of(page)})
    assert refused.status_code == 403


# A Sunday: the case opened three days before is in the same week, 2026-W53, which spans the turn of the year.
@time_machine.travel(datetime(2027, 1, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_report_carries_the_dashboard_figures(client: TestClient, people: None) -> None:
    late = make_alert(title="双塘镇养鸡场鸡粪乱堆", category="pollution")
    _make_overdue(late)
    sign_in(client, "leader")
    dashboard = client.get("/dashboard?period=week").text
    report = client.get("/reports?kind=week").text
    assert "2026年第53周（12月28日—01月03日）" in report
    for heading in ("按时回应率", "签收用时P90（小时）", "超期未办", "退回率", "满意率"):
        assert heading in report
    assert "超期未办结案件" in report and "双塘镇养鸡场鸡粪乱堆" in report.split("四、超期未办结案件")[1]
    # The same overdue count on the dashboard's section row and in the report's workbook.
    workbook = load_workbook(io.BytesIO(client.get("/reports/export.xlsx?kind=week").content))
    header = [cell.value for cell in workbook["各科室时效"][1]]
    rows = {row[0]: row for row in workbook["各科室时效"].iter_rows(min_row=2, values_only=True)}
    assert rows["畜牧生产科"][header.index("超期未办")] == 1
    assert rows["畜牧生产科"][header.index("按时签收率")] == 0.0
    assert "0%" in dashboard.split("畜牧生产科")[1].split("</tr>")[0]
    categories = {row[0]: row for row in workbook["类别分布"].iter_rows(min_row=2, values_only=True)}
    assert categories["养殖污染"][1] == 1 and categories["养殖污染"][4] == 1


def test_only_leaders_and_admins_reach_the_leader_pages(client: TestClient, people: None) -> None:
    make_user("admin", "admin")
    sign_in(client, "production-staff")
    assert client.get("/dashboard").status_code == 403
    client.cookies.clear()
    sign_in(client, "admin")
    assert client.get("/dashboard").status_code == 200


def test_the_town_grid_counts_a_post_under_its_own_town_only_and_lists_unresolved_villages(
    client: TestClient, people: None
) -> None:
    import re

    from tests.factories import make_post

    # 新庄村 is 柳河镇's; written after 双塘镇 it must not count for 柳河镇. 石门村 is in two towns.
    make_post(title="双塘镇新庄村养猪场粪水直排")
    make_post(title="石门村路边发现死猪")
    make_post(title="柳河镇前进村养猪场臭味大")
    sign_in(client, "leader")
    page = client.get("/dashboard").text
    grid = page[page.index('class="town-grid"') :]
    counts = dict(re.findall(r'<span class="town">([^<]+)</span><strong>(\d+)</strong>', grid))
    assert counts["双塘镇"] == "1"
    assert counts["柳河镇"] == "1"
    assert counts["龙泉镇"] == "0" and counts["黄土岭乡"] == "0"
    unresolved = grid[grid.index("未能确定所属乡镇的地名") :]
    assert "石门村" in unresolved and "龙泉镇、黄土岭乡均有此村" in unresolved
    assert "新庄村" in unresolved
