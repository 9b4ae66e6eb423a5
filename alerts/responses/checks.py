"""The four checks before a response is published, as pure functions over its text and the case's facts.

    findings = run_checks(content, facts=CaseFacts(...), lists=CheckLists(...))

Each finding names its check (保密, 法律, 政治, 文字), a kind, the words found and where they are
(``content[start:end] == text``, Python string indices) and what to do. The word lists are data the admin
maintains (``check_term``); the patterns here find what no list can (numbers, brackets, citations).
The wording checks (文字关) are in ``alerts/responses/wording.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

CHECKS = ("保密", "法律", "政治", "文字")
# A text this wrong needs rewriting, not a longer list.
MAX_FINDINGS = 500


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a check found: which check, what kind, the words, where, and what to do."""

    check: str
    kind: str
    text: str
    start: int
    end: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        """Plain data (stored with the response, returned by the API)."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What a response is checked against: the case's section, places and the person who raised it."""

    section: str | None = None
    co_sections: tuple[str, ...] = ()
    all_sections: tuple[str, ...] = ()
    towns: frozenset[str] = frozenset()
    villages: frozenset[str] = frozenset()
    requester: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckLists:
    """The admin's word lists ({list: [(term, suggestion)]}) and the 口径库's documents [(title, number)]."""

    terms: Mapping[str, list[tuple[str, str]]] = field(default_factory=dict)
    documents: list[tuple[str, str]] = field(default_factory=list)


def _finding(check: str, kind: str, match_text: str, start: int, message: str) -> Finding:
    return Finding(check, kind, match_text, start, start + len(match_text), message)


def occurrences(text: str, term: str) -> Iterator[int]:
    """Every start index of ``term`` in ``text`` (not overlapping)."""
    if not term:
        return
    start = text.find(term)
    while start != -1:
        yield start
        start = text.find(term, start + len(term))


# -- 保密关 ----------------------------------------------------------------------------------------------

_MOBILE = re.compile(r"(?<![0-9])(?:(?:\+|00)?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])0\d{2,3}[-－ ]?[2-9]\d{6,7}(?![0-9])")
_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_ID = re.compile(
    rf"(?<![0-9A-Za-z])(?:\d{{6}}(?:18|19|20)\d{{2}}{_DATE}\d{{3}}[0-9Xx]|\d{{8}}{_DATE}\d{{3}})(?![0-9A-Za-z])"
)
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# A person named just before a phone number: 张三（138…）, 李先生 0731-…, 王女士电话：…
_NAME_BEFORE = re.compile(
    rf"(?:[\u4e00-\u9fa5]{{1,2}}(?:先生|女士|师傅|老师|同志|大爷|大妈|阿姨)|[{_SURNAMES}][\u4e00-\u9fa5]{{1,2}})"
    r"(?:[，,：:\s（(]|的?(?:电话|手机|联系方式)(?:号码)?[：:为是]?)*$"
)
_ADDRESS = re.compile(
    r"[\u4e00-\u9fa5]{1,10}(?:村|社区|小区|花园|新村|路|街|巷|弄|大道)[\u4e00-\u9fa5]{0,6}?"
    r"[0-9０-９一二三四五六七八九十]+(?:组|号楼|号院|号|栋|幢|单元|室)"
    r"(?:[0-9０-９]+(?:号|栋|幢|单元|室|层|楼))*"
)
_BRACKET_OPEN = "〔[［(（【"
_BRACKET_CLOSE = "〕]］)）】"
_YEAR_NUMBER = (
    rf"[{re.escape(_BRACKET_OPEN)}]\s*((?:19|20)\d{{2}})\s*[{re.escape(_BRACKET_CLOSE)}]\s*第?\s*(\d{{1,4}})\s*号"
)
_INTERNAL_NUMBER = re.compile(rf"[\u4e00-\u9fa5]{{0,10}}内(?:发|字|函|部|通)?\s*{_YEAR_NUMBER}")
_DOC_NUMBER = re.compile(rf"([\u4e00-\u9fa5]{{0,12}}?)\s*{_YEAR_NUMBER}")


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _phones(content: str, allowed: set[str]) -> Iterator[Finding]:
    blanked = _ID.sub(lambda m: " " * len(m.group(0)), content)
    spans = [m.span() for m in _MOBILE.finditer(blanked)]
    without_mobiles = _MOBILE.sub(lambda m: " " * len(m.group(0)), blanked)
    spans += [m.span() for m in _LANDLINE.finditer(without_mobiles)]
    for start, end in sorted(spans):
        if _digits(content[start:end]) in allowed:
            continue
        name = _NAME_BEFORE.search(content[max(0, start - 12) : start])
        if name is not None:
            begin = max(0, start - 12) + name.start()
            yield Finding(
                "保密", "name_phone", content[begin:end], begin, end, "含个人姓名和电话号码，对外发布前请删除"
            )
        else:
            yield Finding("保密", "phone", content[start:end], start, end, "含电话号码，请确认可以公开，否则删除或隐去")


