"""文字关: misused words and wrong characters (the admin's list), unmatched brackets and quotes, numbers
written two ways, and a section or place name that is not this case's."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from alerts.responses.checks import CaseFacts, CheckLists, Finding, occurrences
from core.district.data import District
from core.district.data import district as district_places

PAIRS = {"（": "）", "(": ")", "《": "》", "【": "】", "〔": "〕", "[": "]", "［": "］", "“": "”", "‘": "’", "「": "」"}
CLOSERS = {close: open_ for open_, close in PAIRS.items()}
_CN_DIGIT = "〇零一二两三四五六七八九十"
_ARABIC_DATE = re.compile(r"(?:(?<![0-9])\d{4}年)|(?:(?<![0-9])\d{1,2}月\d{1,2}日)")
_CHINESE_DATE = re.compile(rf"(?:[〇零一二三四五六七八九]{{4}}年)|(?:[{_CN_DIGIT}]{{1,3}}月[{_CN_DIGIT}]{{1,3}}[日号])")
_FULL_WIDTH = re.compile(r"[０-９]+")


def district() -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """The district's towns (name → name) and villages (name → the towns that have one of that name)."""
    # The places the admin keeps (core.district), as entity recognition and routing see them.
    return _index(district_places())


@lru_cache(maxsize=4)
def _index(data: District) -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    owners: dict[str, set[str]] = {}
    for town in data.towns:
        for village in town.villages:
            owners.setdefault(village, set()).add(town.name)
    return {t.name: t.name for t in data.towns}, {v: frozenset(o) for v, o in owners.items()}


def places_in(text: str) -> tuple[set[str], set[str]]:
    """The towns and villages of the district named in ``text`` (full names only)."""
    towns, villages = district()
    return {t for t in towns if t in text}, {v for v in villages if len(v) >= 3 and v in text}


def _misused(content: str, lists: CheckLists) -> list[Finding]:
    found = []
    for term, suggestion in lists.terms.get("misused", []):
        for start in occurrences(content, term):
            # The right form may contain the wrong one's letters ("截至" vs "截止"): skip a right form in place.
            if suggestion and content.startswith(suggestion, start):
                continue
            found.append(
                Finding("文字", "misused_word", term, start, start + len(term), f"「{term}」应为「{suggestion}」")
            )
    return found


def _brackets(content: str) -> list[Finding]:
    found: list[Finding] = []
    stack: list[tuple[str, int]] = []
    open_count: Counter[str] = Counter()
    for index, char in enumerate(content):
        if char in PAIRS and not (char in "“‘" and stack and stack[-1][0] == char):
            stack.append((char, index))
            open_count[char] += 1
        elif char in CLOSERS:
            opener = CLOSERS[char]
            if open_count[opener]:
                # Whatever opened inside and was never closed is reported, then this pair closes.
                while stack[-1][0] != opener:
                    inner, at = stack.pop()
                    open_count[inner] -= 1
                    found.append(_unclosed(inner, at))
                stack.pop()
                open_count[opener] -= 1
            else:
                found.append(Finding("文字", "bracket", char, index, index + 1, f"「{char}」没有对应的「{opener}」"))
    found += [_unclosed(opener, at) for opener, at in stack]
    straight = [i for i, char in enumerate(content) if char == '"']
    if len(straight) % 2:
        at = straight[-1]
        found.append(Finding("文字", "bracket", '"', at, at + 1, "英文引号没有成对，中文稿件请用“”"))
    return found


def _unclosed(opener: str, at: int) -> Finding:
    return Finding("文字", "bracket", opener, at, at + 1, f"「{opener}」没有对应的「{PAIRS[opener]}」")


def _numbers(content: str) -> list[Finding]:
    found = [
        Finding("文字", "number_style", m.group(0), m.start(), m.end(), "全角数字，请改为半角数字")
        for m in _FULL_WIDTH.finditer(content)
    ]
    arabic = list(_ARABIC_DATE.finditer(content))
    chinese = list(_CHINESE_DATE.finditer(content))
    if arabic and chinese:
        for m in chinese:
            found.append(
                Finding(
                    "文字",
                    "number_style",
                    m.group(0),
                    m.start(),
                    m.end(),
                    "同一稿件中日期既有阿拉伯数字又有汉字，请统一用阿拉伯数字",
                )
            )
    return found


def _names(content: str, facts: CaseFacts) -> list[Finding]:
    found: list[Finding] = []
    mine = {name for name in (facts.section, *facts.co_sections) if name}
    if mine:
        for name in facts.all_sections:
            if name in mine or any(name != m and name in m for m in mine):
                continue
            for start in occurrences(content, name):
                found.append(
                    Finding(
                        "文字",
                        "wrong_section",
                        name,
                        start,
                        start + len(name),
                        f"本案由{facts.section or '其他科室'}承办，回应中写的是「{name}」，请核对",
                    )
                )
    if not facts.towns and not facts.villages:
        return found
    towns, villages = district()
    case_towns = set(facts.towns) | {town for v in facts.villages for town in villages.get(v, ())}
    for name in towns:
        if name in case_towns:
            continue
        for start in occurrences(content, name):
            found.append(_wrong_place(name, start, facts))
    for name, owners in villages.items():
        if len(name) < 3 or name in facts.villages:
            continue
        # A village of another town is wrong; another village of the case's town only when the case names one.
        if owners & case_towns and not facts.villages:
            continue
        for start in occurrences(content, name):
            found.append(_wrong_place(name, start, facts))
    return found


def _wrong_place(name: str, start: int, facts: CaseFacts) -> Finding:
    where = "、".join(sorted(facts.towns | facts.villages))
    return Finding(
        "文字", "wrong_place", name, start, start + len(name), f"本案涉及{where}，回应中写的是「{name}」，请核对"
    )


def wording_findings(content: str, *, facts: CaseFacts, lists: CheckLists) -> list[Finding]:
    """文字关: misused words, brackets and quotes, numbers written two ways, wrong section or place names."""
    return [*_misused(content, lists), *_brackets(content), *_numbers(content), *_names(content, facts)]
