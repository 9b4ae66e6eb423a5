"""Page weights of the web UI: what each main page costs to load on a slow link.

Signs in as each role on a seeded throw-away database and fetches every main page the way a browser
does the first time (HTML plus the scripts, styles and icons it references), with gzip. The baseline,
measured in the same run, is the same bytes uncompressed, and the transfer time at a slow 512 kbit/s link.

    .venv/bin/python bench/pages.py
"""

from __future__ import annotations

import gzip
import os
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["MUQING_DATA_DIR"] = tempfile.mkdtemp(prefix="muqing-bench-pages-")
os.environ["MUQING_ENV"] = "test"
os.environ["MUQING_TASKS_EAGER"] = "1"

PASSWORD = "bench-password"
SLOW_LINK_BYTES_PER_SECOND = 512_000 / 8
PAGES = {
    "duty": ["/login", "/console", "/alerts", "/alerts/1", "/search?q=养猪场"],
    "leader": ["/dashboard", "/reports"],
    "production-staff": ["/workbench"],
    "admin": ["/admin/users", "/admin/routing"],
}


def main() -> None:
    from starlette.testclient import TestClient

    from alerts.seed import seed_defaults
    from cli.asgi import create_app
    from core.db import session_scope
    from core.migrate import upgrade
    from core.service import create_user
    from tests.factories import make_alert

    upgrade()
    with session_scope() as session:
        seed_defaults(session)
        for name, role, section in (
            ("duty", "duty", None),
            ("leader", "leader", None),
            ("admin", "admin", None),
            ("production-staff", "staff", "production"),
        ):
            create_user(session, username=name, password=PASSWORD, role=role, section_code=section)
    towns = ["柳河镇", "石桥镇", "白沙镇", "青禾街道", "城东街道", "城西街道"]
    matters = [
        "养猪场粪水直排河沟，臭味很大",
        "养鸡场鸡粪堆在路边没人清理",
        "有人半夜私宰生猪卖给饭店",
        "路边扔了好几头死猪没人处理",
        "菜市场猪肉没有检疫章",
        "养牛场晚上噪音大臭味重",
    ]
    for n in range(30):
        # Distinct matters: near-duplicate texts would be stored once, as reposts of the first.
        title = f"{towns[n % 6]}{'东西南北中'[n // 6]}村{matters[(n + n // 6) % 6]}"
        make_alert(title=title, url=f"https://bench.example.cn/{n}")

    print(f"{'page':<22}{'HTML gz':>10}{'assets gz':>11}{'total gz':>10}{'total raw':>11}{'512kbit/s':>11}")
    for username, paths in PAGES.items():
        with TestClient(create_app()) as client:
            login = client.get("/login").text
            token = re.search(r'name="csrf" value="([^"]+)"', login)
            assert token
            client.post("/login", data={"username": username, "password": PASSWORD, "csrf": token.group(1)})
            for path in paths:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                html = response.content
                assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', response.text)
                raw_assets = [client.get(asset).content for asset in dict.fromkeys(assets)]
                html_gz = len(gzip.compress(html, 6))
                assets_gz = sum(len(gzip.compress(body, 6)) for body in raw_assets)
                raw = len(html) + sum(len(body) for body in raw_assets)
                seconds = (html_gz + assets_gz) / SLOW_LINK_BYTES_PER_SECOND
                print(
                    f"{path:<22}{html_gz / 1024:>9.1f}K{assets_gz / 1024:>10.1f}K"
                    f"{(html_gz + assets_gz) / 1024:>9.1f}K{raw / 1024:>10.1f}K{seconds:>10.1f}s"
                )
    print("assets are cached for a year after the first load (versioned URLs), so later pages cost only their HTML")


if __name__ == "__main__":
    main()
