"""The writer of places and lexicon terms after seeding (``seeding``): edits, imports from a list; all audited."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.audit_log import record_change
from core.district.models import PLACE_KINDS, LexiconTerm, Place
from core.district.seeding import bump, clean_names, ensure_seeded
from core.errors import InvalidInput, NotFound
from core.models import User

KIND_LABELS = {"district": "区县", "town": "乡镇街道", "village": "村/社区", "landmark": "地标", "farm": "养殖场"}
GROUP_LABELS = {
    "species": "畜种",
    "husbandry": "养殖",
    "disease": "疫病",
    "slaughter": "屠宰",
    "product": "畜产品",
    "inputs": "投入品",
    "admin": "行政审批",
    "traps": "排除词（含畜牧字眼但无关）",
    "urgent": "紧急词",
}
MAX_NAME = 100
_SPLIT = re.compile(r"[;；|、]")


@dataclass(slots=True)
class ListImport:
    """What an import from a list did: added, already there, and bad lines with their number and reason."""

    added: int = 0
    existing: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def place_out(place: Place) -> dict[str, Any]:
    """A place as the audit log and the API show it."""
    return {
        "id": place.id,
        "kind": place.kind,
        "type": place.type,
        "name": place.name,
        "parent_id": place.parent_id,
        "aliases": list(place.aliases or []),
        "code": place.code,
        "note": place.note,
        "active": place.active,
    }


def district_place(session: Session) -> Place:
    """The district's own row."""
    ensure_seeded(session)
    place = session.scalar(select(Place).where(Place.kind == "district").order_by(Place.id))
    if place is None:
        raise NotFound("没有区县记录，请先导入地名")
    return place


def _parent_for(session: Session, *, kind: str, parent_id: int | None) -> Place | None:
    if kind == "district":
        return None
    if kind == "town":
        return district_place(session)
    if parent_id is None:
        if kind == "village":
            raise InvalidInput("村/社区必须选择所属乡镇街道", details={"field": "parent_id"})
        return district_place(session)
    parent = session.get(Place, parent_id)
    if parent is None or parent.kind not in ("town", "district"):
        raise InvalidInput("上级地名应为乡镇街道或区县", details={"field": "parent_id"})
    if kind == "village" and parent.kind != "town":
        raise InvalidInput("村/社区必须选择所属乡镇街道", details={"field": "parent_id"})
    return parent


