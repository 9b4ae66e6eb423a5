"""The unified format's vocabulary (《中华人民共和国政府信息公开工作年度报告格式》, 国办公开办函〔2021〕30号).

Codes are what the API stores and returns; the labels are the format's own words. The layout of section 三
(收到和处理政府信息公开申请情况) is defined once here, as rows, and the page, the DOCX and the XLSX all read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.errors import InvalidInput

# The applicant columns of section 三, in the format's order (自然人; 法人或其他组织: five kinds).
APPLICANT_TYPES: dict[str, str] = {
    "natural": "自然人",
    "business": "商业企业",
    "research": "科研机构",
    "public_interest": "社会公益组织",
    "legal_service": "法律服务机构",
    "other_org": "其他",
}
ORGANISATION_TYPES = ("business", "research", "public_interest", "legal_service", "other_org")
COLUMNS = (*APPLICANT_TYPES, "total")
COLUMN_LABELS = {**APPLICANT_TYPES, "total": "总计"}

RECEIVED_VIA: dict[str, str] = {
    "letter": "信函",
    "in_person": "当面",
    "online": "网络",
    "fax": "传真",
    "email": "电子邮件",
}

OUTCOMES: dict[str, str] = {
    "disclosed": "予以公开",
    "partial": "部分公开",
    "withheld": "不予公开",
    "unavailable": "无法提供",
    "not_processed": "不予处理",
    "other": "其他处理",
}
CARRIED_OVER = "结转下年度"

# The statutory reasons of the outcomes that need one (the sub-rows of the format).
REASONS: dict[str, dict[str, str]] = {
    "withheld": {
        "state_secret": "属于国家秘密",
        "prohibited": "其他法律行政法规禁止公开",
        "security_stability": "危及“三安全一稳定”",
        "third_party": "保护第三方合法权益",
        "internal_affairs": "属于三类内部事务信息",
        "process_info": "属于四类过程性信息",
        "enforcement_file": "属于行政执法案卷",
        "inquiry": "属于行政查询事项",
    },
    "unavailable": {
        "not_held": "本机关不掌握相关政府信息",
        "needs_creation": "没有现成信息需要另行制作",
        "unclear": "补正后申请内容仍不明确",
    },
    "not_processed": {
        "petition": "信访举报投诉类申请",
        "repeated": "重复申请",
        "publication": "要求提供公开出版物",
        "excessive": "无正当理由大量反复申请",
        "confirmation": "要求行政机关确认或重新出具已获取信息",
    },
    "other": {
        "no_correction": "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "unpaid_fee": "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "other": "其他",
    },
}
OUTCOME_NUMERALS = {
    "disclosed": "（一）",
    "partial": "（二）",
    "withheld": "（三）",
    "unavailable": "（四）",
    "not_processed": "（五）",
    "other": "（六）",
}
RECONCILIATION_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
PARTIAL_LABEL = "部分公开（区分处理的，只计这一情形，不计其他情形）"


@dataclass(frozen=True, slots=True)
class Row:
    """One row of section 三: its key, the words in each label column, and where it sits."""

    key: str
    # "head": a row whose label fills the three label columns; "result": inside 三、本年度办理结果.
    kind: str
    label: str
    group: str = ""
    item: str = ""


def _result_rows() -> list[Row]:
    rows = [
        Row("disclosed", "result", "三、本年度办理结果", f"{OUTCOME_NUMERALS['disclosed']}{OUTCOMES['disclosed']}"),
        Row("partial", "result", "三、本年度办理结果", f"{OUTCOME_NUMERALS['partial']}{PARTIAL_LABEL}"),
    ]
    for outcome, reasons in REASONS.items():
        group = f"{OUTCOME_NUMERALS[outcome]}{OUTCOMES[outcome]}"
        for number, (reason, label) in enumerate(reasons.items(), start=1):
            rows.append(Row(f"{outcome}.{reason}", "result", "三、本年度办理结果", group, f"{number}.{label}"))
    rows.append(Row("results_total", "result", "三、本年度办理结果", "（七）总计"))
    return rows


ROWS: tuple[Row, ...] = (
    Row("new", "head", "一、本年新收政府信息公开申请数量"),
    Row("carried_in", "head", "二、上年结转政府信息公开申请数量"),
    *_result_rows(),
    Row("carried_out", "head", "四、结转下年度继续办理"),
)
ROW_KEYS = tuple(row.key for row in ROWS)
OUTCOME_ROWS = tuple(row.key for row in ROWS if row.kind == "result" and row.key != "results_total")


def outcome_row(outcome: str, reason: str | None) -> str:
    """The row an answered request is counted in."""
    return f"{outcome}.{reason}" if outcome in REASONS else outcome


def row_label(key: str) -> str:
    """A row's words as one line (for messages and the register)."""
    row = next(r for r in ROWS if r.key == key)
    return "".join(part for part in (row.group, row.item) if part) or row.label


def code_of(value: str | None, vocabulary: Mapping[str, str], *, field: str, what: str) -> str:
    """The code for ``value`` given as a code or as the format's words; refused naming ``field``."""
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"请填写{what}", details={"field": field})
    if text in vocabulary:
        return text
    by_label = {label: code for code, label in vocabulary.items()}
    plain = text.replace('"', "").replace("“", "").replace("”", "")
    for label, code in by_label.items():
        if plain == label.replace("“", "").replace("”", ""):
            return code
    allowed = "、".join(vocabulary.values())
    raise InvalidInput(f"{what}「{text}」无效，应为：{allowed}", details={"field": field})


def reason_of(outcome: str, value: str | None, *, field: str = "reason") -> str | None:
    """The reason code an outcome needs (None for 予以公开 and 部分公开, which take none)."""
    if outcome not in REASONS:
        if value and value.strip():
            raise InvalidInput(f"「{OUTCOMES[outcome]}」不需要填写理由", details={"field": field})
        return None
    return code_of(value, REASONS[outcome], field=field, what=f"「{OUTCOMES[outcome]}」的理由")


def reason_label(outcome: str | None, reason: str | None) -> str:
    """The outcome and its reason in the format's words, e.g. ``不予公开：属于国家秘密``."""
    if outcome is None:
        return ""
    label = OUTCOMES.get(outcome, outcome)
    if reason and outcome in REASONS:
        return f"{label}：{REASONS[outcome].get(reason, reason)}"
    return label
