"""Places and the lexicon as data the admin edits (entities, routing and the relevance gate read them at once)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from api.deps import CurrentUser, SessionDep, require_roles
from core.bounds import RowId
from core.district import service
from core.types import Role

router = APIRouter(tags=["district"])
Admin = [require_roles(Role.admin)]


class PlaceIn(BaseModel):
    """A town, village, landmark or farm; villages need their town (``parent_id``)."""

    kind: str = Field(description="town | village | landmark | farm")
    name: str = Field(min_length=1, max_length=100)
    parent_id: RowId | None = None
    type: str = Field(default="", max_length=20, description="街道, 镇, 乡, 村, 社区, 地标, 养殖场 …")
    aliases: list[str] = Field(default_factory=list)
    code: str | None = Field(default=None, max_length=20)
    note: str = ""


class PlaceImportIn(BaseModel):
    """Places from a list, one a line: ``名称[,所属乡镇][,别名1;别名2]``."""

    kind: str
    text: str = Field(min_length=1, max_length=200_000)
    parent_id: RowId | None = None


class TermsIn(BaseModel):
    """Terms to add to one lexicon group."""

    group: str
    terms: list[str] = Field(min_length=1, max_length=5000)


def _import_out(report: service.ListImport) -> dict[str, Any]:
    return {
        "added": report.added,
        "existing": report.existing,
        "errors": [{"line": line, "reason": reason} for line, reason in report.errors],
    }


@router.get("/places")
def list_places(session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """The district, its towns and what lies under each."""
    items = [
        {**service.place_out(head), "children": [service.place_out(child) for child in children]}
        for head, children in service.places_tree(session)
    ]
    session.commit()  # the first read moves the profile's places into the tables
    return {"items": items}


@router.post("/places", status_code=status.HTTP_201_CREATED, dependencies=Admin)
def add_place(session: SessionDep, user: CurrentUser, body: PlaceIn) -> dict[str, Any]:
    """Add a place; it is recognised in posts and by routing at once, without retraining."""
    place = service.add_place(session, actor=user, **body.model_dump())
    session.commit()
    return service.place_out(place)


@router.patch("/places/{place_id}", dependencies=Admin)
def change_place(session: SessionDep, user: CurrentUser, place_id: RowId, body: dict[str, Any]) -> dict[str, Any]:
    """Change a place's name, type, aliases, code, note or ``active``."""
    place = service.update_place(session, actor=user, place_id=place_id, changes=body)
    session.commit()
    return service.place_out(place)


@router.delete("/places/{place_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=Admin)
def remove_place(session: SessionDep, user: CurrentUser, place_id: RowId) -> Response:
    """Remove a place (a town with everything under it)."""
    service.delete_place(session, actor=user, place_id=place_id)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/places/import", dependencies=Admin)
def import_places(session: SessionDep, user: CurrentUser, body: PlaceImportIn) -> dict[str, Any]:
    """Add places from a list; bad lines come back with their number and reason."""
    report = service.import_places(session, actor=user, kind=body.kind, text=body.text, parent_id=body.parent_id)
    session.commit()
    return _import_out(report)


@router.get("/lexicon")
def list_terms(session: SessionDep, user: CurrentUser) -> dict[str, list[dict[str, Any]]]:
    """Lexicon terms per group."""
    grouped = {
        group: [{"id": term.id, "term": term.term} for term in terms]
        for group, terms in service.terms_by_group(session).items()
    }
    session.commit()
    return grouped


@router.post("/lexicon", dependencies=Admin)
def add_terms(session: SessionDep, user: CurrentUser, body: TermsIn) -> dict[str, Any]:
    """Add terms to a group (the relevance gate and the classifier's lexicon features use them at once)."""
    report = service.add_terms(session, actor=user, group=body.group, terms=body.terms)
    session.commit()
    return _import_out(report)


@router.delete("/lexicon/{term_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=Admin)
def remove_term(session: SessionDep, user: CurrentUser, term_id: RowId) -> Response:
    """Remove one term."""
    service.remove_term(session, actor=user, term_id=term_id)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
