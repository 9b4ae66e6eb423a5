"""Personal data masked where it leaves the system, shown in full only on a logged reveal (SQLite, PostgreSQL).

A crawled post carries a phone number, an ID number, a name beside the phone and a house number. For a role
without the right, every page, API response, export and search result shows them masked, and the full numbers
find nothing. The lead section and duty may reveal them; each reveal is an event in the case's audit log.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.conftest import Login
from tests.web.helpers import csrf_of, sign_in

PHONE, ID_NUMBER = "13800138000", "110101199003071234"
TITLE = "兴旺养殖场粪污直排进河道"
CONTENT = (
    f"兴旺养殖场粪污直排进河道，臭气熏天。联系人张三 电话{PHONE}，身份证号{ID_NUMBER}，家住幸福小区3栋2单元501室。"
)
FULL = (PHONE, ID_NUMBER, "张三", "501室", "3栋")
MASKED = ("138****8000", "1101**********1234", "张*")


def crawled_case(*, url: str = "https://board.example.org/thread/77") -> tuple[int, int, int]:
    """A crawled post with its stored page (存证), raised into a case for 畜牧生产科: (post, snapshot, case)."""
    from alerts.cases.flows import raise_alert
    from core.db import session_scope
    from core.posts import EvidenceIn
    from core.service import ensure_source, store_post
    from tests.factories import label_post

    with session_scope() as session:
        source = ensure_source(session, name="board", kind="generic", config={}, title="区长信箱")
        page = f"<html><body><h1>{TITLE}</h1><p>{CONTENT}</p></body></html>".encode()
        stored = store_post(
            session,
            url=url,
            title=TITLE,
            content=CONTENT,
            author="张三",
            source_id=source.id,
            evidence=EvidenceIn(body=page, url=url, status=200, encoding="utf-8"),
        )
        label_post(session, post=stored.post, category="pollution")
        post_id, snapshot_id = stored.post.id, stored.post.snapshots[0].id
    with session_scope() as session:
        alert = raise_alert(session, post_id=post_id)
        assert alert is not None
        return post_id, snapshot_id, alert.id


def assert_masked(text: str, where: str) -> None:
    for value in FULL:
        assert value not in text, f"{where}: {value} shown in full"


@pytest.fixture
def case(client: TestClient, people: None) -> tuple[int, int, int]:
    from tests.factories import make_user

    make_user("admin", "admin")
    return crawled_case()


API_READS = (
    "/api/posts",
    "/api/posts?q=兴旺养殖场",
    "/api/posts/{post}",
    "/api/posts/{post}/evidence",
    "/api/posts/{post}/evidence/{snapshot}",
    "/api/posts/{post}/evidence/{snapshot}/raw",
    "/api/alerts",
    "/api/alerts/{case}",
    "/api/search?q=兴旺养殖场",
    "/api/notifications",
)


@pytest.mark.parametrize("username", ["leader", "admin", "duty", "production-staff", "production-head"])
def test_every_api_response_shows_personal_data_masked(
    client: TestClient, login: Login, case: tuple[int, int, int], username: str
) -> None:
    post, snapshot, alert = case
    auth = login(username)
    for template in API_READS:
        path = template.format(post=post, snapshot=snapshot, case=alert)
        response = client.get(path, headers=auth)
        assert response.status_code == 200, (path, response.text)
        assert_masked(response.text, f"{username} {path}")
    detail = client.get(f"/api/posts/{post}", headers=auth).json()
    assert all(masked in detail["content"] for masked in MASKED)
    assert detail["author"] == "张*"
    hits = client.get("/api/search", params={"q": "兴旺养殖场"}, headers=auth).json()["hits"]
    assert [hit["post_id"] for hit in hits] == [post]
    assert (
        "138****8000" in hits[0]["snippet_html"]
        or "138****8000" in client.get("/api/search", params={"q": "电话"}, headers=auth).text
    )


@pytest.mark.parametrize("query", [PHONE, ID_NUMBER, "张三", "138 0013 8000"])
def test_the_full_number_or_name_finds_nothing(
    client: TestClient, login: Login, case: tuple[int, int, int], query: str
) -> None:
    duty = login("duty")
    assert client.get("/api/search", params={"q": query}, headers=duty).json()["total"] == 0
    assert client.get("/api/posts", params={"q": query}, headers=duty).json()["total"] == 0
    client.cookies.clear()
    sign_in(client, "duty")
    page = client.get("/search", params={"q": query})
    assert page.status_code == 200 and f"/posts/{case[0]}/" not in page.text
    # What is shown is what can be found.
    assert client.get("/api/posts", params={"q": "138****8000"}, headers=duty).json()["total"] == 1


@pytest.mark.parametrize("username", ["leader", "duty", "production-staff"])
def test_every_page_shows_personal_data_masked(client: TestClient, case: tuple[int, int, int], username: str) -> None:
    post, snapshot, alert = case
    sign_in(client, username)
    for path in (f"/alerts/{alert}", "/alerts", "/search?q=兴旺养殖场", f"/posts/{post}/evidence/{snapshot}"):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:300])
        assert_masked(page.text, f"{username} {path}")
    case_page = client.get(f"/alerts/{alert}").text
    assert "138****8000" in case_page and "1101**********1234" in case_page and "张*" in case_page


def test_exports_show_personal_data_masked(client: TestClient, case: tuple[int, int, int], tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli import app

    sign_in(client, "leader")
    workbook = load_workbook(io.BytesIO(client.get("/reports/export.xlsx?kind=month").content))
    cells = " ".join(str(cell.value) for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row)
    assert TITLE in cells
    assert_masked(cells, "report xlsx")
    document = Document(io.BytesIO(client.get("/reports/export.docx?kind=month").content))
    paragraphs = [p.text for p in document.paragraphs]
    paragraphs += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert TITLE in " ".join(paragraphs)
    assert_masked(" ".join(paragraphs), "report docx")
    for format in ("csv", "jsonl"):
        out = tmp_path / f"posts.{format}"
        result = CliRunner().invoke(app, ["posts", "export", "--format", format, "--output", str(out)])
        assert result.exit_code == 0, result.output
        text = out.read_text(encoding="utf-8")
        assert_masked(text, f"posts export {format}")
        rows = list(csv.DictReader(out.open(encoding="utf-8"))) if format == "csv" else [json.loads(text)]
        assert "138****8000" in rows[0]["content"] and rows[0]["author"] == "张*"
        assert rows[0]["url"] == "https://board.example.org/thread/77"


def test_the_lead_section_and_duty_reveal_and_each_reveal_is_logged(
    client: TestClient, login: Login, case: tuple[int, int, int]
) -> None:
    post, snapshot, alert = case
    for username in ("production-staff", "duty"):
        shown = client.post(f"/api/posts/{post}/reveal", headers=login(username))
        assert shown.status_code == 200, shown.text
        assert PHONE in shown.json()["content"] and ID_NUMBER in shown.json()["content"]
        assert shown.json()["author"] == "张三"
    whole = client.post(f"/api/alerts/{alert}/reveal", headers=login("production-head"))
    assert whole.status_code == 200 and PHONE in whole.json()["posts"][0]["content"]
    # Leadership and admins read masked only; another section does not even see the post.
    for username, status in (("leader", 403), ("admin", 403), ("quality-staff", 404)):
        refused = client.post(f"/api/posts/{post}/reveal", headers=login(username))
        assert refused.status_code == status, (username, refused.text)
        assert_masked(refused.text, username)
    refused_download = client.get(f"/api/posts/{post}/evidence/{snapshot}/raw?download=true", headers=login("leader"))
    assert refused_download.status_code == 403
    original = client.get(f"/api/posts/{post}/evidence/{snapshot}/raw?download=true", headers=login("duty"))
    assert original.status_code == 200 and PHONE.encode() in original.content

    events = client.get(f"/api/alerts/{alert}", headers=login("duty")).json()["events"]
    reveals = [e for e in events if e["action"] == "reveal"]
    assert [(e["actor"], e["data"]["where"]) for e in reveals] == [
        ("production-staff", "api"),
        ("duty", "api"),
        ("production-head", "api"),
        ("duty", "api_evidence_download"),
    ]
    assert all(e["data"]["post_ids"] == [post] and e["at"] for e in reveals)


def test_the_case_page_reveals_on_request_for_the_lead_section_only(
    client: TestClient, case: tuple[int, int, int]
) -> None:
    _, _, alert = case
    sign_in(client, "production-staff")
    page = client.get(f"/alerts/{alert}").text
    assert "显示完整信息" in page
    shown = client.post(f"/alerts/{alert}/reveal", data={"csrf": csrf_of(page)})
    assert shown.status_code == 200 and PHONE in shown.text and ID_NUMBER in shown.text and "张三" in shown.text
    assert "本次查看已记入办理记录" in shown.text
    # The next visit is masked again, and the reveal is in the case's record.
    again = client.get(f"/alerts/{alert}").text
    assert_masked(again, "after reveal")
    assert "查看完整个人信息" in again
    client.cookies.clear()
    sign_in(client, "leader")
    page = client.get(f"/alerts/{alert}").text
    assert "显示完整信息" not in page
    assert client.post(f"/alerts/{alert}/reveal", data={"csrf": csrf_of(page)}).status_code == 403


def test_a_form_that_comes_back_keeps_what_the_user_typed_and_still_masks_the_post(
    client: TestClient, case: tuple[int, int, int]
) -> None:
    from alerts.cases.flows import transition
    from alerts.cases.models import Alert
    from core.db import session_scope
    from core.models import User

    _, _, alert_id = case
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        for action, username in (("acknowledge", "duty"), ("assign", "duty"), ("start", "production-staff")):
            actor = session.query(User).filter_by(username=username).one()
            section_id = alert.section_id if action == "assign" else None
            transition(session, alert=alert, actor=actor, action=action, section_id=section_id, note="测试")
    sign_in(client, "production-staff")
    page = client.get(f"/alerts/{alert_id}").text
    typed = f"已电话联系张三（{PHONE}），说明处理结果"
    form = {"action": "respond", "response": "已责令整改。", "link": "javascript:alert(1)", "contact": typed}
    back = client.post(f"/alerts/{alert_id}/action", data={**form, "csrf": csrf_of(page)})
    assert back.status_code == 422, back.text[:500]
    assert typed in back.text, "the contact note comes back as typed"
    assert ID_NUMBER not in back.text and "1101**********1234" in back.text, "the post stays masked"


def test_numbers_in_a_post_address_are_masked_and_the_address_still_reads_as_one(
    client: TestClient, login: Login, people: None
) -> None:
    # Already canonical (sorted query), so it is stored as written.
    url = f"https://board.example.org/u/{PHONE}/thread?page=2&sfz={ID_NUMBER}&tel={PHONE}"
    shown = "https://board.example.org/u/138****8000/thread?page=2&sfz=1101**********1234&tel=138****8000"
    post, snapshot, alert = crawled_case(url=url)
    detail = client.get(f"/api/posts/{post}", headers=login("leader"))
    assert detail.status_code == 200 and detail.json()["url"] == shown
    assert_masked(detail.text, "api post with the numbers in its address")
    sign_in(client, "production-staff")
    for path in (f"/alerts/{alert}", f"/posts/{post}/evidence/{snapshot}"):
        page = client.get(path).text
        assert_masked(page, path)
        assert shown.replace("&", "&amp;") in page, path
    # The lead section's logged reveal shows the address as it was.
    revealed = client.post(f"/alerts/{alert}/reveal", data={"csrf": csrf_of(client.get(f"/alerts/{alert}").text)})
    assert url.replace("&", "&amp;") in revealed.text


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_a_download_is_logged_even_when_a_crawl_stores_posts_meanwhile(
    client: TestClient, login: Login, case: tuple[int, int, int], db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A GET reads as a WAL reader; the download's reveal is a write. Once another writer has committed after the
    # page's first read, SQLite refuses to turn that reader into the writer, and the download was a 503.
    import sqlite3
    from collections.abc import Callable
    from typing import Any

    from sqlalchemy.engine import make_url

    from alerts.privacy import service as privacy
    from web.routes import search as web_search

    post, snapshot, alert = case
    auth = login("duty")
    path = make_url(db).database
    assert path

    def after_a_crawl_commits(reveal: Callable[..., Any]) -> Callable[..., Any]:
        def reveal_meanwhile(session: Any, **kwargs: Any) -> Any:
            crawler = sqlite3.connect(path, timeout=30)  # the job runner, storing a batch of posts
            with crawler:
                crawler.execute(
                    "INSERT INTO login_attempt (username, ip, at, succeeded) VALUES ('job', '', '2026-01-01', 1)"
                )
            crawler.close()
            return reveal(session, **kwargs)

        return reveal_meanwhile

    monkeypatch.setattr(privacy, "reveal_post", after_a_crawl_commits(privacy.reveal_post))
    monkeypatch.setattr(web_search, "reveal_post", after_a_crawl_commits(web_search.reveal_post))
    api = client.get(f"/api/posts/{post}/evidence/{snapshot}/raw?download=true", headers=auth)
    assert api.status_code == 200 and PHONE.encode() in api.content, api.text
    sign_in(client, "duty")
    page = client.get(f"/posts/{post}/evidence/{snapshot}/raw")
    assert page.status_code == 200 and PHONE.encode() in page.content, page.text
    events = client.get(f"/api/alerts/{alert}", headers=auth).json()["events"]
    assert [e["data"]["where"] for e in events if e["action"] == "reveal"] == [
        "api_evidence_download",
        "web_evidence_download",
    ]
