"""The web application: the API with the pages mounted beside it (``uvicorn cli.asgi:create_app --factory``)."""

from __future__ import annotations

from fastapi import FastAPI

from api.main import ReadOnlyRequests, create_api
from api.uploads import AuthenticateUploads
from cli.modules import wire
from web.routes import mount
from web.security import SESSION_COOKIE


def create_app() -> FastAPI:
    """The API and the web UI in one application, on a wired process."""
    wire()
    app = create_api()
    mount(app)
    # Both wrap the pages as well as the API: reads begin as readers, uploads need a signed-in sender.
    app.add_middleware(ReadOnlyRequests)
    app.add_middleware(AuthenticateUploads, cookie_name=SESSION_COOKIE)
    return app
