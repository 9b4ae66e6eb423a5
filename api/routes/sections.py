"""Sections (科室)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from api.deps import CurrentUser, SessionDep
from core.models import Section
from core.schemas import SectionRef

router = APIRouter(prefix="/sections", tags=["sections"])


@router.get("")
def list_sections(session: SessionDep, user: CurrentUser) -> list[SectionRef]:
    """Active sections."""
    sections = session.scalars(select(Section).where(Section.active.is_(True)).order_by(Section.id))
    return [SectionRef.model_validate(section) for section in sections]
