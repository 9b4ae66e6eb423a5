"""The relevance gate: the livestock lexicon and the district's place names (core.district) as data.

``livestock``: a post is kept when, after every trap phrase (化粪池, 金牛广场 …) is removed, it hits a
livestock group other than ``species``, or two different species terms, or a species term and a place of
the district. ``livestock_local`` also requires a place of the district. ``all`` keeps everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from core.district import data as district_data
from core.traditional import to_simplified

_NOT_GROUPS = {"version", "traps", "urgent"}


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Term groups, trap phrases and place names, longest first so longer traps are removed first."""

    species: tuple[str, ...]
    groups: dict[str, tuple[str, ...]]
    traps: tuple[str, ...]
    places: tuple[str, ...]


def load_lexicon() -> Lexicon:
    """The lexicon and the district's place names as the admin keeps them (core.district)."""
    return _build(district_data.lexicon(), district_data.district())


@lru_cache(maxsize=4)
def _build(lexicon: district_data.Lexicon, district: district_data.District) -> Lexicon:
    groups = {name: terms for name, terms in lexicon.groups.items() if name not in _NOT_GROUPS and name != "species"}
    return Lexicon(
        species=lexicon.groups.get("species", ()),
        groups=groups,
        traps=tuple(sorted(lexicon.groups.get("traps", ()), key=len, reverse=True)),
        places=district.names(),
    )


def mentions_place(text: str, lexicon: Lexicon | None = None) -> bool:
    """True when the text (in simplified or traditional characters) names the district or a town or village."""
    return _names_place(to_simplified(text), lexicon or load_lexicon())


def _names_place(simplified: str, lexicon: Lexicon) -> bool:
    return any(place in simplified for place in lexicon.places)


def judge(text: str, *, relevance: str, lexicon: Lexicon | None = None) -> str | None:
    """None when the post is kept, else the drop reason (``not_livestock`` or ``not_local``)."""
    if relevance == "all":
        return None
    lexicon = lexicon or load_lexicon()
    # The lexicon and the place names are simplified: a post typed in traditional characters is read as its twin.
    text = to_simplified(text)
    cleaned = text
    for trap in lexicon.traps:
        if trap in cleaned:
            cleaned = cleaned.replace(trap, " ")
    local = _names_place(text, lexicon)
    strong = any(term in cleaned for terms in lexicon.groups.values() for term in terms)
    species = {term for term in lexicon.species if term in cleaned}
    livestock = strong or len(species) >= 2 or (len(species) == 1 and local)
    if not livestock:
        return "not_livestock"
    if relevance == "livestock_local" and not local:
        return "not_local"
    return None
