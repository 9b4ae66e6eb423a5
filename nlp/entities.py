"""Entities of a post: the district's towns/streets and villages, named organisations, phone and ID numbers.

The result is stored as ``Analysis.entities``::

    {"places": ["柳河镇", "前进村"],           # towns/streets then villages, canonical names (routing reads this)
     "towns": ["柳河镇"],                      # towns/streets of the district, named or implied by a village
     "villages": ["柳河镇前进村"],             # village with its town when the town is known
     "unresolved_places": ["石门村"],          # villages no single town can be given (shared name, other town)
     "organisations": ["兴旺生猪养殖场"],       # farms, slaughterhouses, companies, shops named in the text
     "phones": ["138****2716"],               # always masked
     "id_numbers": ["4101**********2356"]}    # always masked

Places and organisations are read on the text with traditional characters made simplified
(``core.traditional``): 柳河鎮 is 柳河镇, and a farm written 興旺養豬場 comes out as 兴旺养猪场, the form the
gazetteer, the grouping of alerts and the search all use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.district.data import District, district
from core.privacy import find_id_numbers, find_phones
from core.traditional import to_simplified
from nlp.tokenize import tag

# Endings of organisation names, longest first so "生猪养殖专业合作社" wins over "合作社".
_ORG_ENDINGS = sorted(
    {
        "养殖专业合作社",
        "专业合作社",
        "合作社",
        "牧业有限公司",
        "农牧有限公司",
        "畜牧有限公司",
        "食品有限公司",
        "有限责任公司",
        "有限公司",
        "牧业公司",
        "食品公司",
        "饲料公司",
        "兽药公司",
        "养殖场",
        "养猪场",
        "养鸡场",
        "养鸭场",
        "养鹅场",
        "养牛场",
        "养羊场",
        "养殖基地",
        "家庭农场",
        "生态农场",
        "牧场",
        "猪场",
        "屠宰场",
        "屠宰厂",
        "屠宰点",
        "肉联厂",
        "饲料厂",
        "兽药厂",
        "兽药店",
        "兽医院",
        "宠物医院",
        "动物医院",
        "肉铺",
        "肉店",
        "冷库",
        "集团",
    },
    key=len,
    reverse=True,
)
_ORG = re.compile("|".join(map(re.escape, _ORG_ENDINGS)))
_HEAD_WINDOW = 10
# The same digits as the ``\d`` of the number patterns in ``core.privacy`` (any Unicode decimal digit).
_DIGIT = re.compile(r"\d")
_HEAD_MAX_TOKENS = 4
_DESCRIPTORS = frozenset(
    [
        "生猪",
        "肉牛",
        "肉羊",
        "蛋鸡",
        "肉鸡",
        "家禽",
        "畜禽",
        "牛羊",
        "奶牛",
        "水产",
        "育肥",
        "种猪",
        "肉鸭",
        "肉兔",
        "肉鸽",
        "养殖",
        "屠宰",
        "生态",
        "规模",
        "规模化",
        "标准化",
        "种养",
        "牧业",
        "畜牧",
        "农牧",
        "农业",
        "食品",
        "饲料",
        "兽药",
        "动物",
        "宠物",
        "黑猪",
        "土猪",
        "山羊",
        "黄牛",
        "养猪",
        "养鸡",
        "养牛",
        "养羊",
        "生态农业",
    ]
)
# Words that end a name when walking back from the ending (resources/not_name.txt): requests and verbs
# of complaint letters, positions, quantities and descriptions ("请问养殖场", "大型养猪场" name no farm).
_NOT_NAME = frozenset(
    line.strip()
    for line in (Path(__file__).with_name("resources") / "not_name.txt").read_text(encoding="utf-8").splitlines()
    if line.strip()
)


@dataclass(frozen=True, slots=True)
class Town:
    """A town or street of the district, with its aliases and villages."""

    name: str
    aliases: tuple[str, ...]
    villages: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """The district's places (``core.district``): towns with their aliases and villages, as one pattern."""

    district: str
    district_aliases: tuple[str, ...]
    towns: tuple[Town, ...]
    any_name: re.Pattern[str]


def gazetteer() -> Gazetteer:
    """The district's place names as the admin keeps them (recompiled after a change, no retrain)."""
    return _compile(district())


@lru_cache(maxsize=4)
def _compile(data: District) -> Gazetteer:
    # Landmarks and farms place a post in their town the way a village does.
    towns = tuple(Town(name=t.name, aliases=t.aliases, villages=t.villages + t.landmarks) for t in data.towns)
    names = {data.name, *data.aliases, *(n for t in towns for n in (t.name, *t.aliases, *t.villages))}
    any_name = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
    return Gazetteer(district=data.name, district_aliases=data.aliases, towns=towns, any_name=any_name)


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    """The places of a text: towns, villages with their town, and village names no town could be given."""

    towns: list[str]
    villages: list[str]
    unresolved: list[str]


def find_places(text: str) -> tuple[list[str], list[str]]:
    """Towns/streets and villages (``town+village``) of the district named in ``text``."""
    found = match_places(text)
    return found.towns, found.villages


def match_places(text: str) -> PlaceMatch:
    """Town first, then villages within that town; a village no single town can be given is unresolved.

    A village written right after a town (双塘镇新庄村) belongs to that town or, when the town has no village
    of that name, to none (never to another town that has one). A village written alone belongs to a named
    town that has it, else, when no town is named, to the one town that has it; a name several towns share
    (石门村) or a text naming other towns leaves it unresolved, so no town counts a post that is not its own.
    """
    return _match_places(to_simplified(text))


