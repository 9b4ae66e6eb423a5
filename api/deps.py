"""Typed dependencies: the database session, the current user, role checks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from api.security import token_user
from core.db import request_session
from core.errors import AuthenticationFailed, PermissionDenied
from core.models import User
from core.types import Role

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


# The same dependency as the pages' (web/deps.py): one session per request, shared by both if ever mixed.
SessionDep = Annotated[Session, Depends(request_session)]
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
