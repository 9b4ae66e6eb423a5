"""The web application: the API with the pages mounted beside it (``uvicorn cli.asgi:create_app --factory``)."""

from __future__ import annotations

from fastapi import FastAPI

from api.main import create_api
from cli.modules import wire
from web.routes import mount


def create_app() -> FastAPI:
    """The API and the web UI in one application, on a wired process."""
    wire()
    app = create_api()
    mount(app)
    return app
