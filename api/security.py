"""Access tokens (JWT, HS256) signed with the configured secret."""

from __future__ import annotations

from datetime import timedelta

import jwt

from core.config import get_settings
from core.errors import AuthenticationFailed
from core.timeutil import utcnow

ALGORITHM = "HS256"


def create_access_token(*, user_id: int, minutes: int | None = None) -> str:
    """A signed token naming the user, valid for ``minutes`` (default from settings)."""
    settings = get_settings()
    expires = utcnow() + timedelta(minutes=minutes or settings.token_minutes)
    return jwt.encode({"sub": str(user_id), "exp": expires}, settings.signing_key, algorithm=ALGORITHM)


def read_access_token(token: str) -> int:
    """The user id in a valid token, or AuthenticationFailed."""
    try:
        payload = jwt.decode(token, get_settings().signing_key, algorithms=[ALGORITHM])
        return int(payload["sub"])
    except jwt.ExpiredSignatureError as exc:
        raise AuthenticationFailed("登录已过期，请重新登录") from exc
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise AuthenticationFailed("登录凭证无效，请重新登录") from exc
