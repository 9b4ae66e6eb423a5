"""Access tokens (JWT, HS256) signed with the configured secret.

A token carries a stamp of the user's password hash: setting a new password (a reset by the admin
included) changes the hash, and every token issued before it stops working at once.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import jwt
from sqlalchemy.orm import Session

from core.config import get_settings
from core.errors import AuthenticationFailed
from core.models import User
from core.timeutil import utcnow

ALGORITHM = "HS256"


def password_stamp(user: User) -> str:
    """A short fingerprint of the user's password hash (never the hash itself)."""
    return hashlib.sha256(user.password_hash.encode("utf-8")).hexdigest()[:16]


def create_access_token(*, user: User, minutes: int | None = None) -> str:
    """A signed token naming the user, valid for ``minutes`` (default from settings) or until the password changes."""
    settings = get_settings()
    expires = utcnow() + timedelta(minutes=minutes or settings.token_minutes)
    claims = {"sub": str(user.id), "exp": expires, "pwd": password_stamp(user)}
    return jwt.encode(claims, settings.signing_key, algorithm=ALGORITHM)


def token_user(session: Session, token: str) -> User:
    """The active user a valid token names, or AuthenticationFailed (also once the password has changed)."""
    try:
        stamp = jwt.decode(token, get_settings().signing_key, algorithms=[ALGORITHM]).get("pwd")
    except jwt.PyJWTError:
        stamp = None
    user = session.get(User, read_access_token(token))
    if user is None or not user.active:
        raise AuthenticationFailed("账号不存在或已停用")
    if stamp != password_stamp(user):
        raise AuthenticationFailed("密码已更改，请重新登录")
    return user


def read_access_token(token: str) -> int:
    """The user id in a valid token, or AuthenticationFailed."""
    try:
        payload = jwt.decode(token, get_settings().signing_key, algorithms=[ALGORITHM])
        return int(payload["sub"])
    except jwt.ExpiredSignatureError as exc:
        raise AuthenticationFailed("登录已过期，请重新登录") from exc
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise AuthenticationFailed("登录凭证无效，请重新登录") from exc
