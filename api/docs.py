"""The API documentation pages, served with our own copies of Swagger UI and ReDoc (they work offline).

FastAPI's defaults load both from a CDN, which an intranet cannot reach; the builds we serve are
vendored by ``web/assets/vendor.sh`` into ``web/static/vendor``. A content security policy keeps the
pages from reaching any other host (the Swagger UI validator badge is off for the same reason).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from starlette.responses import HTMLResponse

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
DOCS_URL = "/api/docs"
REDOC_URL = "/api/redoc"
OAUTH2_REDIRECT_URL = "/api/docs/oauth2-redirect"
# Swagger UI starts itself with an inline script; nothing may come from, or go to, another host.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


@cache
def _asset(path: str) -> str:
    digest = hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:10]
    return f"/static/{path}?v={digest}"


def _page(response: HTMLResponse) -> HTMLResponse:
    response.headers["Content-Security-Policy"] = DOCS_CSP
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def add_docs(app: FastAPI) -> None:
    """Serve Swagger UI at /api/docs and ReDoc at /api/redoc from our static files."""
    openapi_url = app.openapi_url or "/api/openapi.json"

    @app.get(DOCS_URL, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _page(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=f"{app.title} — API",
                swagger_js_url=_asset("vendor/swagger-ui/swagger-ui-bundle.js"),
                swagger_css_url=_asset("vendor/swagger-ui/swagger-ui.css"),
                swagger_favicon_url=_asset("icon.svg"),
                oauth2_redirect_url=OAUTH2_REDIRECT_URL,
                swagger_ui_parameters={"validatorUrl": None},
            )
        )

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