def _check_name(name: str, field_name: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("名称不能为空", details={"field": field_name})
    if len(name) > MAX_NAME:
        raise InvalidInput(f"名称不能超过 {MAX_NAME} 字", details={"field": field_name})
    return name


def add_place(
    session: Session,
    *,
    actor: User | None,
    kind: str,
    name: str,
    parent_id: int | None = None,
    type: str = "",
    aliases: list[str] | None = None,
    code: str | None = None,
    note: str = "",
) -> Place:
    """Add a town, village, landmark or farm (a district has exactly one row, from the profile)."""
    ensure_seeded(session)
    if kind not in PLACE_KINDS or kind == "district":
        raise InvalidInput(f"地名类型「{kind}」无效，应为 town、village、landmark 或 farm", details={"field": "kind"})
    name = _check_name(name)
    parent = _parent_for(session, kind=kind, parent_id=parent_id)
    parent_key = parent.id if parent is not None else None
    duplicate = session.scalar(
        select(Place.id).where(Place.kind == kind, Place.name == name, Place.parent_id == parent_key)
    )
    if duplicate is not None:
        raise InvalidInput(f"「{name}」已存在", details={"field": "name"})
    place = Place(
        kind=kind,
        type=type.strip()[:20],
        name=name,
        parent_id=parent_key,
        aliases=[_check_name(a, "aliases") for a in clean_names(aliases)],
        code=(code or "").strip() or None,
        note=note.strip(),
    )
    session.add(place)
    session.flush()
    bump(session, places=True)
    record_change(
        session,
        actor=actor,
        entity="place",
        entity_id=place.id,
        entity_name=name,
        action="create",
        after=place_out(place),
    )
    return place


def update_place(session: Session, *, actor: User | None, place_id: int, changes: dict[str, Any]) -> Place:
    """Change a place's name, type, aliases, code, note or whether it is active."""
    place = session.get(Place, place_id)
    if place is None:
        raise NotFound(f"地名 {place_id} 不存在")
    before = place_out(place)
    for key, value in changes.items():
        if key == "name":
            place.name = _check_name(str(value))
        elif key == "aliases":
            place.aliases = [_check_name(a, "aliases") for a in clean_names(value)]
        elif key in ("type", "note"):
            setattr(place, key, str(value or "").strip())
        elif key == "code":
            place.code = str(value or "").strip() or None
        elif key == "active":
            place.active = bool(value)
        else:
            raise InvalidInput(f"字段「{key}」不能修改", details={"field": key})
    session.flush()
    bump(session, places=True)
    record_change(
        session,
        actor=actor,
        entity="place",
        entity_id=place.id,
        entity_name=place.name,
        action="update",
        before=before,
        after=place_out(place),
    )
    return place


def delete_place(session: Session, *, actor: User | None, place_id: int) -> None:
    """Remove a place (a town takes its villages, landmarks and farms with it)."""
    place = session.get(Place, place_id)
    if place is None:
        raise NotFound(f"地名 {place_id} 不存在")
    if place.kind == "district":
        raise InvalidInput("区县本身不能删除", details={"field": "place_id"})
    before = place_out(place)
    below = session.scalar(select(func.count()).select_from(Place).where(Place.parent_id == place.id)) or 0
    session.execute(delete(Place).where(Place.parent_id == place.id))
    session.delete(place)
    session.flush()
    bump(session, places=True)
    record_change(
        session,
        actor=actor,
        entity="place",
        entity_id=place_id,
        entity_name=before["name"],
        action="delete",
        before=before,
        note=f"连同下属地名 {below} 个" if below else "",
    )


def import_places(
    session: Session, *, actor: User | None, kind: str, text: str, parent_id: int | None = None
) -> ListImport:
    """Add places from a list, one a line: ``名称[,所属乡镇][,别名1;别名2]``; bad lines are listed, not fatal."""
    ensure_seeded(session)
    report = ListImport()
    towns = {p.name: p for p in session.scalars(select(Place).where(Place.kind == "town"))}
    for number, line in enumerate(text.splitlines(), start=1):
        parts = [part.strip() for part in re.split(r"[,，\t]", line)]
        if not parts or not parts[0] or parts[0].startswith("#"):
            continue
        name, town_name = parts[0], parts[1] if len(parts) > 1 else ""
        aliases = [a.strip() for a in _SPLIT.split(parts[2]) if a.strip()] if len(parts) > 2 else []
        parent = parent_id
        if town_name:
            town = towns.get(town_name) or next((t for t in towns.values() if town_name in (t.aliases or [])), None)
            if town is None:
                report.errors.append((number, f"没有名为「{town_name}」的乡镇街道"))
                continue
            parent = town.id
        try:
            with session.begin_nested():
                add_place(session, actor=actor, kind=kind, name=name, parent_id=parent, aliases=aliases)
        except InvalidInput as exc:
            if exc.details.get("field") == "name" and "已存在" in exc.message:
                report.existing += 1
            else:
                report.errors.append((number, exc.message))
            continue
        report.added += 1
    return report


def add_terms(session: Session, *, actor: User | None, group: str, terms: list[str]) -> ListImport:
    """Add lexicon terms to a group (one per entry; already present ones are counted, not repeated)."""
    ensure_seeded(session)
    if group not in GROUP_LABELS:
        raise InvalidInput(f"词表分组「{group}」无效，应为 {'、'.join(GROUP_LABELS)}", details={"field": "group"})
    report = ListImport()
    present = set(session.scalars(select(LexiconTerm.term).where(LexiconTerm.group == group)))
    added = []
    for number, raw in enumerate(terms, start=1):
        term = raw.strip()
        if not term or term.startswith("#"):
            continue
        if len(term) > MAX_NAME:
            report.errors.append((number, f"词语不能超过 {MAX_NAME} 字"))
            continue
        if term in present:
            report.existing += 1
            continue
        present.add(term)
        session.add(LexiconTerm(group=group, term=term))
        added.append(term)
    if added:
        session.flush()
        bump(session, lexicon=True)
        record_change(
            session,
            actor=actor,
            entity="lexicon",
            entity_id=None,
            entity_name=group,
            action="create",
            after={"terms": added},
        )
    report.added = len(added)
    return report


def remove_term(session: Session, *, actor: User | None, term_id: int) -> None:
    """Remove one lexicon term."""
    term = session.get(LexiconTerm, term_id)
    if term is None:
        raise NotFound(f"词语 {term_id} 不存在")
    group, text = term.group, term.term
    session.delete(term)
    session.flush()
    bump(session, lexicon=True)
    record_change(
        session,
        actor=actor,
        entity="lexicon",
        entity_id=None,
        entity_name=group,
        action="delete",
        before={"terms": [text]},
    )


def places_tree(session: Session) -> list[tuple[Place, list[Place]]]:
    """Towns (and the district itself) with the places under each, for the admin's page."""
    ensure_seeded(session)
    rows = list(session.scalars(select(Place).order_by(Place.kind != "district", Place.id)))
    children: dict[int, list[Place]] = {}
    for place in rows:
        if place.parent_id is not None and place.kind != "town":
            children.setdefault(place.parent_id, []).append(place)
    heads = [p for p in rows if p.kind in ("district", "town")]
    return [(head, children.get(head.id, [])) for head in heads]


def terms_by_group(session: Session) -> dict[str, list[LexiconTerm]]:
    """Lexicon terms per group, in the order they were added."""
    ensure_seeded(session)
    grouped: dict[str, list[LexiconTerm]] = {group: [] for group in GROUP_LABELS}
    for term in session.scalars(select(LexiconTerm).order_by(LexiconTerm.id)):
        grouped.setdefault(term.group, []).append(term)
    return grouped
