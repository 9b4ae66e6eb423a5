"""Drafts: the best-matching approved statement (口径) set in the facts of the case (place, date, section,
what was done), for the staff member to edit instead of a blank box.

A statement's wording may hold the placeholders {地点}, {日期}, {科室}, {办理情况}; they are filled from
the case. The draft itself opens with the case's facts and closes with the usual thanks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from alerts.cases.models import Alert
from alerts.responses.wording import places_in
from alerts.statements.models import Statement
from core.timeutil import to_local
from core.types import CATEGORY_LABELS

DEFAULT_DONE = "及时安排工作人员进行了调查核实"
CLOSING = "感谢您对畜牧工作的关心和支持！"


@dataclass(frozen=True, slots=True)
class CaseDraftFacts:
    """What a draft says about the case."""

    place: str = ""
    day: date | None = None
    section: str = ""
    done: str = DEFAULT_DONE
    matter: str = ""

    def as_dict(self) -> dict[str, str]:
        """The facts as text, keyed by the placeholder names."""
        return {"地点": self.place, "日期": _day(self.day), "科室": self.section, "办理情况": self.done}


@dataclass(frozen=True, slots=True)
class Draft:
    """A draft text and where it came from."""

    text: str
    statement: Statement | None
    score: float
    facts: dict[str, str] = field(default_factory=dict)


def _day(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def case_text(alert: Alert) -> str:
    """The case's words: its title and the text of its posts."""
    return "\n".join([alert.title or "", *((post.title or "") + "\n" + (post.content or "") for post in alert.posts)])


def draft_facts(alert: Alert) -> CaseDraftFacts:
    """Place, date, section and what was done, from the case's posts, analysis and progress notes."""
    villages: list[str] = []
    towns: list[str] = []
    for post in alert.posts:
        entities = post.analysis.entities if post.analysis is not None else {}
        villages += [v for v in entities.get("villages") or [] if isinstance(v, str)]
        towns += [t for t in entities.get("towns") or [] if isinstance(t, str)]
    if not villages and not towns:
        found_towns, found_villages = places_in(case_text(alert))
        towns, villages = sorted(found_towns), sorted(found_villages)
        if len(towns) == 1 and villages:
            villages = [towns[0] + villages[0]]
    place = villages[0] if villages else (towns[0] if towns else "")
    first = alert.posts[0] if alert.posts else None
    when = to_local((first.published_at if first else None) or alert.opened_at)
    notes = [e.note.strip().rstrip("。") for e in alert.events if e.action == "comment" and e.note.strip()]
    return CaseDraftFacts(
        place=place,
        day=when.date() if when else None,
        section=alert.section.name if alert.section else "我中心",
        done="；".join(notes[-2:]) if notes else DEFAULT_DONE,
        matter=CATEGORY_LABELS.get(alert.category, ""),
    )


def fill(wording: str, facts: CaseDraftFacts) -> str:
    """The wording with its placeholders replaced by the case's facts."""
    for key, value in facts.as_dict().items():
        wording = wording.replace("{" + key + "}", value)
    return wording


def build_draft(facts: CaseDraftFacts, wording: str = "") -> str:
    """A draft: the case's facts, then the approved wording (if any), then the thanks."""
    when = f"您于{_day(facts.day)}" if facts.day else "您"
    opening = f"您好！{when}反映的{facts.place}{facts.matter}问题已收悉。"
    handled = f"{facts.section}高度重视，{facts.done}。"
    body = fill(wording.strip(), facts)
    if body and body[-1] not in "。！？!?；;":
        body += "。"
    return opening + handled + body + CLOSING


def kept_share(wording: str, content: str) -> float:
    """How much of the approved wording stayed in the published text (share of its character pairs)."""
    pairs = Counter(wording[i : i + 2] for i in range(len(wording) - 1) if not wording[i : i + 2].isspace())
    if not pairs:
        return 0.0
    found = Counter(content[i : i + 2] for i in range(len(content) - 1))
    kept = sum(min(count, found.get(pair, 0)) for pair, count in pairs.items())
    return round(kept / sum(pairs.values()), 3)
