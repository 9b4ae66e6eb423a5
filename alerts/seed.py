"""Default data in place: each room seeds its own tables from ``defaults.yaml`` through its own service."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from alerts.cases import service as cases
from alerts.defaults import DEFAULTS_FILE, load_defaults
from alerts.routing import service as routing
from alerts.sla import service as sla_service
from alerts.statements.service import seed_terms
from core.service import ensure_section


def seed_defaults(session: Session, *, path: Path = DEFAULTS_FILE) -> None:
    """Create the default sections, routing rules, SLA policies and settings that are missing (idempotent)."""
    data = load_defaults(path)
    for section in data.get("sections", []):
        ensure_section(session, code=section["code"], name=section["name"], description=section.get("description", ""))
    for rule in data.get("routing_rules", []):
        routing.ensure_rule(session, spec=rule)
    for policy in data.get("sla_policies", []):
        sla_service.ensure_policy(session, spec=policy)
    for key, value in (data.get("settings") or {}).items():
        cases.ensure_setting(session, key=key, value=value)
    seed_terms(session)
    session.flush()
