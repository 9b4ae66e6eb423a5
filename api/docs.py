"""The API documentation pages, served with our own copies of Swagger UI and ReDoc (they work offline).

FastAPI's defaults load both from a CDN, which an intranet cannot reach; the builds we serve are
vendored by ``web/assets/vendor.sh`` into ``web/static/vendor``. A content security policy keeps the
pages from reaching any other host (the Swagger UI validator badge is off for the same reason).

Swagger UI is started by ``web/static/api-docs.js`` rather than FastAPI's inline script: it adds a plugin
that lists every operation in the page (see that file for why), so the page needs no inline script.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from html import escape
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_oauth2_redirect_html
from starlette.responses import HTMLResponse

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
DOCS_URL = "/api/docs"
REDOC_URL = "/api/redoc"
OAUTH2_REDIRECT_URL = "/api/docs/oauth2-redirect"
# Nothing may come from, or go to, another host. The OAuth2 redirect page (FastAPI's) runs an inline
# script; Swagger UI's own page does not, so it also refuses inline scripts.
_POLICY = (
    "default-src 'self'; script-src 'self'{inline}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = _POLICY.format(inline=" 'unsafe-inline'")
SWAGGER_UI_CSP = _POLICY.format(inline="")


@cache
def _asset(path: str) -> str:
    digest = hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:10]
    return f"/static/{path}?v={digest}"


def _page(response: HTMLResponse, *, policy: str = DOCS_CSP) -> HTMLResponse:
    response.headers["Content-Security-Policy"] = policy
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def add_docs(app: FastAPI) -> None:
    """Serve Swagger UI at /api/docs and ReDoc at /api/redoc from our static files."""
    openapi_url = app.openapi_url or "/api/openapi.json"

    @app.get(DOCS_URL, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _page(HTMLResponse(_swagger_ui_html(app.title, openapi_url)), policy=SWAGGER_UI_CSP)

    @app.get(OAUTH2_REDIRECT_URL, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return _page(get_swagger_ui_oauth2_redirect_html())

    @app.get(REDOC_URL, include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _page(
            get_redoc_html(
                openapi_url=openapi_url,
                title=f"{app.title} — API",
                redoc_js_url=_asset("vendor/redoc/redoc.standalone.js"),
                redoc_favicon_url=_asset("icon.svg"),
                with_google_fonts=False,
            )
        )


def _swagger_ui_html(title: str, openapi_url: str) -> str:
    settings = {
        "url": openapi_url,
        "dom_id": "#swagger-ui",
        "layout": "BaseLayout",
        "deepLinking": True,
        "showExtensions": True,
        "showCommonExtensions": True,
        "validatorUrl": None,
        "oauth2RedirectUrl": OAUTH2_REDIRECT_URL,
    }
    # Inside <script> only "</" could end the block early; escaping <, > and & keeps it plain data.
    data = json.dumps(settings, ensure_ascii=False)
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="{_asset("vendor/swagger-ui/swagger-ui.css")}">
<link rel="icon" href="{_asset("icon.svg")}">
<title>{escape(title)} — API</title>
</head>
<body>
<div id="swagger-ui"></div>
<script type="application/json" id="swagger-ui-settings">{data}</script>
<script src="{_asset("vendor/swagger-ui/swagger-ui-bundle.js")}"></script>
<script src="{_asset("api-docs.js")}"></script>
</body>
</html>
"""
