"""`muqing sla explain`: deadlines with the days skipped and why, and the JSON contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

ORDINARY_JSON = {
    "ack_due": "2025-10-09T17:30:00+08:00",
    "response_due": "2025-10-11T17:30:00+08:00",
    "close_due": "2025-10-14T17:30:00+08:00",
}


def run(*args: str) -> tuple[int, str, str]:
    from cli import app

    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_the_command_works_in_a_fresh_data_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUQING_")}
    env["MUQING_DATA_DIR"] = str(tmp_path / "fresh")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli",
            "sla",
            "explain",
            "--severity",
            "一般",
            "--start",
            "2025-09-30T16:00+08:00",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert json.loads(out.stdout) == ORDINARY_JSON
    assert not (tmp_path / "fresh" / "muqing.db").exists(), "explaining must not create a database"


def test_json_for_each_severity(seeded: str) -> None:
    code, out, _ = run("sla", "explain", "--severity", "一般", "--start", "2025-09-30T16:00+08:00", "--json")
    assert code == 0 and json.loads(out) == ORDINARY_JSON
    code, out, _ = run("sla", "explain", "--severity", "依申请公开", "--start", "2025-09-26T10:00+08:00", "--json")
    assert code == 0 and json.loads(out) == {
        "ack_due": "2025-09-28T17:30:00+08:00",
        "close_due": "2025-10-30T17:30:00+08:00",
    }
    code, out, _ = run("sla", "explain", "--severity", "重大", "--start", "2025-10-01T23:50+08:00", "--json")
    assert json.loads(out) == {
        "ack_due": "2025-10-02T00:20:00+08:00",
        "response_due": "2025-10-02T04:50:00+08:00",
        "close_due": "2025-10-02T23:50:00+08:00",
    }
    code, out, _ = run("sla", "explain", "--severity", "较大", "--start", "2025-09-30T08:00:00Z", "--json")
    assert json.loads(out) == {
        "ack_due": "2025-10-09T09:00:00+08:00",
        "response_due": "2025-10-01T16:00:00+08:00",
        "close_due": "2025-10-02T16:00:00+08:00",
    }


def test_text_lists_the_days_skipped_and_why() -> None:
    code, out, _ = run("sla", "explain", "--severity", "一般", "--start", "2025-09-30T16:00+08:00")
    assert code == 0
    assert "签收：1个工作日 → 2025-10-09 17:30（周四）" in out
    assert "办结：5个工作日 → 2025-10-14 17:30（周二）" in out
    assert "2025-10-01（周三）跳过：国庆节假期" in out
    assert "2025-10-11（周六）计入：国庆节调休上班" in out
    code, out, _ = run("sla", "explain", "--severity", "依申请公开", "--start", "2025-09-26T10:00+08:00")
    assert "首次公开回应：本政策不设时限" in out and "经批准延期（20个工作日）后办结" in out


def test_a_year_without_a_calendar_is_a_clear_error() -> None:
    code, _, err = run("sla", "explain", "--severity", "一般", "--start", "2099-03-02T09:00+08:00")
    assert code == 1 and "2099" in err and "管理员" in err
    code, _, err = run("sla", "explain", "--severity", "特大", "--start", "2025-03-02T09:00+08:00")
    assert code == 1 and "依申请公开" in err


@pytest.mark.usefixtures("seeded")
def test_policies_and_holiday_years_come_from_the_database(db: str) -> None:
    from datetime import date

    from alerts.cases.models import SlaPolicy
    from alerts.holidays import save_year
    from core.db import session_scope
    from tests.factories import get_user, make_user

    make_user("admin", "admin")
    with session_scope() as session:
        admin = session.merge(get_user("admin"))
        save_year(
            session,
            year=2099,
            days=[{"date": date(2099, 3, 3), "workday": False, "name": "测试节"}],
            notice="测试通知",
            user=admin,
        )
        policy = session.query(SlaPolicy).filter_by(name="一般").one()
        policy.limits = {**policy.limits, "close": {"amount": 2, "unit": "working_days"}}
    code, out, _ = run("sla", "explain", "--severity", "一般", "--start", "2099-03-02T09:00+08:00", "--json")
    assert code == 0, out
    assert json.loads(out)["ack_due"] == "2099-03-04T17:30:00+08:00"
    assert json.loads(out)["close_due"] == "2099-03-05T17:30:00+08:00"
