"""Sign in with the OAuth2 password flow; who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from api.deps import CurrentUser, SessionDep
from api.security import create_access_token
from core.schemas import UserOut
from core.service import authenticate

router = APIRouter(prefix="/auth", tags=["auth"])


class Token(BaseModel):
    """A bearer token."""

    access_token: str
    token_type: str = "bearer"


@router.post("/token")
def login(session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    """Exchange username and password for a bearer token."""
    user = authenticate(session, username=form.username, password=form.password)
    session.commit()
    return Token(access_token=create_access_token(user_id=user.id))


@router.get("/me")
def me(user: CurrentUser) -> UserOut:
    """The signed-in user."""
    return UserOut.model_validate(user)
