"""The admin's audit log: who changed which piece of configuration (a source, a place, the lexicon), when, how.

Case events have their own append-only log (alerts); this one records changes to the data admins maintain.
Secrets (request headers such as Cookie, Authorization) never reach it: callers pass masked copies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, event, func, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

import core.audit_chain  # noqa: F401 - seals and guards this log
from core.models import Base, Section, User
from core.timeutil import utcnow


class AdminChange(Base):
    """One change of configuration data, append-only."""

    __tablename__ = "admin_change"
    __table_args__ = (Index("ix_admin_change_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    # source | place | lexicon
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    entity_name: Mapped[str] = mapped_column(String(200), default="")
    # create | update | delete | pause | resume | import
    action: Mapped[str] = mapped_column(String(20))
    before: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    note: Mapped[str] = mapped_column(Text, default="")


def record_change(
    session: Session,
    *,
    actor: User | None,
    entity: str,
    entity_id: int | None,
    entity_name: str,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AdminChange:
    """Append one change to the audit log in the caller's transaction."""
    change = AdminChange(
        actor_id=actor.id if actor is not None else None,
        actor_name=(actor.display_name or actor.username) if actor is not None else "系统",
        entity=entity,
        entity_id=entity_id,
        entity_name=entity_name[:200],
        action=action,
        before=before,
        after=after,
        note=note,
        at=utcnow(),
    )
    session.add(change)
    return change


def changes(
    session: Session, *, entity: str | None = None, entity_id: int | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[AdminChange], int]:
    """Changes, newest first, optionally of one entity (kind, or kind and id), with the total."""
    query = select(AdminChange)
    if entity is not None:
        query = query.where(AdminChange.entity == entity)
    if entity_id is not None:
        query = query.where(AdminChange.entity_id == entity_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AdminChange.id.desc()).limit(limit).offset(offset))
    return list(rows), total


# -- admin changes recorded wherever they are made ---------------------------------------------------------
# Configuration tables register here; every insert, update and delete of one through a session becomes an
# AdminChange with the values before and after (secrets masked) and the user the request acts for. Changes
# are gathered before the flush and written after it, when new rows have their ids.

ACTOR_KEY = "muqing_actor"
_GATHERED = "muqing_admin_changes"
MASK = "（已隐藏）"
_ALWAYS_IGNORED = frozenset({"created_at", "updated_at"})


@dataclass(frozen=True, slots=True)
class Watched:
    """How one configuration table is logged."""

    entity: str
    name: Callable[[Any], str]
    ignore: frozenset[str]
    secret: frozenset[str]


_WATCHED: dict[type, Watched] = {}


def watch(
    model: type,
    *,
    entity: str,
    name: Callable[[Any], str],
    ignore: tuple[str, ...] = (),
    secret: tuple[str, ...] = (),
) -> None:
    """Log every change of ``model`` rows as admin changes of ``entity``; ``secret`` values are never stored."""
    _WATCHED[model] = Watched(entity, name, _ALWAYS_IGNORED | set(ignore), frozenset(secret))


def act_as(session: Session, user: User | None) -> None:
    """Name the user whose request this session serves (the ``who`` of the admin changes it makes)."""
    if user is None:
        session.info.pop(ACTOR_KEY, None)
    else:
        session.info[ACTOR_KEY] = (user.id, user.display_name or user.username)


def _value(spec: Watched, key: str, value: Any) -> Any:
    if key in spec.secret:
        return MASK if value else value
    if isinstance(value, dict):
        return {k: MASK if v and _secret_key(k) else v for k, v in value.items()}
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _secret_key(key: str) -> bool:
    # Robot and webhook URLs carry their access key; headers carry cookies and tokens.
    lowered = str(key).lower()
    return (
        lowered == "url"
        or lowered.endswith("_url")
        or any(word in lowered for word in ("secret", "token", "password", "cookie", "authorization", "headers"))
    )


def _values(spec: Watched, instance: Any, *, only: set[str] | None = None, old: bool = False) -> dict[str, Any]:
    state = inspect(instance)
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in spec.ignore or (only is not None and key not in only):
            continue
        history = state.attrs[key].history
        if old:
            value = history.deleted[0] if history.deleted else (history.unchanged or [None])[0]
        else:
            value = getattr(instance, key)
        out[key] = _value(spec, key, value)
    return out


def _changed(spec: Watched, instance: Any) -> set[str]:
    state = inspect(instance)
    changed = set()
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if attr.key not in spec.ignore and history.has_changes() and history.added != history.deleted:
            changed.add(attr.key)
    return changed


@event.listens_for(Session, "before_flush")
def _gather_admin_changes(session: Session, _context: Any, _instances: Any) -> None:
    gathered: list[tuple[Any, Watched, str, dict[str, Any] | None, dict[str, Any] | None]] = session.info.setdefault(
        _GATHERED, []
    )
    for instance in session.new:
        spec = _WATCHED.get(type(instance))
        if spec is not None:
            gathered.append((instance, spec, "create", None, None))
    for instance in session.dirty:
        spec = _WATCHED.get(type(instance))
        changed = _changed(spec, instance) if spec is not None else set()
        if spec is not None and changed:
            before, after = _values(spec, instance, only=changed, old=True), _values(spec, instance, only=changed)
            gathered.append((instance, spec, "update", before, after))
    for instance in session.deleted:
        spec = _WATCHED.get(type(instance))
        if spec is not None:
            gathered.append((instance, spec, "delete", _values(spec, instance, old=True), None))


@event.listens_for(Session, "after_flush_postexec")
def _write_admin_changes(session: Session, _context: Any) -> None:
    gathered = session.info.pop(_GATHERED, None)
    if not gathered:
        return
    actor_id, actor_name = session.info.get(ACTOR_KEY, (None, "系统"))
    for instance, spec, action, before, after in gathered:
        if action == "create":
            after = _values(spec, instance)
        ident = inspect(instance).identity
        entity_id = ident[0] if ident and len(ident) == 1 and isinstance(ident[0], int) else None
        session.add(
            AdminChange(
                actor_id=actor_id,
                actor_name=actor_name,
                entity=spec.entity,
                entity_id=entity_id,
                entity_name=str(spec.name(instance))[:200],
                action=action,
                before=before,
                after=after,
                at=utcnow(),
            )
        )


@event.listens_for(Session, "after_rollback")
def _forget_gathered(session: Session) -> None:
    session.info.pop(_GATHERED, None)


watch(User, entity="user", name=lambda user: user.username, secret=("password_hash",))
watch(Section, entity="section", name=lambda section: section.name)
