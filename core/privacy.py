"""The one masking policy for personal data: phone and ID numbers, names beside them, house numbers.

The stored post keeps the original text (the system of record); every page, API response, export,
notification, search document and analysis output goes through :func:`mask_text` (or :func:`mask_value`
for nested data). Masking is idempotent: already masked text (``138****2716``, ``张*``) stays as it is.
Who may see the full text, and how that is logged, is decided in ``alerts.privacy.service``; docs/security.md
describes the whole policy.

Formats:
- mobile numbers (optionally +86, spaces or dashes between groups): ``138****2716`` (first 3, last 4);
- landline numbers with an area code (``0731-84512345``): ``0731-****2345`` (area code, last 4);
- resident ID numbers (18 digits with a final X, or the old 15 digits): ``4101**********2356``
  (first 4, last 4).
- a person's name beside a phone number or after a label such as 联系人, 投诉人 or 姓名 (the name must
  start with a common surname): ``张*`` (surname kept, the rest one ``*`` per character);
- house numbers of a home address: the digits before 栋, 幢, 单元, 室, 号楼, 号院, after a road or village
  (``幸福路12号``, ``前进村5组``): ``幸福路**号``, ``前进村*组``.
Short service numbers (12345, 12316, 110) are not personal and are left alone.

Web addresses (``https://…``, and a value that is a bare path such as ``/u/13812345678/``) are masked too: a
number in a query or a path leaks as much as one in the text. Inside an address only phone and ID numbers
are masked (names and house numbers need Chinese text around them), and only a number that stands alone
between separators (``/``, ``=``, ``&``, ``.``, ``_``, ``-``, a percent escape), so a token or hash that
happens to hold eleven digits stays intact; everything else in the address is kept byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from difflib import SequenceMatcher
from typing import Any

_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_ID_18 = re.compile(rf"(?<![0-9A-Za-z])\d{{6}}(?:18|19|20)\d{{2}}{_DATE}\d{{3}}[0-9Xx](?![0-9A-Za-z])")
_ID_15 = re.compile(rf"(?<![0-9A-Za-z])\d{{6}}\d{{2}}{_DATE}\d{{3}}(?![0-9A-Za-z])")
_ID_MASKED = re.compile(r"(?<![0-9A-Za-z])\d{4}[*＊]{6,12}[0-9Xx]{3,4}(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:(?:\+|00)?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9])")
_MOBILE_MASKED = re.compile(r"(?<![0-9])1[3-9]\d[*＊]{4}\d{4}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])0\d{2,3}[-－ ]?[2-9]\d{6,7}(?![0-9])")
_LANDLINE_MASKED = re.compile(r"(?<![0-9])0\d{2,3}-[*＊]{4}\d{4}(?![0-9])")
_DIGITS = re.compile(r"\d")
_CJK = "\u4e00-\u9fff"
# The most common surnames (about 90% of the population); a name must start with one to be masked, so that
# ordinary words before a number (请拨打, 咨询电话) are not taken for names.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温"
    "康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍"
    "涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑"
    "景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_COMPOUND = "欧阳|司马|诸葛|上官|司徒|皇甫|令狐|慕容|东方|夏侯|尉迟|长孙|宇文|公孙|端木"
_NAME = rf"(?:(?:{_COMPOUND})[{_CJK}]{{1,2}}?|[{_SURNAMES}][{_CJK}]{{1,2}}?)"
# Forms of address that name nobody in particular (张先生, 王女士) stay.
_ADDRESS_FORMS = ("先生", "女士", "老师", "师傅", "大爷", "阿姨", "某", "某某", "某人", "小姐", "同志", "家")
_LABELS = "联系人|姓名|申请人|投诉人|举报人|反映人|来电人|来信人|求助人|户主|当事人|委托人|代理人|被投诉人"
_NAME_STOP = (
    r"(?=[\s,，。.;；:：、()（）\[\]【】0-9*＊]|电话|手机|联系|身份|证件|住址|家住|住在|反映|投诉|举报|来电|来信"
    r"|称|说|表示|$)"
)
_LABELLED_NAME = re.compile(rf"(?:{_LABELS})[\s:：]*({_NAME}){_NAME_STOP}")
_NUMBER_MASKED = r"(?:1[3-9]\d[*＊]{4}\d{4}|0\d{2,3}-[*＊]{4}\d{4})"
_NAME_BY_PHONE = re.compile(
    rf"({_NAME})(?=[\s,，、(（:：]{{0,2}}(?:联系电话|电话号码|联系方式|手机号|电话|手机)?[\s:：]{{0,2}}{_NUMBER_MASKED})"
)
_HOUSE_NUMBERS = (
    re.compile(r"\d+(?=号楼|号院|栋|幢|单元|室)"),
    re.compile(r"(?<=[路街巷弄道])\d+(?=号)"),
    re.compile(r"(?<=[村屯])\d+(?=组|号)"),
)
_WORTH_LOOKING = re.compile(rf"\d|{_LABELS}")
_URL = re.compile(r"(?:https?|ftp)://[^\s<>\"'，。；！？、（）「」【】\u4e00-\u9fff]+", re.IGNORECASE)
_BARE_PATH = re.compile(r"/[^\s]*")
_HASH = re.compile(r"[0-9a-fA-F]{32,}")


def _mask_id(match: re.Match[str]) -> str:
    value = match.group(0)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def _mask_mobile(match: re.Match[str]) -> str:
    digits = "".join(_DIGITS.findall(match.group(0)))[-11:]
    return f"{digits[:3]}****{digits[-4:]}"


def _mask_landline(match: re.Match[str]) -> str:
    digits = "".join(_DIGITS.findall(match.group(0)))
    # Area codes 010 and 02x have three digits; the others (0731, 0571 …) four.
    area = 3 if digits[1] in "12" else 4
    return f"{digits[:area]}-****{digits[-4:]}"


_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_ID_18, _mask_id),
    (_ID_15, _mask_id),
    (_MOBILE, _mask_mobile),
    (_LANDLINE, _mask_landline),
)


def _mask_name(match: re.Match[str]) -> str:
    name = match.group(1)
    surname = 2 if name[:2] in _COMPOUND.split("|") else 1
    if name[surname:] in _ADDRESS_FORMS or set(name[surname:]) <= {"*"}:
        return match.group(0)
    masked = name[:surname] + "*" * (len(name) - surname)
    start, end = match.span(1)
    whole = match.group(0)
    offset = match.start(0)
    return whole[: start - offset] + masked + whole[end - offset :]


def _mask_plain(text: str) -> str:
    for pattern, replace in _RULES:
        text = pattern.sub(replace, text)
    text = _LABELLED_NAME.sub(_mask_name, text)
    text = _NAME_BY_PHONE.sub(_mask_name, text)
    for pattern in _HOUSE_NUMBERS:
        text = pattern.sub(lambda m: "*" * len(m.group(0)), text)
    return text


# One unit of a web address: a percent escape or a single character.
_URL_UNIT = re.compile(r"%[0-9A-Fa-f]{2}|.", re.DOTALL)
# Escapes that may sit inside a written number (``+86``, ``138 1234 5678``, ``138-1234-5678``).
_URL_ESCAPES = {"%2B": "+", "%20": " ", "%2D": "-"}


def _address_view(units: list[str]) -> str:
    # One character per unit, so that a match in the view maps back to whole units; an escape that cannot be
    # part of a number stands for a separator.
    return "".join(unit if len(unit) == 1 else _URL_ESCAPES.get(unit.upper(), "%") for unit in units)


def _mask_address(address: str) -> str:
    """A web address with its phone and ID numbers masked; every other character kept as it was."""
    units: list[str] = _URL_UNIT.findall(address)
    for pattern, replace in _RULES:
        view = _address_view(units)
        masked: list[str] = []
        position = 0
        for match in pattern.finditer(view):
            start, end = match.span()
            # A number glued to letters is part of a token or a hash, not a number someone wrote.
            if view[start - 1 : start].isalpha() or view[end : end + 1].isalpha():
                continue
            masked += units[position:start]
            masked += replace(match)
            position = end
        units = masked + units[position:]
    return "".join(units)


def mask_text(text: str) -> str:
    """``text`` with personal data masked (numbers, names beside them, house numbers); idempotent."""
    if not text or not _WORTH_LOOKING.search(text) or _HASH.fullmatch(text):
        return text
    if _BARE_PATH.fullmatch(text):
        return _mask_address(text)
    parts: list[str] = []
    position = 0
    # Only numbers are masked inside a web address, and the rest of it is kept, so that it still reads as one.
    for match in _URL.finditer(text):
        parts.append(_mask_plain(text[position : match.start()]))
        parts.append(_mask_address(match.group(0)))
        position = match.end()
    parts.append(_mask_plain(text[position:]))
    return "".join(parts)


# Organisations (a company or a cooperative asking for information) are not masked by name.
_ORGANISATION_ENDS = (
    "公司",
    "中心",
    "合作社",
    "协会",
    "委员会",
    "局",
    "厂",
    "场",
    "站",
    "所",
    "院",
    "校",
    "店",
    "部",
    "社",
    "队",
)


def mask_name(name: str | None) -> str | None:
    """A person's name as shown to everyone: surname kept, the rest ``*`` (张三 → 张*); other values as text."""
    if not name:
        return name
    value = name.strip()
    if 2 <= len(value) <= 4 and re.fullmatch(rf"[{_CJK}]+", value) and not value.endswith(_ORGANISATION_ENDS):
        surname = 2 if value[:2] in _COMPOUND.split("|") and len(value) > 2 else 1
        if value[surname:] in _ADDRESS_FORMS:
            return value
        return value[:surname] + "*" * (len(value) - surname)
    return mask_text(name)


