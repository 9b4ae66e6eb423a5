"""Every time on every page is Beijing time: walked as each role at a moment when UTC is still the day before."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime

import pytest
import time_machine
from fastapi.testclient import TestClient

from tests.factories import make_alert, make_user
from tests.walk import Fetch, visible_text, walk
from tests.web.helpers import csrf_of, sign_in

pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)

# 20:00 UTC on 31 December is 04:00 on 1 January 2027 in Beijing: a UTC time would show the wrong year.
MOMENT = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)
UTC_RENDERED = re.compile(r"(2026-12-31|12-31|12月31日)\s*(T|\s)?\s*20[:：]0\d|2026-12-31T20")
BEIJING_RENDERED = re.compile(r"(2027-01-01|01-01|1月1日)\s*0?4[:：]0\d")
ROLES = ("admin", "duty", "leader", "production-head", "production-staff")


def _fetch(client: TestClient) -> Fetch:
    def fetch(path: str) -> tuple[str, str] | None:
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.headers.get("content-type", ""):
            return None
        return response.url.path, response.text

    return fetch


def test_no_page_shows_a_time_in_utc(client: TestClient, people: None) -> None:
    make_user("admin", "admin")
    with time_machine.travel(MOMENT, tick=True):
        first = make_alert(title="柳河镇前进村养猪场粪水直排河沟", category="pollution")
        make_alert(title="石桥镇路边发现多头死猪", category="epidemic", severity="重大")
        sign_in(client, "duty")
        page = client.get(f"/alerts/{first}").text
        client.post(f"/alerts/{first}/action", data={"action": "acknowledge", "csrf": csrf_of(page)})
        walked: dict[str, list[str]] = {}
        beijing_seen = 0
        for role in ROLES:
            client.cookies.clear()
            sign_in(client, role)
            for path, html in walk(_fetch(client), ["/"]):
                text = visible_text(html)
                found = UTC_RENDERED.search(text)
                assert found is None, (
                    f"{role} sees a UTC time on {path}: …{text[max(0, found.start() - 60) : found.end() + 20]}…"
                )
                beijing_seen += bool(BEIJING_RENDERED.search(text))
                walked.setdefault(role, []).append(path)
    assert beijing_seen >= len(ROLES)  # the cases' times are shown, in Beijing time
    assert any(path.startswith("/admin/") for path in walked["admin"]) and len(walked["admin"]) > 20
    assert any(path.startswith("/alerts/") for path in walked["production-head"])


def test_the_model_page_shows_training_times_in_beijing_time(
    client: TestClient, people: None, trained_model: str
) -> None:
    from nlp.registry import models_dir

    make_user("admin", "admin")
    # A version trained at MOMENT whose card, like older ones, has no precomputed local time.
    source = models_dir() / trained_model
    copy = models_dir() / "20261231200000000-utccheck"
    shutil.copytree(source, copy)
    try:
        meta_file = copy / "meta.json"
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        meta.update(version=copy.name, created_at=MOMENT.isoformat())
        meta.pop("created_at_local", None)
        meta_file.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        sign_in(client, "admin")
        for path in ("/admin/models", f"/admin/models/{copy.name}"):
            text = visible_text(client.get(path).text)
            assert "2027-01-01 04:00" in text and "北京时间" in text, path
            assert "2026-12-31 20:00" not in text and "2026-12-31T20" not in text, path
    finally:
        shutil.rmtree(copy)
