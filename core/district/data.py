"""Reading the district's places and lexicon, for everyone who matches text against them.

The tables are the truth once seeded (``seeding`` keeps a revision counter); before that, the chosen profile's
files. Each process keeps what it read and checks the revision at most once a ``RECHECK_SECONDS``, so a place
the admin adds is used by entity recognition, routing and the relevance gate within a second, without a
retrain. Reads go through a bare connection outside any transaction: they may happen while the caller's own
transaction holds SQLite's write lock, and a second transaction would wait for it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from core.config import get_settings
from core.district.profiles import current_profile, file_lexicon, profile_places

log = logging.getLogger(__name__)

RECHECK_SECONDS = 1.0
LEXICON_GROUPS = ("species", "husbandry", "disease", "slaughter", "product", "inputs", "admin", "traps", "urgent")


@dataclass(frozen=True, slots=True)
class TownPlaces:
    """A town or street with the names that point at it."""

    name: str
    type: str
    aliases: tuple[str, ...] = ()
    villages: tuple[str, ...] = ()
    # Landmarks and farms inside the town: naming one places a post in the town, like a village.
    landmarks: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class District:
    """The district and its towns; equal (and hashed) by ``key``, which changes with every edit."""

    key: str
    name: str
    type: str = "区"
    city: str = ""
    aliases: tuple[str, ...] = ()
    towns: tuple[TownPlaces, ...] = ()
    # Landmarks and farms of the district that belong to no town.
    landmarks: tuple[str, ...] = ()

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, District) and other.key == self.key

    def names(self) -> tuple[str, ...]:
        """Every name of the district, its towns, villages and landmarks (for "is this post local?")."""
        found = {self.name, *self.aliases, *self.landmarks}
        for town in self.towns:
            found.update((town.name, *town.aliases, *town.villages, *town.landmarks))
        return tuple(sorted((name for name in found if len(name) >= 2), key=len, reverse=True))


@dataclass(frozen=True, eq=False)
class Lexicon:
    """Lexicon terms per group; equal (and hashed) by ``key``."""

    key: str
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lexicon) and other.key == self.key

    def as_dict(self) -> dict[str, Any]:
        """The lexicon in the shape of ``lexicon.yaml`` (``version`` and one list per group)."""
        return {"version": self.key, **{group: list(terms) for group, terms in self.groups.items()}}


_lock = threading.Lock()
_warned: set[str] = set()
# (database URL, profile, what) -> (checked at, revision, value)
_cache: dict[tuple[str, str, str], tuple[float, int, Any]] = {}


def forget() -> None:
    """Drop what this process read (after a change it made itself, and in tests)."""
    with _lock:
        _cache.clear()


def _names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = json.loads(value) if value.startswith("[") else [value]
    items = [item.get("name") if isinstance(item, dict) else item for item in (value or [])]
    return tuple(dict.fromkeys(str(item).strip() for item in items if item and str(item).strip()))


def district_from_mapping(data: dict[str, Any], *, key: str) -> District:
    """A district from the mapping of a places file (``district:`` and below)."""
    towns = tuple(
        TownPlaces(
            name=str(town["name"]),
            type=str(town.get("type") or ""),
            aliases=_names(town.get("aliases")),
            villages=_names(town.get("villages")),
            landmarks=_names(town.get("landmarks")) + _names(town.get("farms")),
        )
        for town in data.get("towns") or []
        if isinstance(town, dict) and town.get("name")
    )
    return District(
        key=key,
        name=str(data["name"]),
        type=str(data.get("type") or "区"),
        city=str(data.get("city") or ""),
        aliases=_names(data.get("aliases")),
        towns=towns,
        landmarks=_names(data.get("landmarks")) + _names(data.get("farms")),
    )


def _rows(sql: str) -> list[tuple[Any, ...]]:
    from core.db import get_engine

    raw = get_engine().raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(sql)
        rows = [tuple(row) for row in cursor.fetchall()]
        cursor.close()
        raw.rollback()
        return rows
    finally:
        raw.close()


def _no_database_yet() -> bool:
    """True for an SQLite database whose file does not exist (connecting would create an empty one)."""
    url = make_url(get_settings().sqlalchemy_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return False
    return not Path(url.database).exists()


def _revision(column: str) -> int:
    """The table revision (0: never seeded, use the profile's files)."""
    if _no_database_yet():
        # e.g. `muqing classify` before anything was set up: the profile's files are all there is to use.
        return 0
    try:
        rows = _rows(f"SELECT {column} FROM district_revision WHERE id = 1")
    except (OperationalError, ProgrammingError) as exc:
        _warn_once(f"district tables unreadable ({exc.__class__.__name__}); using the profile's files")
        return 0
    except Exception as exc:  # the DBAPI's own errors: a bare connection is not wrapped by SQLAlchemy
        if "district_revision" not in str(exc):
            raise
        _warn_once(
            f"district tables missing ({exc}): the database predates them; `muqing db upgrade` adds them and "
            "`muqing db seed` fills them from the profile. Until then the profile's files are used"
        )
        return 0
    return int(rows[0][0]) if rows else 0


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        log.warning("%s", message)


def _cached(what: str, column: str, load: Any) -> Any:
    settings = get_settings()
    # The configured URL or data directory names the database; resolving the path (as sqlalchemy_url does)
    # costs more than the rest of this lookup, which every analysis makes.
    key = (settings.database_url or str(settings.data_dir), settings.profile, what)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit is not None and now - hit[0] < RECHECK_SECONDS:
        return hit[2]
    revision = _revision(column)
    value = hit[2] if hit is not None and hit[1] == revision else load(revision)
    with _lock:
        _cache[key] = (now, revision, value)
    return value


def _district_from_tables(revision: int) -> District:
    rows = _rows("SELECT id, kind, type, name, parent_id, aliases FROM place WHERE active = TRUE ORDER BY id")
    by_id = {row[0]: row for row in rows}
    districts = [row for row in rows if row[1] == "district"]
    head = districts[0] if districts else None
    towns: dict[int, dict[str, Any]] = {
        row[0]: {"name": row[3], "type": row[2], "aliases": _names(row[5]), "villages": [], "landmarks": []}
        for row in rows
        if row[1] == "town"
    }
    loose: list[str] = []
    for row in rows:
        if row[1] in ("village", "landmark", "farm"):
            names = (row[3], *_names(row[5]))
            town = towns.get(row[4]) if row[4] in by_id else None
            if town is None:
                loose.extend(names)
            else:
                town["villages" if row[1] == "village" else "landmarks"].extend(names)
    return District(
        key=f"db:{revision}",
        name=head[3] if head else current_profile().title,
        type=head[2] if head else "区",
        aliases=_names(head[5]) if head else (),
        towns=tuple(
            TownPlaces(
                name=t["name"],
                type=t["type"],
                aliases=t["aliases"],
                villages=tuple(dict.fromkeys(t["villages"])),
                landmarks=tuple(dict.fromkeys(t["landmarks"])),
            )
            for t in towns.values()
        ),
        landmarks=tuple(dict.fromkeys(loose)),
    )


def _load_district(revision: int) -> District:
    if revision > 0:
        return _district_from_tables(revision)
    profile = current_profile()
    return district_from_mapping(profile_places(profile), key=f"file:{profile.name}")


def district() -> District:
    """The district's places as the admin keeps them (or, before they are seeded, the profile's file)."""
    result: District = _cached("places", "places", _load_district)
    return result


def _load_lexicon(revision: int) -> Lexicon:
    if revision > 0:
        groups: dict[str, list[str]] = {group: [] for group in LEXICON_GROUPS}
        for group, term in _rows('SELECT "group", term FROM lexicon_term ORDER BY id'):
            groups.setdefault(group, []).append(term)
        return Lexicon(key=f"db:{revision}", groups={g: tuple(terms) for g, terms in groups.items()})
    data = file_lexicon()
    return Lexicon(
        key=f"file:{data.get('version', '')}",
        groups={
            group: tuple(str(term) for term in terms if isinstance(term, str) and term.strip())
            for group, terms in data.items()
            if isinstance(terms, list)
        },
    )


def lexicon() -> Lexicon:
    """The livestock lexicon as the admin keeps it (or, before it is seeded, the shipped file)."""
    result: Lexicon = _cached("lexicon", "lexicon", _load_lexicon)
    return result
