"""Answering well, timed: similar cases, the four checks and the drafts, beside the case they serve.

Seeds a throw-away embedded database (SQLite, FTS5) with closed cases spread over towns, villages and
farms, each answered and followed up, then times, as a section staff member over HTTP in-process:

- baseline: ``GET /api/alerts/{id}`` (the case itself, as the page's data);
- ``GET /api/alerts/{id}/similar`` (search index + same-matter scoring);
- ``POST /api/responses/check`` on a 600-character response;
- ``GET /api/alerts/{id}/drafts``;
- ``GET /alerts/{id}`` (the whole case page, which includes the similar cases and the drafts).

Each figure is the median of repeated requests, printed with its ratio to the baseline of the same run.

    .venv/bin/python bench/answers.py [--cases 200] [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["MUQING_DATA_DIR"] = tempfile.mkdtemp(prefix="muqing-bench-answers-")
os.environ["MUQING_ENV"] = "test"
os.environ["MUQING_TASKS_EAGER"] = "1"

PASSWORD = "bench-password"
TOWNS = {
    "柳河镇": ("前进村", "新庄村", "柳河村"),
    "石桥镇": ("东坡村", "西山村", "红星村"),
    "白沙镇": ("白沙村", "沙河村", "新华村"),
}
FARMS = ("兴旺养猪场", "丰收养猪场", "宏达养鸡场", "金牛养牛场", "绿源牧业", "富民养殖场")
MATTERS = ("粪水直排河沟", "臭味很大晚上没法开窗", "鸡粪乱堆苍蝇多", "污水流进农田", "死猪乱扔没人管")


def _seed(cases: int) -> tuple[int, int]:
    from alerts.seed import seed_defaults
    from core.db import session_scope
    from core.migrate import upgrade
    from core.search.service import reindex
    from core.service import create_user
    from tests.answers.helpers import case, close_with, to_in_progress

    upgrade()
    with session_scope() as session:
        seed_defaults(session)
        for name, role, section in (
            ("duty", "duty", None),
            ("production-staff", "staff", "production"),
            ("production-head", "head", "production"),
        ):
            create_user(session, username=name, password=PASSWORD, role=role, section_code=section)
    places = [(town, village) for town, villages in TOWNS.items() for village in villages]
    for n in range(cases):
        town, village = places[n % len(places)]
        farm = FARMS[n % len(FARMS)]
        title = f"{town}{village}{farm}{MATTERS[n % len(MATTERS)]}（第{n}次反映）"
        alert_id = case(title, towns=(town,), villages=(village,), farms=(farm,))
        to_in_progress(alert_id)
        close_with(alert_id, f"经现场核查，已责令{farm}清运粪污并整改，镇农业服务中心将定期复查（{n}）。")
    target = case(
        "柳河镇前进村兴旺养猪场又在往河沟排粪水", towns=("柳河镇",), villages=("前进村",), farms=("兴旺养猪场",)
    )
    to_in_progress(target)
    reindex()
    return target, cases


def _median_ms(call: object, repeat: int) -> float:
    assert callable(call)
    call()  # warm: templates, tokenizer, connection
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    from cli.modules import wire

    wire()

    import re

    from starlette.testclient import TestClient

    from cli.asgi import create_app

    started = time.perf_counter()
    target, cases = _seed(args.cases)
    print(f"seeded {cases} closed cases in {time.perf_counter() - started:.0f} s; timing case #{target}")
    text = ("经核查，柳河镇前进村兴旺养猪场已按要求清运粪污，修复防渗池，镇农业服务中心将每周复查。" * 15)[:600]
    with TestClient(create_app()) as client:
        token = client.post("/api/auth/token", data={"username": "production-staff", "password": PASSWORD}).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        login = client.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', login)
        assert csrf
        client.post("/login", data={"username": "production-staff", "password": PASSWORD, "csrf": csrf.group(1)})

        def get(path: str, headers: dict[str, str] | None = None) -> None:
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.status_code, response.text[:200])

        def check() -> None:
            response = client.post("/api/responses/check", json={"alert_id": target, "content": text}, headers=auth)
            assert response.status_code == 200, response.text

        found = client.get(f"/api/alerts/{target}/similar", headers=auth).json()["items"]
        baseline = _median_ms(lambda: get(f"/api/alerts/{target}", auth), args.repeat)
        rows = [
            ("similar cases (API)", _median_ms(lambda: get(f"/api/alerts/{target}/similar", auth), args.repeat)),
            ("four checks, 600 chars", _median_ms(check, args.repeat)),
            ("drafts (API)", _median_ms(lambda: get(f"/api/alerts/{target}/drafts", auth), args.repeat)),
            ("case page (HTML, all)", _median_ms(lambda: get(f"/alerts/{target}"), args.repeat)),
        ]
    print(f"similar cases found: {len(found)} (best score {found[0]['score'] if found else '—'})")
    print(f"{'request':<26}{'median ms':>11}{'× baseline':>12}")
    print(f"{'baseline: case (API)':<26}{baseline:>11.1f}{1.0:>12.2f}")
    for name, value in rows:
        print(f"{name:<26}{value:>11.1f}{value / baseline:>12.2f}")


if __name__ == "__main__":
    main()
