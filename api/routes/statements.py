"""The 口径库 (heads and admin write, everyone reads) and the check word lists (admin writes, heads read)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from alerts.statements import service
from alerts.statements.schemas import (
    StatementIn,
    StatementList,
    StatementOut,
    StatementPatch,
    TermIn,
    TermList,
    TermListOut,
    TermOut,
    TermPatch,
)
from api.deps import CurrentUser, SessionDep, require_roles
from core.bounds import RowId
from core.types import Category, Role

router = APIRouter(tags=["statements"])
Writers = require_roles(Role.head, Role.admin)


@router.get("/statements")
def list_statements(
    session: SessionDep,
    user: CurrentUser,
    category: Category | None = None,
    valid: Annotated[bool, Query(description="only statements in force today")] = False,
) -> StatementList:
    """Approved statements, newest first; each says whether it has expired."""
    rows = service.list_statements(session, category=category.value if category else None, valid_only=valid)
    return StatementList(items=[service.statement_out(row) for row in rows])


@router.get("/statements/{statement_id}")
def get_statement(session: SessionDep, user: CurrentUser, statement_id: RowId) -> StatementOut:
    """One statement with its policy documents."""
    return service.statement_out(service.get_statement(session, statement_id=statement_id))


@router.post("/statements", status_code=201, dependencies=[Writers])
def create_statement(session: SessionDep, user: CurrentUser, body: StatementIn) -> StatementOut:
    """Add an approved statement (section heads and admin)."""
    row = service.create_statement(session, actor=user, data=body)
    session.commit()
    return service.statement_out(service.get_statement(session, statement_id=row.id))


@router.patch("/statements/{statement_id}", dependencies=[Writers])
def update_statement(session: SessionDep, user: CurrentUser, statement_id: RowId, body: StatementPatch) -> StatementOut:
    """Change a statement; ``documents`` replaces the list (section heads and admin)."""
    service.update_statement(session, actor=user, statement_id=statement_id, changes=body)
    session.commit()
    session.expire_all()
    return service.statement_out(service.get_statement(session, statement_id=statement_id))


@router.get("/check-terms", dependencies=[require_roles(Role.head, Role.admin, Role.leader)])
def list_terms(session: SessionDep, list_name: Annotated[TermList | None, Query(alias="list")] = None) -> TermListOut:
    """The word lists of the checks (confidential, political, misused, promise, allowed)."""
    rows = service.list_terms(session, list_name=list_name)
    return TermListOut(items=[TermOut.model_validate(row) for row in rows])


@router.post("/check-terms", status_code=201, dependencies=[require_roles(Role.admin)])
def add_term(session: SessionDep, user: CurrentUser, body: TermIn) -> TermOut:
    """Add a word-list entry (admin)."""
    row = service.add_term(session, actor=user, data=body)
    session.commit()
    return TermOut.model_validate(row)


@router.patch("/check-terms/{term_id}", dependencies=[require_roles(Role.admin)])
def update_term(session: SessionDep, user: CurrentUser, term_id: RowId, body: TermPatch) -> TermOut:
    """Change an entry's suggestion or note, or switch it off or on (admin)."""
    row = service.update_term(session, actor=user, term_id=term_id, changes=body.model_dump(exclude_unset=True))
    session.commit()
    return TermOut.model_validate(row)


@router.delete("/check-terms/{term_id}", status_code=204, dependencies=[require_roles(Role.admin)])
def delete_term(session: SessionDep, user: CurrentUser, term_id: RowId) -> Response:
    """Remove an entry the admin added (shipped entries can only be switched off)."""
    service.delete_term(session, actor=user, term_id=term_id)
    session.commit()
    return Response(status_code=204)
