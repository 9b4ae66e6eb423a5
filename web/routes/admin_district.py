"""The admin's pages for place names (地名) and the lexicon (词表): add, import from a list, remove."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from core.bounds import RowId
from core.district import service
from core.errors import InvalidInput
from core.models import User
from core.types import Role
from web.deps import SessionDep
from web.pages import committing, done
from web.security import CsrfChecked, require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)
AdminUser = Annotated[User, require_roles(Role.admin)]


def _places_page(
    request: Request, session: SessionDep, user: User, *, error: str = "", report: service.ListImport | None = None
) -> HTMLResponse:
    return render(
        request,
        "admin/places.html",
        {
            "tree": service.places_tree(session),
            "kinds": service.KIND_LABELS,
            "error": error,
            "report": report,
            "tab": "places",
        },
        user=user,
        active="admin",
        status_code=422 if error else 200,
    )


@router.get("/admin/places")
def places_page(request: Request, session: SessionDep, user: AdminUser) -> HTMLResponse:
    """Towns and streets with their villages, landmarks and farms; forms to add and import."""
    response = _places_page(request, session, user)
    session.commit()  # the first visit moves the profile's places into the tables
    return response


@router.post("/admin/places", dependencies=[CsrfChecked])
def add_place(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    kind: Annotated[str, Form()],
    name: Annotated[str, Form()],
    parent_id: Annotated[str, Form()] = "",
    aliases: Annotated[str, Form()] = "",
) -> Response:
    """Add one place."""
    with committing(session, InvalidInput, shown=lambda exc: _places_page(request, session, user, error=exc.message)):
        service.add_place(
            session,
            actor=user,
            kind=kind,
            name=name,
            parent_id=int(parent_id) if parent_id.isdigit() else None,
            aliases=[a for a in aliases.replace("，", ",").replace("、", ",").split(",") if a.strip()],
        )
    return done("/admin/places", "created")


@router.post("/admin/places/import", dependencies=[CsrfChecked])
def import_places(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    kind: Annotated[str, Form()],
    text: Annotated[str, Form()],
    parent_id: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Add places from a list, one a line; bad lines are listed."""
    with committing(session, InvalidInput, shown=lambda exc: _places_page(request, session, user, error=exc.message)):
        report = service.import_places(
            session, actor=user, kind=kind, text=text, parent_id=int(parent_id) if parent_id.isdigit() else None
        )
    return _places_page(request, session, user, report=report)


@router.post("/admin/places/{place_id}/delete", dependencies=[CsrfChecked])
def delete_place(session: SessionDep, user: AdminUser, place_id: RowId) -> RedirectResponse:
    """Remove a place."""
    service.delete_place(session, actor=user, place_id=place_id)
    session.commit()
    return done("/admin/places", "deleted")


def _lexicon_page(
    request: Request, session: SessionDep, user: User, *, error: str = "", report: service.ListImport | None = None
) -> HTMLResponse:
    return render(
        request,
        "admin/lexicon.html",
        {
            "groups": service.terms_by_group(session),
            "labels": service.GROUP_LABELS,
            "error": error,
            "report": report,
            "tab": "lexicon",
        },
        user=user,
        active="admin",
        status_code=422 if error else 200,
    )


@router.get("/admin/lexicon")
def lexicon_page(request: Request, session: SessionDep, user: AdminUser) -> HTMLResponse:
    """The livestock lexicon by group; a box to add terms (one a line) to a group."""
    response = _lexicon_page(request, session, user)
    session.commit()
    return response


@router.post("/admin/lexicon", dependencies=[CsrfChecked])
def add_terms(
    request: Request, session: SessionDep, user: AdminUser, group: Annotated[str, Form()], terms: Annotated[str, Form()]
) -> HTMLResponse:
    """Add terms (one a line, or separated by commas) to a group."""
    words = [w for line in terms.splitlines() for w in line.replace("，", ",").replace("、", ",").split(",")]
    with committing(session, InvalidInput, shown=lambda exc: _lexicon_page(request, session, user, error=exc.message)):
        report = service.add_terms(session, actor=user, group=group, terms=words)
    return _lexicon_page(request, session, user, report=report)


@router.post("/admin/lexicon/{term_id}/delete", dependencies=[CsrfChecked])
def delete_term(session: SessionDep, user: AdminUser, term_id: RowId) -> RedirectResponse:
    """Remove one term."""
    service.remove_term(session, actor=user, term_id=term_id)
    session.commit()
    return done("/admin/lexicon", "deleted")
