"""Typed dependencies: the database session, the current user, role checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from api.security import token_user
from core.config import Settings, get_settings
from core.db import session_factory
from core.errors import AuthenticationFailed, PermissionDenied
from core.models import User
from core.types import Role

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


def get_session() -> Iterator[Session]:
    """A session per request; routes commit their own writes, anything uncommitted is rolled back."""
    session = session_factory()()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TokenDep = Annotated[str | None, Depends(oauth2_scheme)]


def current_user(session: SessionDep, token: TokenDep) -> User:
    """The signed-in user (bearer token), or 401."""
    if not token:
        raise AuthenticationFailed("请先登录")
    return token_user(session, token)


CurrentUser = Annotated[User, Depends(current_user)]


def require_roles(*roles: Role) -> Any:
    """A dependency that lets only ``roles`` through."""

    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise PermissionDenied("当前角色无权进行此操作")
        return user

    return Depends(check)
