"""Sign in with the OAuth2 password flow; who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from api.deps import CurrentUser, SessionDep
from api.security import create_access_token
from core.schemas import UserOut
from core.signin import sign_in_user

router = APIRouter(prefix="/auth", tags=["auth"])


class Token(BaseModel):
    """A bearer token."""

    access_token: str
    token_type: str = "bearer"


@router.post("/token")
def login(request: Request, session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    """Exchange username and password for a bearer token (throttled like the sign-in page)."""
    ip = request.client.host if request.client else ""
    user = sign_in_user(session, username=form.username, password=form.password, ip=ip)
    session.commit()
    return Token(access_token=create_access_token(user=user))


@router.get("/me")
def me(user: CurrentUser) -> UserOut:
    """The signed-in user."""
    return UserOut.model_validate(user)
