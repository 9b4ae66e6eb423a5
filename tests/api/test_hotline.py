"""12345 work orders are cases: imported or pushed, one case per order whatever the classifier says, with the
hotline's order number and deadline kept beside ours (the stricter wins), and the answers exported back."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.conftest import Login, reload_settings
from tests.factories import make_alert, make_user

HEADER = ["工单编号", "诉求标题", "诉求内容", "来电时间", "处理时限", "所属乡镇街道"]
# Orders about street lights, water and noise: not a livestock word among them.
ORDERS = [
    [
        "LY2026031800017",
        "路灯坏了",
        "幸福路北段的路灯坏了半个月，晚上走路看不见，请尽快维修。",
        "2026-03-18 09:00",
        "2026-03-19 12:00",
        "兰山街道",
    ],
    [
        "LY2026031800018",
        "小区停水",
        "阳光花园小区从昨天起停水，没有任何通知，老人孩子生活不便。",
        "2026-03-18 09:20",
        "3个工作日",
        "柳青街道",
    ],
    [
        "LY2026031800019",
        "夜间施工噪音",
        "工地每天夜里十一点以后还在施工，噪音很大，影响休息。",
        "2026-03-18 10:05",
        "15个工作日",
        "银雀山街道",
    ],
]


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "12345-orders.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(ORDERS)
    return path


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_an_imported_file_without_livestock_words_yields_one_case_per_order_with_the_hotline_deadline(
    client: TestClient, login: Login, trained_model: str, tmp_path: Path
) -> None:
    from cli import app

    result = CliRunner().invoke(app, ["import", str(_csv(tmp_path)), "--mapping", "linyi12345"])
    assert result.exit_code == 0, result.output
    assert "导入 3 条，立案 3 件" in result.output
    make_user("admin", "admin")
    headers = login("admin")
    listed = client.get("/api/alerts", params={"limit": 50}, headers=headers).json()["items"]
    assert len(listed) == 3
    cases = {}
    for item in listed:
        detail = client.get(f"/api/alerts/{item['id']}", headers=headers).json()
        cases[detail["external_ref"]] = detail
    assert set(cases) == {row[0] for row in ORDERS}
    lights, water, noise = (cases[row[0]] for row in ORDERS)
    # A fixed time, and amounts of working days from when the call came in (Wed 18 March 2026).
    assert lights["external_due"] == "2026-03-19T12:00:00+08:00"
    assert water["external_due"] == "2026-03-23T17:30:00+08:00"
    assert noise["external_due"] == "2026-04-09T17:30:00+08:00"
    # The stricter deadline applies: the hotline's where it is earlier than ours, ours where it is earlier.
    assert lights["close_due"] == lights["external_due"] and water["close_due"] == water["external_due"]
    assert noise["close_due"] < noise["external_due"]
    assert all(case["posts"][0]["title"] for case in cases.values())
    again = CliRunner().invoke(app, ["import", str(_csv(tmp_path)), "--mapping", "linyi12345"])
    assert "导入 0 条，立案 0 件，已存在未改动 3 条" in again.output
    assert len(client.get("/api/alerts", headers=headers).json()["items"]) == 3


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_city_platform_pushes_orders_with_a_token_of_its_own(
    client: TestClient, login: Login, trained_model: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = {
        "order_no": "LY2026031800031",
        "title": "养猪场粪水流进水沟",
        "content": "李官镇一个养猪场的粪水顺着水沟流到村口，臭味很大，请处理。",
        "received_at": "2026-03-18T09:30:00+08:00",
        "due": "2026-03-25 17:30",
        "town": "李官镇",
    }
    assert client.post("/api/hotline/orders", json={"orders": [order]}).status_code == 404  # no token: switched off
    monkeypatch.setenv("MUQING_HOTLINE_TOKEN", "city-platform-token-7f3a")
    reload_settings()
    make_user("admin", "admin")
    user = login("admin")
    assert client.post("/api/hotline/orders", json={"orders": [order]}, headers=user).status_code == 401
    token = {"Authorization": "Bearer city-platform-token-7f3a"}
    naive = {**order, "received_at": "2026-03-18 09:30"}
    refused = client.post("/api/hotline/orders", json={"orders": [naive]}, headers=token)
    assert refused.status_code == 422 and "received_at" in refused.text
    pushed = client.post("/api/hotline/orders", json={"orders": [order]}, headers=token)
    assert pushed.status_code == 201, pushed.text
    case = pushed.json()["cases"][0]
    assert case["order_no"] == order["order_no"] and case["outcome"] == "created"
    detail = client.get(f"/api/alerts/{case['alert_id']}", headers=user).json()
    assert detail["external_ref"] == order["order_no"] and detail["external_due"] == "2026-03-25T17:30:00+08:00"
    assert detail["category"] == "pollution"  # the classifier's suggestion, routed like any case
    repeat = client.post("/api/hotline/orders", json={"orders": [order]}, headers=token).json()["cases"][0]
    assert repeat == {**case, "outcome": "known"}

    from alerts.cases.models import Alert, Response
    from core.db import session_scope

    with session_scope() as session:
        alert = session.get(Alert, case["alert_id"])
        assert alert is not None
        alert.responses.append(
            Response(content="已责令养殖场清理水沟并整改粪污设施。", channel="phone", status="published")
        )
    exported = client.get("/api/hotline/orders/export", params={"format": "csv"}, headers=user)
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0]["工单编号"] == order["order_no"] and rows[0]["答复内容"].startswith("已责令")
    assert rows[0]["热线处理时限"] == "2026-03-25 17:30"
    xlsx = client.get("/api/hotline/orders/export", params={"format": "xlsx"}, headers=user)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_the_xlsx_return_keeps_answers_with_control_characters_and_formulas_as_text(
    client: TestClient, login: Login, seeded: str
) -> None:
    from openpyxl import load_workbook

    from alerts.cases.models import Alert, Response
    from core.db import session_scope

    bad = "\x02\x1f"  # NUL is refused when stored (core.db), on both databases
    make_user("duty", "duty")
    alert_id = make_alert(title="养猪场粪水流进水沟")
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        alert.external_ref = "LY2026031800077"
        alert.responses.append(Response(content=f"=已责令{bad}清理水沟", channel="phone", status="published"))
    xlsx = client.get("/api/hotline/orders/export", params={"format": "xlsx"}, headers=login("duty"))
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content))["工单回复"]
    header = [cell.value for cell in sheet[1]]
    answer = sheet[2][header.index("答复内容")]
    assert answer.value == "=已责令清理水沟" and answer.data_type == "s"  # text, never a formula
    assert sheet[2][header.index("工单编号")].value == "LY2026031800077"