# Keys whose value is a person's name (a post's author, a requester), masked as a name wherever data is sent.
NAME_KEYS = frozenset({"author", "requester_name", "applicant_name", "caller", "caller_name", "contact_name"})


def mask_value(value: Any, *, keep: frozenset[str] = frozenset()) -> Any:
    """A copy of ``value`` (str, list, tuple, dict, nested) with every string masked, except under keys in ``keep``."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: _masked_item(key, item, keep) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_value(item, keep=keep) for item in value)
    return value


def _masked_item(key: Any, item: Any, keep: frozenset[str]) -> Any:
    if key in keep:
        return item
    if key in NAME_KEYS and isinstance(item, str):
        return mask_name(item)
    if key == "requester" and isinstance(item, dict):
        # A hand-entered case's requester: {"name", "phone", "address", …}.
        return {k: mask_name(v) if k == "name" and isinstance(v, str) else mask_value(v) for k, v in item.items()}
    return mask_value(item, keep=keep)


def find_phones(text: str) -> list[str]:
    """The phone numbers in ``text``, masked, in order of appearance, without repeats."""
    found: list[tuple[int, str]] = []
    for match in _MOBILE.finditer(text):
        found.append((match.start(), _mask_mobile(match)))
    for match in _MOBILE_MASKED.finditer(text):
        found.append((match.start(), match.group(0).replace("＊", "*")))
    # Blanking ID numbers and mobiles only removes landline matches, never makes one (a blanked number is
    # bordered by non-digits and a landline starts and ends with a digit), so without any landline-shaped
    # number in the text the three blanking passes, most of this function's time, can be skipped.
    if _LANDLINE.search(text) is None:
        return _ordered_unique(found)
    without_mobiles = _MOBILE.sub(lambda m: " " * len(m.group(0)), _ids_blanked(text))
    for match in _LANDLINE.finditer(without_mobiles):
        found.append((match.start(), _mask_landline(match)))
    return _ordered_unique(found)


def find_id_numbers(text: str) -> list[str]:
    """The resident ID numbers in ``text``, masked, in order of appearance, without repeats."""
    found: list[tuple[int, str]] = []
    for pattern in (_ID_18, _ID_15):
        found += [(m.start(), _mask_id(m)) for m in pattern.finditer(text)]
    found += [(m.start(), m.group(0).replace("＊", "*")) for m in _ID_MASKED.finditer(text)]
    return _ordered_unique(found)


# Past this length an edited text is not aligned with its original (the alignment grows with the square of it).
_RESTORE_LIMIT = 20000


def keep_unmasked(value: str, *, of: str | None) -> str:
    """``value`` from an edit form prefilled with ``of`` masked: what the user left masked is ``of``'s original.

    A form shows stored text masked; sent back, the parts the user did not touch (a phone number, a room
    number) must not overwrite the original with stars, while every character the user typed is kept.
    """
    if not of or value == of:
        return value
    if value.strip() in {mask_text(of).strip(), (mask_name(of) or "").strip()}:
        return of
    shown = mask_text(of)
    if shown == of or "*" not in value or max(len(value), len(of)) > _RESTORE_LIMIT:
        return value
    # Where the shown text differs from the original: (start, end) in ``shown`` -> the original's characters.
    hidden = [
        (j1, j2, of[i1:i2])
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, of, shown, autojunk=False).get_opcodes()
        if tag != "equal"
    ]
    parts: list[str] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, shown, value, autojunk=False).get_opcodes():
        if tag != "equal":
            parts.append(value[j1:j2])
            continue
        position = i1
        # A hidden part the user left whole is the original again; one they cut into is theirs.
        for start, end, original in hidden:
            if i1 <= start and end <= i2 and (start < i2 or start == end == len(shown)):
                parts.append(shown[position:start] + original)
                position = end
        parts.append(shown[position:i2])
    return "".join(parts)


def keep_unmasked_value(value: Any, *, of: Any) -> Any:
    """:func:`keep_unmasked` through nested data (a configuration sent back by its form), key by key, item by item."""
    if isinstance(value, str):
        return keep_unmasked(value, of=of) if isinstance(of, str) else value
    if isinstance(value, dict) and isinstance(of, dict):
        return {key: keep_unmasked_value(item, of=of.get(key)) for key, item in value.items()}
    if isinstance(value, list) and isinstance(of, list):
        # A list sent back in another order (addresses one a line) still finds each item's original.
        shown = {mask_text(item): item for item in of if isinstance(item, str)}
        return [
            shown[item]
            if isinstance(item, str) and item in shown
            else keep_unmasked_value(item, of=of[i] if i < len(of) else None)
            for i, item in enumerate(value)
        ]
    return value


def contains_personal_numbers(text: str) -> bool:
    """True when ``text`` holds an unmasked phone or ID number."""
    return any(pattern.search(text) for pattern, _ in _RULES)


def contains_personal_data(text: str) -> bool:
    """True when ``text`` holds anything the policy masks (a number, a name beside one, a house number)."""
    return mask_text(text) != text


def _ids_blanked(text: str) -> str:
    for pattern in (_ID_18, _ID_15):
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def _ordered_unique(found: list[tuple[int, str]]) -> list[str]:
    seen: dict[str, None] = {}
    for _, value in sorted(found):
        seen.setdefault(value, None)
    return list(seen)
