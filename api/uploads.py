"""Request bodies: bounded in size, and an upload is accepted only from someone signed in.

FastAPI parses a multipart body (spooling files to disk) before any dependency, the login check included,
runs; so the check for uploads happens here, in front of the application, on the headers alone. Sizes are
enforced by FastAPI's body limit: a small default for the whole application, larger limits on the few
routes that take files (``core.bounds``: ``UPLOAD_MARGIN`` covers the multipart framing around the file).
"""

from __future__ import annotations

import json

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from api.security import token_user
from core.db import reading, session_factory
from core.errors import AuthenticationFailed
from core.websessions import read_session

# Forms that may come before a login (the OAuth2 token form accepts multipart too).
OPEN_PATHS = frozenset({"/api/auth/token", "/login"})


def _bearer(headers: dict[bytes, bytes]) -> str | None:
    value = headers.get(b"authorization", b"").decode("latin-1")
    return value[7:].strip() if value.lower().startswith("bearer ") else None


def _cookie(headers: dict[bytes, bytes], name: str) -> str | None:
    for part in headers.get(b"cookie", b"").decode("latin-1").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _signed_in(headers: dict[bytes, bytes], *, page: bool, cookie_name: str) -> bool:
    session = session_factory()()
    try:
        with reading():  # a look-up: it must not wait behind a long write
            return _check(session, headers, page=page, cookie_name=cookie_name)
    except AuthenticationFailed:
        return False
    finally:
        session.rollback()
        session.close()


def _check(session: Session, headers: dict[bytes, bytes], *, page: bool, cookie_name: str) -> bool:
    token = _bearer(headers)
    if token and not page:
        return token_user(session, token).active
    cookie = _cookie(headers, cookie_name)
    if cookie:
        read_session(session, token=cookie, touch=False)
        return True
    return False


class AuthenticateUploads:
    """Refuse a multipart body from someone not signed in, before a byte of it is read.

    ``cookie_name`` is the pages' session cookie: the composition root, which mounts the pages, names it.
    """

    def __init__(self, app: ASGIApp, *, cookie_name: str) -> None:
        self.app = app
        self.cookie_name = cookie_name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the sender of a multipart request; pass everything else through."""
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if not headers.get(b"content-type", b"").lower().startswith(b"multipart/"):
            await self.app(scope, receive, send)
            return
        page = not scope["path"].startswith("/api")
        if await run_in_threadpool(_signed_in, headers, page=page, cookie_name=self.cookie_name):
            await self.app(scope, receive, send)
            return
        body = json.dumps({"detail": "请先登录再上传文件", "code": AuthenticationFailed.code}, ensure_ascii=False)
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"www-authenticate", b"Bearer"),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body.encode("utf-8")})
