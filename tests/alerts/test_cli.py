"""`muqing sla explain`: deadlines with the days skipped and why, and the JSON contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

ORDINARY_JSON = {
    "ack_due": "2025-10-09T17:30:00+08:00",
    "response_due": "2025-10-11T17:30:00+08:00",
    "close_due": "2025-10-14T17:30:00+08:00",
    "provisional": False,
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
        "provisional": False,
    }
    code, out, _ = run("sla", "explain", "--severity", "重大", "--start", "2025-10-01T23:50+08:00", "--json")
    assert json.loads(out) == {
        "ack_due": "2025-10-02T00:20:00+08:00",
        "response_due": "2025-10-02T04:50:00+08:00",
        "close_due": "2025-10-02T23:50:00+08:00",
        "provisional": False,
    }
    # 较大 before the break: the 24 h response and 48 h close would fall before the sign-for; they take its time.
    code, out, _ = run("sla", "explain", "--severity", "较大", "--start", "2025-09-30T08:00:00Z", "--json")
    assert json.loads(out) == {
        "ack_due": "2025-10-09T09:00:00+08:00",
        "response_due": "2025-10-09T09:00:00+08:00",
        "close_due": "2025-10-09T09:00:00+08:00",
        "provisional": False,
    }
    code, out, _ = run("sla", "explain", "--severity", "较大", "--start", "2025-09-30T08:00:00Z")
    assert "首次公开回应：24小时（自然时） → 2025-10-09 09:00（周四）" in out
    assert "按政策应为 2025-10-01 16:00（周三），早于签收时限" in out


def test_text_lists_the_days_skipped_and_why() -> None:
    code, out, _ = run("sla", "explain", "--severity", "一般", "--start", "2025-09-30T16:00+08:00")
    assert code == 0
    assert "签收：1个工作日 → 2025-10-09 17:30（周四）" in out
    assert "办结：5个工作日 → 2025-10-14 17:30（周二）" in out
    assert "2025-10-01（周三）跳过：国庆节假期" in out
    assert "2025-10-11（周六）计入：国庆节调休上班" in out
    code, out, _ = run("sla", "explain", "--severity", "依申请公开", "--start", "2025-09-26T10:00+08:00")
    assert "首次公开回应：本政策不设时限" in out and "经批准延期（20个工作日）后办结" in out


def test_a_year_without_an_official_arrangement_is_provisional() -> None:
    code, out, _ = run("sla", "explain", "--severity", "一般", "--start", "2026-12-28T10:00+08:00")
    assert code == 0
    assert "签收：1个工作日 → 2026-12-29 17:30（周二）\n" in out  # 2026 only: not provisional
    assert "办结：5个工作日 → 2027-01-05 17:30（周二）［暂定：2027年官方安排未录入］" in out
    assert "2027-01-01（周五）跳过：元旦假期（暂定）" in out and "muqing sla import-notice" in out


def test_bad_input_names_what_was_wrong() -> None:
    code, _, err = run("sla", "explain", "--severity", "特大", "--start", "2025-03-02T09:00+08:00")
    assert code == 1 and "依申请公开" in err
    code, _, err = run("sla", "explain", "--severity", "一般", "--start", "2100-01-04T09:00+08:00")
    assert code == 1 and "开始时间（start）" in err and "2100" in err and "1900–2099" in err
    code, _, err = run("sla", "explain", "--severity", "一般", "--start", "2099-12-30T09:00+08:00")
    assert code == 1 and "开始时间（start）：2100 年" in err  # the 5th working day falls past the range
    code, _, err = run("sla", "years", "--around", "1850")
    assert code == 1 and "年份（around）" in err


@pytest.mark.usefixtures("seeded")
def test_policies_and_holiday_years_come_from_the_database(db: str) -> None:
    from datetime import date

    from alerts.sla.holidays import save_year
    from alerts.sla.models import SlaPolicy
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
        policy.limits = {**policy.limits, "close": {"amount": 4, "unit": "working_days"}}
    code, out, _ = run("sla", "explain", "--severity", "一般", "--start", "2099-03-02T09:00+08:00", "--json")
    assert code == 0, out
    # Monday 2 March; the admin's 3 March is off: 4th, 5th, 6th, then Monday 9th.
    assert json.loads(out) == {
        "ack_due": "2099-03-04T17:30:00+08:00",
        "response_due": "2099-03-06T17:30:00+08:00",
        "close_due": "2099-03-09T17:30:00+08:00",
        "provisional": False,
    }


NOTICES = Path(__file__).resolve().parents[1] / "fixtures" / "notices"
# (start, severity) → deadlines on the provisional calendar, then under the 2027 test notice.
ACROSS_THE_YEAR = [
    (
        "2026-12-28T10:00+08:00",
        "一般",
        ("2026-12-29T17:30", "2026-12-31T17:30", "2027-01-05T17:30"),
        ("2026-12-29T17:30", "2026-12-31T17:30", "2027-01-05T17:30"),
    ),
    (
        "2026-12-28T10:00+08:00",
        "依申请公开",
        ("2026-12-29T17:30", None, "2027-01-26T17:30"),
        ("2026-12-29T17:30", None, "2027-01-26T17:30"),
    ),
    # 元旦 (Friday) and the weekend: signed for on Monday 4 January.
    (
        "2026-12-31T16:00+08:00",
        "一般",
        ("2027-01-04T17:30", "2027-01-06T17:30", "2027-01-08T17:30"),
        ("2027-01-04T17:30", "2027-01-06T17:30", "2027-01-08T17:30"),
    ),
    # Provisional 春节 is 5–8 February; the notice makes Sunday 31 January a working day and rests to the 12th.
    (
        "2027-01-29T10:00+08:00",
        "一般",
        ("2027-02-01T17:30", "2027-02-03T17:30", "2027-02-09T17:30"),
        ("2027-01-31T17:30", "2027-02-02T17:30", "2027-02-04T17:30"),
    ),
    (
        "2027-02-03T10:00+08:00",
        "一般",
        ("2027-02-04T17:30", "2027-02-10T17:30", "2027-02-12T17:30"),
        ("2027-02-04T17:30", "2027-02-16T17:30", "2027-02-18T17:30"),
    ),
    (
        "2027-02-04T16:00+08:00",
        "依申请公开",
        ("2027-02-09T17:30", None, "2027-03-08T17:30"),
        ("2027-02-15T17:30", None, "2027-03-11T17:30"),
    ),
]


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data directory with no database yet, for the commands run in this process."""
    from tests.conftest import reload_settings

    data = tmp_path / "fresh"
    monkeypatch.setenv("MUQING_DATA_DIR", str(data))
    monkeypatch.delenv("MUQING_DATABASE_URL", raising=False)
    reload_settings()
    yield data
    monkeypatch.undo()
    reload_settings()


