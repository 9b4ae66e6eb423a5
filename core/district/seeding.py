"""Loading the district's places and lexicon from its profile into the tables, and the edit counter."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from core.audit_log import record_change
from core.district import data
from core.district.models import DistrictRevision, LexiconTerm, Place
from core.district.profiles import PROFILES, Profile, current_profile, file_lexicon, profile_places
from core.models import User


def _revision(session: Session) -> DistrictRevision:
    row = session.get(DistrictRevision, 1)
    if row is None:
        row = DistrictRevision(id=1, places=0, lexicon=0)
        session.add(row)
        session.flush()
    return row


def bump(session: Session, *, places: bool = False, lexicon: bool = False) -> None:
    """Count an edit of places or lexicon, so every process reloads them (``core.district.data``)."""
    row = _revision(session)
    row.places += 1 if places else 0
    row.lexicon += 1 if lexicon else 0
    session.flush()
    data.forget()


def seeded(session: Session) -> tuple[bool, bool]:
    """Whether places and lexicon live in the tables yet (else readers use the profile's files)."""
    row = session.get(DistrictRevision, 1)
    return (row is not None and row.places > 0, row is not None and row.lexicon > 0)


def clean_names(values: Any) -> list[str]:
    """Names from a string or a list, stripped, blanks and repeats dropped."""
    names = [values] if isinstance(values, str) else list(values or [])
    return list(dict.fromkeys(str(v).strip() for v in names if str(v).strip()))


def _load_places(session: Session, profile: Profile) -> int:
    mapping = profile_places(profile)
    district = Place(
        kind="district",
        type=str(mapping.get("type") or "区"),
        name=str(mapping["name"]),
        aliases=clean_names(mapping.get("aliases")),
        code=str(mapping["code"]) if mapping.get("code") else None,
        note=str(mapping.get("city") or ""),
    )
    session.add(district)
    session.flush()
    count = 1
    for town in mapping.get("towns") or []:
        row = Place(
            kind="town",
            type=str(town.get("type") or ""),
            name=str(town["name"]),
            parent_id=district.id,
            aliases=clean_names(town.get("aliases")),
            code=str(town["code"]) if town.get("code") else None,
        )
        session.add(row)
        session.flush()
        count += 1
        for kind, key in (("village", "villages"), ("landmark", "landmarks"), ("farm", "farms")):
            for item in town.get(key) or []:
                entry = item if isinstance(item, dict) else {"name": item}
                name = str(entry.get("name") or "").strip()
                if not name:
                    continue
                session.add(
                    Place(
                        kind=kind,
                        type=str(
                            entry.get("type")
                            or ("社区" if name.endswith("社区") else "村" if kind == "village" else "")
                        ),
                        name=name,
                        parent_id=row.id,
                        aliases=clean_names(entry.get("aliases")),
                        code=str(entry["code"]) if entry.get("code") else None,
                    )
                )
                count += 1
    session.flush()
    return count


def _load_lexicon(session: Session) -> int:
    count = 0
    for group, terms in file_lexicon().items():
        if group == "version" or not isinstance(terms, list):
            continue
        for term in dict.fromkeys(t.strip() for t in terms if isinstance(t, str) and t.strip()):
            session.add(LexiconTerm(group=group, term=term))
            count += 1
    session.flush()
    return count


def seed_profile(
    session: Session, *, profile: str | None = None, replace: bool = False, actor: User | None = None
) -> dict[str, int]:
    """Fill empty place and lexicon tables from a profile (``replace``: empty them first); returns counts."""
    chosen = PROFILES[profile] if profile else current_profile()
    have_places, have_lexicon = seeded(session)
    done = {"places": 0, "lexicon": 0}
    if replace or not have_places:
        if replace:
            session.execute(delete(Place))
        done["places"] = _load_places(session, chosen)
        bump(session, places=True)
    if replace or not have_lexicon:
        if replace:
            session.execute(delete(LexiconTerm))
        done["lexicon"] = _load_lexicon(session)
        bump(session, lexicon=True)
    if any(done.values()):
        record_change(
            session,
            actor=actor,
            entity="district",
            entity_id=None,
            entity_name=chosen.title,
            action="import",
            after={"profile": chosen.name, **done},
            note="从配置文件导入地名和词表" + ("（替换原有数据）" if replace else ""),
        )
    return done


def ensure_seeded(session: Session) -> None:
    """Move the profile's places and lexicon into the tables before the first edit, so an edit adds to them."""
    have_places, have_lexicon = seeded(session)
    if not (have_places and have_lexicon):
        seed_profile(session)
