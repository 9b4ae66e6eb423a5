"""Pages for the 口径库 (everyone reads; section heads and admin write) and the check word lists (admin)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.responses import Response

from alerts.statements import service
from alerts.statements.schemas import TERM_LISTS, DocumentIn, StatementIn, StatementPatch, TermIn
from core.bounds import RowId
from core.errors import InvalidInput, MuqingError, http_status
from core.models import User
from core.types import CATEGORY_LABELS, Role
from web.deps import SessionDep
from web.pages import committing, done
from web.security import CsrfChecked, WebUser, require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)

Writer = Annotated[User, require_roles(Role.head, Role.admin)]
Admin = Annotated[User, require_roles(Role.admin)]
FIELD_NAMES = {
    "category": "类别",
    "topic": "主题",
    "wording": "审定表述",
    "keywords": "关键词",
    "approved_by": "审定人",
    "valid_from": "有效期起",
    "valid_until": "有效期止",
    "documents": "政策文件",
    "list": "词表",
    "term": "词语",
    "suggestion": "正确写法",
}


def _validation_message(exc: ValidationError) -> InvalidInput:
    first = exc.errors()[0]
    location = [str(part) for part in first.get("loc", ())]
    name = FIELD_NAMES.get(location[0], location[0]) if location else "输入"
    if location[:1] == ["documents"] and len(location) > 1:
        name = f"政策文件第 {int(location[1]) + 1} 行"
    reason = str(first.get("msg", "")).removeprefix("Value error, ")
    return InvalidInput(f"{name}：{reason}", details={"field": "/".join(location)})


def _documents(text: str) -> list[DocumentIn]:
    """One document a line: 标题 | 文号 | 链接 (文号 and 链接 may be left out)."""
    documents = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.replace("｜", "|").split("|")]
        try:
            documents.append(
                DocumentIn(
                    title=parts[0], number=parts[1] if len(parts) > 1 else "", link=parts[2] if len(parts) > 2 else None
                )
            )
        except ValidationError as exc:
            reason = str(exc.errors()[0].get("msg", "")).removeprefix("Value error, ")
            raise InvalidInput(f"政策文件第 {number} 行：{reason}", details={"field": "documents"}) from exc
    return documents


def _form(
    category: str,
    topic: str,
    wording: str,
    keywords: str,
    approved_by: str,
    valid_from: str,
    valid_until: str,
    documents: str,
) -> dict[str, Any]:
    return {
        "category": category,
        "topic": topic,
        "wording": wording,
        "keywords": [word for word in keywords.replace("，", ",").replace("、", ",").split(",") if word.strip()],
        "approved_by": approved_by,
        "valid_from": valid_from or None,
        "valid_until": valid_until or None,
        "documents": _documents(documents),
    }


def _page(
    request: Request, session: SessionDep, user: User, *, category: str = "", error: str = "", status_code: int = 200
) -> HTMLResponse:
    today = service.today()
    rows = service.list_statements(session, category=category if category in CATEGORY_LABELS else None)
    return render(
        request,
        "statements.html",
        {
            "statements": rows,
            "today": today,
            "category": category,
            "can_write": user.role in (Role.head, Role.admin),
            "error": error,
        },
        user=user,
        active="statements",
        status_code=status_code,
    )


@router.get("/statements")
def statements_page(request: Request, session: SessionDep, user: WebUser, category: str = "") -> HTMLResponse:
    """The 口径库: every statement with its documents; expired ones are marked and never suggested."""
    return _page(request, session, user, category=category)


def _refused(
    page: Callable[..., HTMLResponse],
    request: Request,
    session: SessionDep,
    user: User,
    *,
    not_found_page: bool = False,
) -> Callable[[MuqingError], HTMLResponse]:
    """``page`` again with why the form was refused; with ``not_found_page`` a missing row stays the 404 page."""

    def shown(exc: MuqingError) -> HTMLResponse:
        if not_found_page and exc.code == "not_found":
            raise exc
        return page(request, session, user, error=exc.message, status_code=http_status(exc))

    return shown


@router.post("/statements", response_model=None, dependencies=[CsrfChecked])
def add_statement(
    request: Request,
    session: SessionDep,
    user: Writer,
    category: Annotated[str, Form(max_length=40)],
    topic: Annotated[str, Form(max_length=200)] = "",
    wording: Annotated[str, Form(max_length=10000)] = "",
    keywords: Annotated[str, Form(max_length=2000)] = "",
    approved_by: Annotated[str, Form(max_length=100)] = "",
    valid_from: Annotated[str, Form(max_length=10)] = "",
    valid_until: Annotated[str, Form(max_length=10)] = "",
    documents: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    """Add a statement (section heads and admin)."""
    with committing(session, MuqingError, shown=_refused(_page, request, session, user)):
        if not valid_from:
            raise InvalidInput("有效期起：请填写", details={"field": "valid_from"})
        try:
            data = StatementIn(
                **_form(category, topic, wording, keywords, approved_by, valid_from, valid_until, documents)
            )
        except ValidationError as exc:
            raise _validation_message(exc) from exc
        service.create_statement(session, actor=user, data=data)
    return done("/statements", "created")


@router.post("/statements/{statement_id}", response_model=None, dependencies=[CsrfChecked])
def edit_statement(
    request: Request,
    session: SessionDep,
    user: Writer,
    statement_id: RowId,
    category: Annotated[str, Form(max_length=40)],
    topic: Annotated[str, Form(max_length=200)] = "",
    wording: Annotated[str, Form(max_length=10000)] = "",
    keywords: Annotated[str, Form(max_length=2000)] = "",
    approved_by: Annotated[str, Form(max_length=100)] = "",
    valid_from: Annotated[str, Form(max_length=10)] = "",
    valid_until: Annotated[str, Form(max_length=10)] = "",
    documents: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    """Change a statement (section heads and admin); an empty 有效期止 means no end."""
    with committing(session, MuqingError, shown=_refused(_page, request, session, user, not_found_page=True)):
        try:
            changes = StatementPatch(
                **_form(category, topic, wording, keywords, approved_by, valid_from, valid_until, documents)
            )
        except ValidationError as exc:
            raise _validation_message(exc) from exc
        service.update_statement(session, actor=user, statement_id=statement_id, changes=changes)
    return done("/statements", "saved", f"#statement-{statement_id}")


# -- the word lists ------------------------------------------------------------------------------------


def _terms_page(
    request: Request, session: SessionDep, user: User, *, error: str = "", status_code: int = 200
) -> HTMLResponse:
    terms = service.list_terms(session)
    return render(
        request,
        "admin/check_terms.html",
        {"tab": "check-terms", "lists": TERM_LISTS, "terms": terms, "error": error},
        user=user,
        active="admin",
        status_code=status_code,
    )


@router.get("/admin/check-terms")
def terms_page(request: Request, session: SessionDep, user: Admin) -> HTMLResponse:
    """The word lists of the four checks, to add, correct or switch off entries."""
    return _terms_page(request, session, user)


@router.post("/admin/check-terms", response_model=None, dependencies=[CsrfChecked])
def add_term(
    request: Request,
    session: SessionDep,
    user: Admin,
    list_name: Annotated[str, Form(alias="list", max_length=20)],
    term: Annotated[str, Form(max_length=100)] = "",
    suggestion: Annotated[str, Form(max_length=100)] = "",
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Add an entry to a word list."""
    with committing(session, MuqingError, shown=_refused(_terms_page, request, session, user)):
        try:
            data = TermIn.model_validate({"list": list_name, "term": term, "suggestion": suggestion, "note": note})
        except ValidationError as exc:
            raise _validation_message(exc) from exc
        service.add_term(session, actor=user, data=data)
    return done("/admin/check-terms", "created")


@router.post("/admin/check-terms/{term_id}", response_model=None, dependencies=[CsrfChecked])
def change_term(
    request: Request,
    session: SessionDep,
    user: Admin,
    term_id: RowId,
    enabled: Annotated[str, Form(max_length=1)] = "",
    suggestion: Annotated[str | None, Form(max_length=100)] = None,
    remove: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    """Switch an entry on or off, correct its suggestion, or remove one the admin added."""
    with committing(session, MuqingError, shown=_refused(_terms_page, request, session, user, not_found_page=True)):
        if remove == "1":
            service.delete_term(session, actor=user, term_id=term_id)
        else:
            service.update_term(
                session, actor=user, term_id=term_id, changes={"enabled": enabled == "1", "suggestion": suggestion}
            )
    return done("/admin/check-terms", "deleted" if remove == "1" else "saved")