def muqing(data_dir: Path, *args: str) -> Ran:
    from cli import app

    assert os.environ["MUQING_DATA_DIR"] == str(data_dir)
    result = CliRunner().invoke(app, list(args))
    return Ran(result.exit_code, result.stdout, result.stderr)


def expected(values: tuple[str | None, ...], provisional: bool) -> dict[str, object]:
    keys = ("ack_due", "response_due", "close_due")
    return {
        **{key: f"{value}:00+08:00" for key, value in zip(keys, values, strict=True) if value},
        "provisional": provisional,
    }


def test_import_notice_on_a_fresh_data_directory(fresh: Path, tmp_path: Path) -> None:
    data = fresh
    for start, severity, provisional, _ in ACROSS_THE_YEAR:
        out = muqing(data, "sla", "explain", "--severity", severity, "--start", start, "--json")
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout) == expected(provisional, True)  # every close falls in 2027
    only_2026 = muqing(data, "sla", "explain", "--severity", "一般", "--start", "2026-12-21T10:00+08:00", "--json")
    assert json.loads(only_2026.stdout)["provisional"] is False

    broken = tmp_path / "broken.txt"
    broken.write_text((NOTICES / "2027-test.txt").read_text(encoding="utf-8").replace("2月20日", "2月30日"))
    refused = muqing(data, "sla", "import-notice", str(broken))
    assert refused.returncode == 1
    assert "第 8 行" in refused.stderr and "2月30日 不是有效日期" in refused.stderr
    assert "整份通知未导入" in refused.stderr
    assert "2027\t未录入官方安排" in muqing(data, "sla", "years", "--around", "2027").stdout  # nothing saved

    imported = muqing(data, "sla", "import-notice", str(NOTICES / "2027-test.txt"))
    assert imported.returncode == 0, imported.stderr
    assert "与暂定日历不同的日子（16 天）" in imported.stdout
    assert "2027-01-31（周日）暂定休息（周末） → 通知上班（春节调休上班）" in imported.stdout
    assert "已保存 2027 年放假安排" in imported.stdout
    for start, severity, _, official in ACROSS_THE_YEAR:
        out = muqing(data, "sla", "explain", "--severity", severity, "--start", start, "--json")
        assert json.loads(out.stdout) == expected(official, False), start
    assert "2027\t管理员录入" in muqing(data, "sla", "years", "--around", "2027").stdout


def test_replacing_a_year_shows_the_differences_and_asks(fresh: Path, tmp_path: Path) -> None:
    data = fresh
    same = muqing(data, "sla", "import-notice", str(NOTICES / "2026.txt"))
    assert same.returncode == 0 and "与现有" not in same.stdout  # the library's 2026 has the same days
    changed = tmp_path / "2026-changed.txt"
    changed.write_text(
        (NOTICES / "2026.txt").read_text(encoding="utf-8").replace("5月9日（周六）上班", "4月26日（周日）上班")
    )
    refused = muqing(data, "sla", "import-notice", str(changed))
    assert refused.returncode == 1 and "--replace" in refused.stderr
    assert "与现有 2026 年安排不同的日子（2 天）" in refused.stdout
    assert "2026-05-09（周六）现有上班（劳动节调休上班） → 通知休息（周末）" in refused.stdout
    before = muqing(data, "sla", "explain", "--severity", "一般", "--start", "2026-05-08T10:00+08:00", "--json")
    assert json.loads(before.stdout)["ack_due"] == "2026-05-09T17:30:00+08:00"  # unchanged
    replaced = muqing(data, "sla", "import-notice", str(changed), "--replace")
    assert replaced.returncode == 0, replaced.stderr
    after = muqing(data, "sla", "explain", "--severity", "一般", "--start", "2026-05-08T10:00+08:00", "--json")
    assert json.loads(after.stdout)["ack_due"] == "2026-05-11T17:30:00+08:00"
    missing = muqing(data, "sla", "import-notice", str(tmp_path / "nope.txt"))
    assert missing.returncode == 2 and "无法读取文件" in missing.stderr
