"""Every script and style a page uses is served by us; the vendored chart bundle carries its licences."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from fastapi.testclient import TestClient

from tests.web.helpers import sign_in

STATIC = Path(__file__).resolve().parents[2] / "web" / "static"
TEMPLATES = STATIC.parent / "templates"


def test_the_chart_bundle_is_the_one_its_version_file_names() -> None:
    vendor = STATIC / "vendor" / "echarts"
    version = (vendor / "VERSION").read_text(encoding="utf-8").splitlines()
    assert version[0].startswith("Apache ECharts ")
    assert hashlib.sha256((vendor / "echarts.min.js").read_bytes()).hexdigest() == version[1]
    assert "Apache License" in (vendor / "LICENSE").read_text(encoding="utf-8")
    for name in ("NOTICE", "LICENSE-zrender", "LICENSE-tslib", "LICENSE-d3"):
        assert (vendor / name).stat().st_size > 0


def test_no_page_loads_anything_from_another_host() -> None:
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for url in re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', text):
            assert url.startswith(("/", "{{")), f"{template.name} loads {url}"
    for asset in list(STATIC.glob("*.css")) + list(STATIC.glob("*.js")):
        text = asset.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text and "@import" not in text, asset.name


def test_the_dashboard_serves_its_charts_itself(client: TestClient, people: None) -> None:
    sign_in(client, "leader")
    page = client.get("/dashboard")
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    assert any("vendor/echarts/echarts.min.js" in s for s in scripts)
    for script in scripts:
        response = client.get(script)
        assert response.status_code == 200 and "javascript" in response.headers["content-type"]
    compressed = client.get(scripts[-1], headers={"Accept-Encoding": "gzip"})
    assert compressed.headers.get("content-encoding") == "gzip"


def test_the_api_docs_builds_are_the_ones_their_version_files_name() -> None:
    builds = {"swagger-ui": ("swagger-ui-bundle.js", "swagger-ui.css"), "redoc": ("redoc.standalone.js",)}
    for folder, files in builds.items():
        vendor = STATIC / "vendor" / folder
        lines = (vendor / "VERSION").read_text(encoding="utf-8").splitlines()
        hashes = {name: digest for digest, name in (line.split() for line in lines[1:])}
        assert set(hashes) == set(files)
        for name in files:
            assert hashlib.sha256((vendor / name).read_bytes()).hexdigest() == hashes[name]
        assert (vendor / "LICENSE").stat().st_size > 0


def test_the_api_docs_load_nothing_from_another_host(client: TestClient) -> None:
    for path in ("/api/docs", "/api/redoc", "/api/docs/oauth2-redirect"):
        page = client.get(path)
        assert page.status_code == 200
        urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert all(url.startswith("/") for url in urls), urls
        assert "https://" not in page.text and "http://" not in page.text
        policy = page.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "connect-src 'self'" in policy
        for url in urls:
            assert client.get(url).status_code == 200, url
    assert '"validatorUrl": null' in client.get("/api/docs").text


def test_swagger_ui_starts_from_our_script_and_its_page_refuses_inline_scripts(client: TestClient) -> None:
    page = client.get("/api/docs")
    policy = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    assert policy["script-src"] == "'self'"
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, flags=re.S)
    executable = [(attrs, body) for attrs, body in scripts if 'type="application/json"' not in attrs]
    assert [body.strip() for _, body in executable] == ["", ""]
    assert any("/static/api-docs.js?v=" in attrs for attrs, _ in executable)
    settings = re.search(r'<script type="application/json" id="swagger-ui-settings">(.*?)</script>', page.text)
    assert settings is not None and '"url": "/api/openapi.json"' in settings.group(1)
