"""The admin's audit log: who changed which piece of configuration (a source, a place, the lexicon), when, how.

Case events have their own append-only log (alerts); this one records changes to the data admins maintain.
Secrets (request headers such as Cookie, Authorization) never reach it: callers pass masked copies.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, event, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.models import Base, User
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


@event.listens_for(AdminChange, "before_update")
def _append_only(_mapper: Any, _connection: Any, target: AdminChange) -> None:
    raise RuntimeError(f"admin change {target.id} is append-only")


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
