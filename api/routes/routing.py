"""Routing rules as data (CRUD) and "try a text": where would this text go, and why."""

from __future__ import annotations

from fastapi import APIRouter, Response

from alerts.routing import service
from alerts.routing.schemas import RuleIn, RuleOut, TryTextIn, TryTextOut
from api.deps import CurrentUser, SessionDep, require_roles
from core.bounds import RowId
from core.types import Role
from nlp.analyze import analyze

router = APIRouter(prefix="/routing", tags=["routing"])
ADMIN = require_roles(Role.admin)


def classify(title: str, text: str) -> object:
    """The active model's verdict on a text (routing's "try a text" asks for it only when needed)."""
    return analyze(title=title, text=text)


@router.get("/rules")
def list_rules(session: SessionDep, user: CurrentUser) -> list[RuleOut]:
    """Every rule in the order they are tried (priority, then id)."""
    return [RuleOut.model_validate(rule) for rule in service.list_rules(session)]


@router.get("/rules/{rule_id}")
def get_rule(session: SessionDep, user: CurrentUser, rule_id: RowId) -> RuleOut:
    """One rule."""
    return RuleOut.model_validate(service.get_rule(session, rule_id=rule_id))


@router.post("/rules", status_code=201, dependencies=[ADMIN])
def create_rule(session: SessionDep, body: RuleIn) -> RuleOut:
    """Add a rule."""
    rule = service.save_rule(session, data=body)
    session.commit()
    return RuleOut.model_validate(rule)


@router.put("/rules/{rule_id}", dependencies=[ADMIN])
def update_rule(session: SessionDep, rule_id: RowId, body: RuleIn) -> RuleOut:
    """Change a rule (cases already routed keep the rule's name in their reason)."""
    rule = service.save_rule(session, data=body, rule_id=rule_id)
    session.commit()
    return RuleOut.model_validate(rule)


@router.delete("/rules/{rule_id}", status_code=204, dependencies=[ADMIN])
def delete_rule(session: SessionDep, rule_id: RowId) -> Response:
    """Remove a rule (prefer disabling it: ``enabled: false``)."""
    service.delete_rule(session, rule_id=rule_id)
    session.commit()
    return Response(status_code=204)


@router.post("/try")
def try_text(session: SessionDep, user: CurrentUser, body: TryTextIn) -> TryTextOut:
    """Where a text would go: the classifier's category and severity (unless given), each rule's verdict."""
    return service.try_text(session, data=body, classify=classify)