def confidential_findings(content: str, *, facts: CaseFacts, lists: CheckLists) -> list[Finding]:
    """保密关: personal data, internal document numbers, words from the confidential list."""
    allowed_terms = [term for term, _ in lists.terms.get("allowed", [])]
    allowed_digits = {_digits(term) for term in allowed_terms if _digits(term)}
    found = list(_phones(content, allowed_digits))
    for match in _ID.finditer(content):
        found.append(_finding("保密", "id_number", match.group(0), match.start(), "含身份证号码，对外发布前请删除"))
    for match in _ADDRESS.finditer(content):
        if any(term and term in match.group(0) for term in allowed_terms):
            continue
        text, start = _trimmed(match)
        found.append(_finding("保密", "address", text, start, "含具体门牌地址，请确认不涉及个人住址，否则隐去门牌号"))
    for key, label in (("name", "姓名"), ("phone", "电话"), ("address", "住址")):
        value = (facts.requester.get(key) or "").strip()
        if len(value) < 2:
            continue
        for start in occurrences(content, value):
            found.append(
                _finding("保密", f"requester_{key}", value, start, f"含诉求人的{label}，对外发布前请删除或隐去")
            )
    for match in _INTERNAL_NUMBER.finditer(content):
        text, start = _trimmed(match)
        found.append(_finding("保密", "internal_document", text, start, "引用了内部文件的文号，内部文件不得对外引用"))
    for term, _ in lists.terms.get("confidential", []):
        for start in occurrences(content, term):
            found.append(_finding("保密", "confidential_term", term, start, f"「{term}」在保密词表中，请确认可以公开"))
    return found


# Words that run into a number's or address's Chinese prefix but are not part of it ("依据青农发〔2024〕12号");
# never single characters, which begin place names too (和平村).
_LEAD_WORDS = ("依据", "根据", "按照", "参照", "对照", "执行", "印发", "家住", "住在", "位于", "地址", "以及", "地处")


def _trimmed(match: re.Match[str]) -> tuple[str, int]:
    """The match without leading spaces and lead words, and where it then starts."""
    text, start = match.group(0), match.start()
    changed = True
    while changed:
        changed = False
        stripped = text.lstrip(" ：:，,")
        start, text = start + len(text) - len(stripped), stripped
        for word in _LEAD_WORDS:
            if text.startswith(word) and len(text) > len(word):
                start, text = start + len(word), text[len(word) :]
                changed = True
                break
    return text, start


# -- 法律关 ----------------------------------------------------------------------------------------------

_TITLE = re.compile(r"《([^《》\n]{1,80})》")
_TITLE_NOISE = re.compile(r"[（(][^（）()]*(?:修订|修正|试行|草案|年)[^（）()]*[）)]$")
_DEADLINE = (
    r"(?:(?:\d{1,3}|[一二两三四五六七八九十]{1,3})个?(?:工作日|日|天|周|星期|个月|月|小时)(?:之内|以内|内)"
    r"|(?:\d{4}年)?\d{1,2}月\d{1,2}日(?:之前|以前|前)|(?:本周|下周|本月|月底|年底|年内|春节|国庆)(?:之前|以前|前|内)"
    r"|(?:明天|明日|后天|今天|今日)(?:之内|内|前)?)"
)
_PROMISE_LEAD = r"(?:保证|确保|承诺|一定|务必|将在|将于|争取在|争取|会在|于)"
_PROMISE_VERB = r"(?:完成|解决|办结|答复|回复|关停|关闭|拆除|搬迁|整改到位|赔偿|补偿|发放|到位|处理完毕|给予|退还)"
_DATE_PROMISE = re.compile(
    rf"{_PROMISE_LEAD}?{_DEADLINE}[^。；;！!？?\n]{{0,10}}?{_PROMISE_VERB}|{_PROMISE_LEAD}{_DEADLINE}"
)


