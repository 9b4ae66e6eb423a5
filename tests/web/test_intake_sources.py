"""Manual intake (paste, import with bad rows reported) and the sources page (health, preview over real HTTP)."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from tests.crawlers.site_server import serving
from tests.factories import make_user
from tests.web.helpers import csrf_of, post_form, sign_in

pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)

HEADER = "工单编号,标题,主要内容,来电时间,被反映街乡镇\n"
GOOD = "GD-001,村里养猪场臭味大,柳河镇杨湾村养猪场臭味太大晚上没法开窗,2025-10-09 14:20,柳河镇\n"
NO_TEXT = "GD-002,,,2025-10-09 15:00,白沙镇\n"
BAD_TIME = "GD-003,收病死猪,有人开车收病死猪,上个礼拜吧,白沙镇\n"


@pytest.fixture
def admin_user(people: None) -> None:
    make_user("admin-user", "admin")


def _upload(client: TestClient, name: str, data: bytes, status: int = 200, **fields: str) -> str:
    page = client.get("/intake?tab=import")
    response = client.post(
        "/intake/import",
        data={"csrf": csrf_of(page.text), "mapping": "beijing12345", **fields},
        files={"file": (name, data)},
    )
    assert response.status_code == status, response.text
    return response.text


def test_import_reports_bad_rows_by_number_and_imports_once(client: TestClient, people: None) -> None:
    sign_in(client, "duty")
    text = _upload(client, "工单.csv", (HEADER + GOOD + NO_TEXT + BAD_TIME).encode("utf-8"))
    assert "<strong>1</strong> 条已导入" in text and "<strong>2</strong> 行有问题未导入" in text
    assert "第 3 行" in text and "标题和内容都为空" in text
    assert "第 4 行" in text and "时间无法识别：上个礼拜吧" in text
    again = _upload(client, "工单.csv", (HEADER + GOOD).encode("utf-8"))
    assert "<strong>0</strong> 条已导入" in again and "<strong>1</strong> 条已存在未变" in again


def test_xlsx_import_with_columns_mapped_for_this_file(client: TestClient, admin_user: None) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["单号", "诉求标题", "诉求内容", "受理时间"])
    sheet.append(["X-9", "菜场猪肉没有检疫章", "石桥镇农贸市场的猪肉没有检疫章", "2025-10-10 09:00"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    sign_in(client, "admin-user")
    missing = _upload(client, "orders.xlsx", buffer.getvalue(), status=422)  # InvalidInput, as the API answers it
    assert "文件缺少映射需要的列" in missing
    text = _upload(
        client,
        "orders.xlsx",
        buffer.getvalue(),
        col_external_id="单号",
        col_title="诉求标题",
        col_content="诉求内容",
        col_published_at="受理时间",
    )
    assert "<strong>1</strong> 条已导入" in text


def test_pasted_post_is_stored_and_staff_cannot_reach_intake(client: TestClient, people: None) -> None:
    sign_in(client, "duty")
    response = post_form(
        client,
        "/intake/text",
        {
            "title": "白沙镇有人收病死猪",
            "content": "白沙镇有一伙人开着面包车收购病死猪",
            "published_at": "2025-10-09 14:20",
        },
        page="/intake?tab=text",
    )
    text = response.text  # type: ignore[attr-defined]
    assert "「白沙镇有人收病死猪」已添加" in text
    unreadable = post_form(client, "/intake/text", {"content": "内容", "published_at": "某天"}, page="/intake?tab=text")
    assert "发布时间无法识别" in unreadable.text  # type: ignore[attr-defined]
    client.cookies.clear()
    sign_in(client, "production-staff")
    assert client.get("/intake").status_code == 403


def test_preview_lists_items_parsed_from_a_local_site(client: TestClient, admin_user: None) -> None:
    from core.db import session_scope
    from core.models import Post, Source
    from crawlers.service import sync_sources
    from crawlers.sources import parse_source

    with serving() as site:
        spec = {
            "name": "local-board",
            "title": "本地留言板",
            "kind": "list_detail",
            "start_urls": [f"{site.base_url}/generic/board/index.html"],
            "list": {"item": "ul.posts li", "link": "a.title::attr(href)", "next_page": "a.next::attr(href)"},
            "detail": {"title": "h1.title::text", "content": "div.content", "published_at": "div.meta span.time::text"},
        }
        with session_scope() as session:
            source_id = sync_sources(session, specs=[parse_source(spec)])[0].id
        sign_in(client, "admin-user")
        page = client.get("/admin/sources")
        assert "本地留言板" in page.text and "还没有抓取过" in page.text
        response = client.post(f"/admin/sources/{source_id}/preview", data={"csrf": csrf_of(page.text)})
    assert response.status_code == 200
    text = response.text
    assert "试抓结果：本地留言板" in text and "养猪场的沼液到底能不能直接浇地？" in text
    with session_scope() as session:
        assert session.query(Post).count() == 0
        source = session.get(Source, source_id)
        assert source is not None and source.last_crawl_at is None


def test_source_page_lists_its_runs_with_reasons(client: TestClient, admin_user: None) -> None:
    from core.db import session_scope
    from core.models import CrawlRun
    from core.timeutil import utcnow
    from crawlers.service import sync_sources
    from crawlers.sources import parse_source

    spec = parse_source({"name": "feed", "title": "区政府网站", "kind": "rss", "start_urls": ["https://x.org/f"]})
    with session_scope() as session:
        source = sync_sources(session, specs=[spec])[0]
        now = utcnow()
        session.add(
            CrawlRun(
                source_id=source.id,
                started_at=now,
                finished_at=now,
                status="failed",
                requests=3,
                errors=3,
                stats={"errors": {"timeout": 3}},
                error="没有抓到任何帖子，只有错误：timeout×3",
            )
        )
        source.consecutive_failures = 1
        source_id = source.id
    sign_in(client, "admin-user")
    listing = client.get("/admin/sources").text
    assert f'href="/admin/sources/{source_id}"' in listing
    page = client.get(f"/admin/sources/{source_id}")
    assert page.status_code == 200
    assert "区政府网站" in page.text and "超时×3" in page.text and "失败" in page.text
    assert "start_urls" in page.text  # the definition as stored
    assert client.get("/admin/sources/999999").status_code == 404
