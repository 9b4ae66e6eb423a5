"""The "same matter" score: do two posts complain about the same thing (so one alert should hold both)?

A pure function over fields stored for every analysed post; grouping cases is its one user:

    from alerts.cases.similarity import matter_of, compare

    a = matter_of(title=post.title, text=post.content, category=analysis.category, entities=analysis.entities)
    b = matter_of(title=..., text=..., category=..., entities=...)
    match = compare(a, b)          # MatterMatch(score=0.0..1.0, same=bool, reasons=[中文理由, ...])

``matter_of(*, title, text, category, entities=None, simhash=None) -> Matter``
    ``entities`` is ``Analysis.entities`` (keys used: ``places`` — town/street and village names,
    ``towns`` — town/street names, ``organisations`` — farm, slaughterhouse, company and shop names);
    ``simhash`` is a stored ``core.fingerprint.simhash`` of title + text (computed when omitted).
``matter_from_rows(post, analysis) -> Matter``
    the same from a ``core.models.Post`` and its ``Analysis`` (``None`` for a post not yet analysed).
``compare(a, b, *, threshold=SAME_MATTER_THRESHOLD) -> MatterMatch``
    ``score`` in [0, 1]; ``same`` is ``score >= threshold``; ``reasons`` explain the score to users.
``same_matter_score(a, b) -> float``
    just the score.

How the score is made (weights sum to 1; every part is in [0, 1]):
    0.30 same category (both ``other``/unknown counts as different: nothing to group)
    0.30 same named organisation (farm, slaughterhouse, company)
    0.15 same place: same village 1.0, same town/street only 0.5
    0.25 text similarity: cosine of character-bigram counts, scaled so that 0.5 and above count fully
         (two unrelated texts of one category rarely pass 0.15; a re-told complaint is around 0.3-0.6)
A near-duplicate text (SimHash within 3 bits, or bigram cosine of 0.9 and more: a repost) scores 1.0
whatever else differs. Different categories cap the score below the threshold unless the texts are
near-duplicates, because two sections would own the two matters. Typical outcomes with the default
threshold 0.6: the same farm named again in the same category → same; the same village and category
with a similar wording → same; the same town and category with a different story → not the same.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.fingerprint import near_duplicate, normalise
from core.fingerprint import simhash as compute_simhash

SAME_MATTER_THRESHOLD = 0.6
WEIGHTS = {"category": 0.30, "organisation": 0.30, "place": 0.15, "text": 0.25}
DIFFERENT_CATEGORY_CAP = 0.5
TEXT_FULL_SIMILARITY = 0.5
NEAR_DUPLICATE_SIMILARITY = 0.9
_NO_CATEGORY = frozenset({"", "other"})
# Organisation names differ in how much of the name people write ("兴旺养殖场" vs "兴旺生猪养殖场"):
# names are compared by their distinctive head, the part before these generic endings.
_GENERIC_ENDINGS = (
    "生猪养殖专业合作社",
    "养殖专业合作社",
    "专业合作社",
    "合作社",
    "牧业有限公司",
    "食品有限公司",
    "有限责任公司",
    "有限公司",
    "公司",
    "生猪养殖场",
    "养殖场",
    "养猪场",
    "养鸡场",
    "养鸭场",
    "养牛场",
    "养羊场",
    "屠宰场",
    "屠宰厂",
    "肉联厂",
    "家庭农场",
    "农场",
    "猪场",
    "鸡场",
    "牛场",
    "羊场",
    "牧场",
    "肉店",
    "肉铺",
    "饲料厂",
    "兽药店",
    "兽医站",
)


@dataclass(frozen=True, slots=True)
class Matter:
    """What identifies the matter a post is about."""

    category: str
    places: frozenset[str]
    towns: frozenset[str]
    organisations: frozenset[str]
    simhash: int
    bigrams: Mapping[str, int] = field(repr=False)


@dataclass(frozen=True, slots=True)
class MatterMatch:
    """The same-matter score of two posts, the decision and its reasons (Simplified Chinese)."""

    score: float
    same: bool
    reasons: list[str]


def _as_strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    result: list[str] = []
    for item in value:
        if isinstance(item, str):
            result.append(item)
        elif isinstance(item, Mapping) and isinstance(item.get("name"), str):
            result.append(item["name"])
    return result


def organisation_key(name: str) -> str:
    """The distinctive head of an organisation name ("青禾区兴旺生猪养殖场" → "兴旺")."""
    key = normalise(name)
    changed = True
    while changed:
        changed = False
        for ending in _GENERIC_ENDINGS:
            if key.endswith(ending) and len(key) > len(ending):
                key = key[: -len(ending)]
                changed = True
                break
    return key


def _bigrams(text: str) -> Counter[str]:
    chars = normalise(text)
    return Counter(chars[i : i + 2] for i in range(len(chars) - 1))


def matter_of(
    *,
    title: str,
    text: str,
    category: str,
    entities: Mapping[str, Any] | None = None,
    simhash: int | None = None,
) -> Matter:
    """The matter of one post from its stored fields (see the module docstring)."""
    entities = entities or {}
    full = f"{title}\n{text}" if title else text
    towns = frozenset(_as_strings(entities.get("towns")))
    places = frozenset(_as_strings(entities.get("places"))) | towns
    organisations = frozenset(
        key for key in (organisation_key(name) for name in _as_strings(entities.get("organisations"))) if key
    )
    return Matter(
        category=category or "",
        places=places,
        towns=towns,
        organisations=organisations,
        simhash=compute_simhash(full) if simhash is None else simhash,
        bigrams=_bigrams(full),
    )


def matter_from_rows(post: Any, analysis: Any | None) -> Matter:
    """The matter of a stored ``Post`` with its ``Analysis`` (or ``None`` when not analysed yet)."""
    return matter_of(
        title=post.title or "",
        text=post.content or "",
        category=analysis.category if analysis is not None else "",
        entities=analysis.entities if analysis is not None else None,
        simhash=getattr(post, "simhash", None),
    )


def text_similarity(a: Mapping[str, int], b: Mapping[str, int]) -> float:
    """Cosine similarity of two character-bigram count vectors (0 when either is empty)."""
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(count * b.get(gram, 0) for gram, count in a.items())
    norm = math.sqrt(sum(c * c for c in a.values())) * math.sqrt(sum(c * c for c in b.values()))
    return dot / norm if norm else 0.0


def _overlap(a: Iterable[str], b: Iterable[str]) -> list[str]:
    return sorted(set(a) & set(b))


def compare(a: Matter, b: Matter, *, threshold: float = SAME_MATTER_THRESHOLD) -> MatterMatch:
    """How likely ``a`` and ``b`` are the same matter, with the reasons."""
    similarity = text_similarity(a.bigrams, b.bigrams)
    if near_duplicate(a.simhash, b.simhash) or similarity >= NEAR_DUPLICATE_SIMILARITY:
        return MatterMatch(score=1.0, same=True, reasons=["文本几乎相同（转发或重复提交）"])
    reasons: list[str] = []
    same_category = a.category == b.category and a.category not in _NO_CATEGORY
    if same_category:
        reasons.append("类别相同")
    organisations = _overlap(a.organisations, b.organisations)
    if organisations:
        reasons.append(f"涉及同一单位「{'、'.join(organisations)}」")
    villages = _overlap(a.places - a.towns, b.places - b.towns)
    towns = _overlap(a.towns, b.towns)
    if villages:
        place = 1.0
        reasons.append(f"地点相同「{'、'.join(villages)}」")
    elif towns:
        place = 0.5
        reasons.append(f"同一街镇「{'、'.join(towns)}」")
    else:
        place = 0.0
    if similarity >= 0.3:
        reasons.append(f"文本相似度 {similarity:.2f}")
    score = (
        WEIGHTS["category"] * same_category
        + WEIGHTS["organisation"] * bool(organisations)
        + WEIGHTS["place"] * place
        + WEIGHTS["text"] * min(1.0, similarity / TEXT_FULL_SIMILARITY)
    )
    if not same_category:
        score = min(score, DIFFERENT_CATEGORY_CAP)
    score = round(min(score, 1.0), 4)
    return MatterMatch(score=score, same=score >= threshold, reasons=reasons)


def same_matter_score(a: Matter, b: Matter) -> float:
    """The same-matter score of two matters in [0, 1]."""
    return compare(a, b).score
