"""The relevance gate: the livestock lexicon and the district's place names (core/resources) as data.

``livestock``: a post is kept when, after every trap phrase (化粪池, 金牛广场 …) is removed, it hits a
livestock group other than ``species``, or two different species terms, or a species term and a place of
the district. ``livestock_local`` also requires a place of the district. ``all`` keeps everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

RESOURCES = Path(__file__).resolve().parent.parent / "core" / "resources"
_NOT_GROUPS = {"version", "traps", "urgent"}


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Term groups, trap phrases and place names, longest first so longer traps are removed first."""

    species: tuple[str, ...]
    groups: dict[str, tuple[str, ...]]
    traps: tuple[str, ...]
    places: tuple[str, ...]


def _terms(value: Any) -> tuple[str, ...]:
    return tuple(term for term in (value or []) if isinstance(term, str) and term.strip())


def _place_names(data: dict[str, Any]) -> tuple[str, ...]:
    names: set[str] = set()
    district = data.get("district") or {}
    names.add(district.get("name", ""))
    names.update(_terms(district.get("aliases")))
    for town in district.get("towns") or []:
        names.add(town.get("name", ""))
        names.update(_terms(town.get("aliases")))
        names.update(_terms(town.get("villages")))
    return tuple(sorted((name for name in names if len(name) >= 2), key=len, reverse=True))


@lru_cache(maxsize=4)
def load_lexicon(resources: Path = RESOURCES) -> Lexicon:
    """The lexicon and places files, read once per process."""
    lexicon = yaml.safe_load((resources / "lexicon.yaml").read_text(encoding="utf-8")) or {}
    places = yaml.safe_load((resources / "places.yaml").read_text(encoding="utf-8")) or {}
    groups = {
        name: _terms(terms)
        for name, terms in lexicon.items()
        if name not in _NOT_GROUPS and name != "species" and isinstance(terms, list)
    }
    return Lexicon(
        species=_terms(lexicon.get("species")),
        groups=groups,
        traps=tuple(sorted(_terms(lexicon.get("traps")), key=len, reverse=True)),
        places=_place_names(places),
    )


def mentions_place(text: str, lexicon: Lexicon | None = None) -> bool:
    """True when the text names the district or one of its towns or villages."""
    lexicon = lexicon or load_lexicon()
    return any(place in text for place in lexicon.places)


def judge(text: str, *, relevance: str, lexicon: Lexicon | None = None) -> str | None:
    """None when the post is kept, else the drop reason (``not_livestock`` or ``not_local``)."""
    if relevance == "all":
        return None
    lexicon = lexicon or load_lexicon()
    cleaned = text
    for trap in lexicon.traps:
        if trap in cleaned:
            cleaned = cleaned.replace(trap, " ")
    local = mentions_place(text, lexicon)
    strong = any(term in cleaned for terms in lexicon.groups.values() for term in terms)
    species = {term for term in lexicon.species if term in cleaned}
    livestock = strong or len(species) >= 2 or (len(species) == 1 and local)
    if not livestock:
        return "not_livestock"
    if relevance == "livestock_local" and not local:
        return "not_local"
    return None
