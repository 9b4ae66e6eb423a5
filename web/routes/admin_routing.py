"""Administration of routing rules, with "try a text": the form is parsed into the API's schemas, the routing
service does the rest (``alerts.routing.service``), so the page and the API answer alike."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from alerts.routing import service as routing
from alerts.routing.models import RoutingRule
from alerts.routing.schemas import RuleIn, TryTextIn, TryTextOut
from alerts.sla.calendar import LIMIT_LABELS
from core.bounds import RowId
from core.errors import Conflict, InvalidInput, MuqingError
from core.models import User
from core.types import Role
from nlp.analyze import analyze
from web import figures
from web.deps import SessionDep
from web.forms import optional_int, parse, words
from web.pages import committing, done, form_error
from web.security import CsrfChecked, require_roles
from web.templating import render

router = APIRouter(include_in_schema=False)

AdminUser = Annotated[User, require_roles(Role.admin)]
RULE_LABELS = {
    "name": "规则名称",
    "priority": "优先级",
    "section_id": "主办科室",
    "co_section_ids": "协办科室",
    "match": "条件",
    "note": "备注",
}
TRY_LABELS = {"text": "待试文字", "title": "标题", "kind": "类型", "source": "来源", "source_kind": "来源类型"}
# Keys of a rule's match the form does not edit: kept as they were.
KEPT_KEYS = ("sources", "source_kinds", "kinds")


def classify(title: str, text: str) -> object:
    """The active model's verdict on a text."""
    return analyze(title=title, text=text)


def _context(session: SessionDep, *, edit: int | None = None, **extra: Any) -> dict[str, Any]:
    rules = routing.list_rules(session)
    sections = figures.sections(session)
    return {
        "rules": rules,
        "sections": sections,
        "section_names": {s.id: s.name for s in sections},
        "editing": next((r for r in rules if r.id == edit), None),
        "towns": list(routing.town_names()),
        "tab": "routing",
        "trial": None,
        "error": "",
        **extra,
    }


@router.get("/admin/routing")
def routing_page(request: Request, session: SessionDep, user: AdminUser, edit: RowId | None = None) -> HTMLResponse:
    """Routing rules in the order they are tried, the "try a text" box, and the rule form."""
    return render(request, "admin/routing.html", _context(session, edit=edit), user=user, active="admin")


def _shown_trial(asked: TryTextIn, result: TryTextOut) -> dict[str, Any]:
    """What the page shows of a trial: the verdict, and the deadlines with their labels."""
    labels = {f"{name}_due": label for name, label in LIMIT_LABELS.items()}
    deadlines = [
        (labels[name], datetime.fromisoformat(value)) for name, value in result.deadlines.items() if name in labels
    ]
    return {
        "asked": asked,
        "result": result,
        "deadlines": deadlines,
        "deadline_error": result.deadlines.get("error", ""),
    }


@router.post("/admin/routing/try", dependencies=[CsrfChecked])
def try_text(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    text: Annotated[str, Form(max_length=50000)] = "",
    title: Annotated[str, Form(max_length=500)] = "",
    kind: Annotated[str, Form(max_length=20)] = "complaint",
    source: Annotated[str, Form(max_length=200)] = "",
    source_kind: Annotated[str, Form(max_length=40)] = "",
) -> HTMLResponse:
    """Classify a text with the active model and show where the rules would send it, and why."""
    asked_values = {
        "text": text,
        "title": title,
        "kind": kind,
        "source": source or None,
        "source_kind": source_kind or None,
    }
    try:
        asked = parse(TryTextIn, asked_values, labels=TRY_LABELS)
        result = routing.try_text(session, data=asked, classify=classify)
    except MuqingError as exc:
        return form_error(request, "admin/routing.html", _context(session, asked=asked_values), exc, user=user)
    return render(
        request, "admin/routing.html", _context(session, trial=_shown_trial(asked, result)), user=user, active="admin"
    )


def rule_input(form: FormData, *, kept: dict[str, Any]) -> RuleIn:
    """The rule a form describes, as the API would receive it; ``kept`` are match keys the form does not edit."""
    match: dict[str, Any] = {key: value for key, value in kept.items() if key in KEPT_KEYS}
    for key, value in (
        ("categories", [str(v) for v in form.getlist("categories")]),
        ("keywords", words(str(form.get("keywords", "")))),
        ("exclude_keywords", words(str(form.get("exclude_keywords", "")))),
        ("places", words(str(form.get("places", "")))),
        ("towns", [str(v) for v in form.getlist("towns")]),
        ("severities", [str(v) for v in form.getlist("severities")]),
    ):
        if value:
            match[key] = value
    values = {
        "name": str(form.get("name", "")).strip(),
        "priority": str(form.get("priority", "")).strip() or 100,
        "enabled": bool(form.get("enabled")),
        "match": match,
        "section_id": optional_int(form.get("section_id")),
        "co_section_ids": [str(v) for v in form.getlist("co_section_ids")],
        "note": str(form.get("note", "")).strip(),
    }
    return parse(RuleIn, values, labels=RULE_LABELS)


@router.post("/admin/routing", response_model=None, dependencies=[CsrfChecked])
async def save_rule(request: Request, session: SessionDep, user: AdminUser) -> HTMLResponse | RedirectResponse:
    """Create a rule (no id) or update one (id given)."""
    form = await request.form()
    rule_id = int(str(form["id"])) if str(form.get("id", "")).isdigit() else None

    def shown(exc: MuqingError) -> HTMLResponse:
        return form_error(request, "admin/routing.html", _context(session, edit=rule_id), exc, user=user)

    with committing(session, InvalidInput, Conflict, shown=shown):
        existing: RoutingRule | None = routing.get_rule(session, rule_id=rule_id) if rule_id is not None else None
        data = rule_input(form, kept=dict(existing.match or {}) if existing is not None else {})
        routing.save_rule(session, data=data, rule_id=rule_id)
    return done("/admin/routing", "saved")


@router.post("/admin/routing/{rule_id}/delete", dependencies=[CsrfChecked])
def delete_rule(session: SessionDep, user: AdminUser, rule_id: RowId) -> RedirectResponse:
    """Remove a rule (cases it routed keep their recorded reason)."""
    routing.delete_rule(session, rule_id=rule_id)
    session.commit()
    return done("/admin/routing", "deleted")