def normalise_title(title: str) -> str:
    """A document title compared loosely: no spaces, no 中华人民共和国, no trailing (2021年修订)."""
    value = re.sub(r"\s+", "", title.strip("《》"))
    value = value.removeprefix("中华人民共和国")
    return _TITLE_NOISE.sub("", value)


def normalise_number(number: str) -> tuple[str, str, str] | None:
    """A 文号 as (prefix, year, number), whatever brackets were used; None when it is not one."""
    match = _DOC_NUMBER.search(number)
    if match is None:
        return None
    return (re.sub(r"\s+", "", match.group(1)), match.group(2), str(int(match.group(3))))


def legal_findings(content: str, *, facts: CaseFacts, lists: CheckLists) -> list[Finding]:
    """法律关: cited documents the 口径库 does not list, promises of dates or outcomes."""
    titles = {normalise_title(title) for title, _ in lists.documents if title.strip()}
    numbers = {n for n in (normalise_number(number) for _, number in lists.documents) if n}
    short_numbers = {(year, number) for _, year, number in numbers}
    found: list[Finding] = []
    for match in _TITLE.finditer(content):
        if normalise_title(match.group(1)) not in titles:
            found.append(
                _finding(
                    "法律",
                    "unknown_document",
                    match.group(0),
                    match.start(),
                    f"{match.group(0)}不在口径库的政策文件清单中，请核对名称、文号和是否现行有效",
                )
            )
    internal = {m.span() for m in _INTERNAL_NUMBER.finditer(content)}
    for match in _DOC_NUMBER.finditer(content):
        if any(start <= match.start() < end for start, end in internal):
            continue
        prefix, year, number = re.sub(r"\s+", "", match.group(1)), match.group(2), str(int(match.group(3)))
        known = (prefix, year, number) in numbers if prefix else (year, number) in short_numbers
        if not known and prefix and (year, number) in short_numbers:
            known = any(p.endswith(prefix) or prefix.endswith(p) for p, y, n in numbers if (y, n) == (year, number))
        if not known:
            text, start = _trimmed(match)
            found.append(
                _finding("法律", "unknown_number", text, start, f"文号「{text}」不在口径库的政策文件清单中，请核对")
            )
    for match in _DATE_PROMISE.finditer(content):
        found.append(
            _finding(
                "法律",
                "date_promise",
                match.group(0),
                match.start(),
                "承诺了具体时限，请确认能够兑现，或改为“依法依规尽快办理”",
            )
        )
    for term, _ in lists.terms.get("promise", []):
        for start in occurrences(content, term):
            found.append(
                _finding("法律", "outcome_promise", term, start, f"「{term}」是承诺性用语，请确认有依据并能够兑现")
            )
    return found


# -- 政治关 ----------------------------------------------------------------------------------------------


def political_findings(content: str, *, facts: CaseFacts, lists: CheckLists) -> list[Finding]:
    """政治关: the admin's list of expressions a head must look at."""
    return [
        _finding("政治", "review_term", term, start, f"「{term}」须审慎使用，请科室负责人把关")
        for term, _ in lists.terms.get("political", [])
        for start in occurrences(content, term)
    ]


# -- all four ----------------------------------------------------------------------------------------------


def run_checks(content: str, *, facts: CaseFacts, lists: CheckLists) -> list[Finding]:
    """The findings of the four checks in ``content`` in reading order (at most ``MAX_FINDINGS``)."""
    from alerts.responses.wording import wording_findings

    found: list[Finding] = []
    for check in (confidential_findings, legal_findings, political_findings, wording_findings):
        found.extend(check(content, facts=facts, lists=lists))
    return _distinct(found)


def _distinct(found: Iterable[Finding]) -> list[Finding]:
    seen: set[tuple[str, int, int]] = set()
    reach: dict[str, int] = {}
    result: list[Finding] = []
    order = {name: index for index, name in enumerate(CHECKS)}
    for finding in sorted(found, key=lambda f: (f.start, -f.end, order[f.check], f.kind)):
        key = (finding.check, finding.start, finding.end)
        if key in seen:
            continue
        # Inside an earlier finding of the same check (a phone inside name+phone, a promise word inside a
        # date promise) it says less: the earlier one started no later, so its end is all that matters.
        if finding.end <= reach.get(finding.check, -1):
            continue
        seen.add(key)
        reach[finding.check] = max(reach.get(finding.check, -1), finding.end)
        result.append(finding)
    return result[:MAX_FINDINGS]