def _match_places(text: str) -> PlaceMatch:
    places = gazetteer()
    if not places.any_name.search(text):
        return PlaceMatch([], [], [])
    towns = _named_towns(places, text)
    named = list(towns)
    owners: dict[str, list[Town]] = {}
    for each in places.towns:
        for village in each.villages:
            owners.setdefault(village, []).append(each)
    villages: list[str] = []
    unresolved: list[str] = []
    for village, owning in owners.items():
        if village not in text:
            continue
        owner = _owner(text, village, owning, places.towns, named)
        if owner is not None:
            villages.append(f"{owner}{village}")
            towns.append(owner)
        elif len(owning) > 1 or len(village) >= 3:
            # Two-character names ("东村") owned by one town are too common a word to report.
            unresolved.append(village)
    return PlaceMatch(list(dict.fromkeys(towns)), list(dict.fromkeys(villages)), unresolved)


def _named_towns(places: Gazetteer, text: str) -> list[str]:
    in_district = places.district in text or any(alias in text for alias in places.district_aliases)
    return [
        town.name
        for town in places.towns
        if town.name in text or (in_district and any(alias in text for alias in town.aliases))
    ]


def _owner(text: str, village: str, owning: list[Town], towns: tuple[Town, ...], named: list[str]) -> str | None:
    qualified = [town for town in towns if any(f"{name}{village}" in text for name in (town.name, *town.aliases))]
    if qualified:
        own = [town.name for town in qualified if town in owning]
        return own[0] if len(own) == 1 else None
    named_owners = [town.name for town in owning if town.name in named]
    if named_owners:
        return named_owners[0] if len(named_owners) == 1 else None
    if named or len(owning) > 1 or len(village) < 3:
        return None
    return owning[0].name


def find_organisations(text: str) -> list[str]:
    """Names of farms, slaughterhouses, companies and shops written in ``text`` (generic mentions left out)."""
    return _find_organisations(to_simplified(text))


def _find_organisations(text: str) -> list[str]:
    names: list[str] = []
    for match in _ORG.finditer(text):
        window = text[max(0, match.start() - _HEAD_WINDOW) : match.start()]
        head: list[str] = []
        for token, flag in reversed(tag(window)):
            if len(head) == _HEAD_MAX_TOKENS or not (token in _DESCRIPTORS or _name_like(token, flag)):
                break
            head.insert(0, token)
        # Descriptors ("生猪", "生态") belong to a name only after a distinctive part: "兴旺生猪养殖场".
        while head and head[0] in _DESCRIPTORS:
            head.pop(0)
        name = _strip_places("".join(head))
        # A head that is only a place ("柳河镇养猪场") names no particular farm; places are entities of their own.
        if name.endswith(_PLACE_MARKERS):
            continue
        if len(name) >= 2 and name not in _NOT_NAME and not name.isdigit():
            names.append(name + match.group(0))
    return list(dict.fromkeys(names))


def _name_like(token: str, flag: str) -> bool:
    # Names are nouns, proper names, abbreviations or auspicious adjectives (兴旺, 宏发); verbs,
    # pronouns, numbers, positions and times end the name.
    return (
        (flag.startswith("n") or flag in _NAME_FLAGS)
        and token not in _NOT_NAME
        and not _NON_NAME_TOKEN.fullmatch(token)
    )


_NAME_FLAGS = frozenset({"j", "eng", "a", "an"})
_NON_NAME_TOKEN = re.compile(r"[\W_]+|\d+")


_PLACE_MARKERS = ("镇", "乡", "街道", "区", "县", "市", "村", "社区", "组")


def _strip_places(head: str) -> str:
    # "柳河镇前进村兴旺养殖场" names 兴旺; the places are entities of their own.
    for marker in _PLACE_MARKERS:
        position = head.rfind(marker)
        if 0 <= position < len(head) - 2:
            head = head[position + len(marker) :]
    return head


def extract(*, title: str, text: str) -> dict[str, Any]:
    """The entities of a post (see the module docstring); phone and ID numbers come out masked."""
    full = f"{title}\n{text}" if title else text
    # Every phone pattern of ``core.privacy`` needs at least seven digits (a masked mobile, 1[3-9]d****dddd,
    # has the fewest) and every ID pattern at least four (dddd******xxx); about half of real posts have
    # fewer, and those patterns cost more than the rest of this function.
    digits = len(_DIGIT.findall(full))
    # One conversion for both readers: a pass over the post costs about as much as the cleaning step.
    simple = to_simplified(full)
    found = _match_places(simple)
    towns, villages = found.towns, found.villages
    village_names = [name for name in (_village_part(v, towns) for v in villages) if name]
    return {
        "places": list(dict.fromkeys(towns + village_names)),
        "towns": towns,
        "villages": villages,
        "unresolved_places": found.unresolved,
        "organisations": _find_organisations(simple),
        "phones": find_phones(full) if digits >= 7 else [],
        "id_numbers": find_id_numbers(full) if digits >= 4 else [],
    }


def _village_part(village: str, towns: list[str]) -> str:
    for town in towns:
        if village.startswith(town):
            return village[len(town) :]
    return village
