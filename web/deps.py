"""Typed dependencies of the pages: the database session of a request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from core.db import request_session

SessionDep = Annotated[Session, Depends(request_session)]
