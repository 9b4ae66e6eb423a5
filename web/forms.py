"""Forms into the API's own input schemas: a bad field becomes the domain's InvalidInput, naming the field.

The API refuses the same input with 422 and code ``invalid_input``; a page shown again with this error answers
with the same status and code (``web.pages.form_error``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from core.errors import InvalidInput

Schema = TypeVar("Schema", bound=BaseModel)

# What a pydantic error type means, for people.
MESSAGES = {
    "missing": "必须填写",
    "string_too_short": "不能为空",
    "too_short": "至少选择一项",
    "string_too_long": "过长",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "greater_than": "应为正数",
    "greater_than_equal": "不能为负数",
    "less_than": "过大",
    "literal_error": "取值无效",
    "enum": "取值无效",
    "date_from_datetime_parsing": "日期格式有误",
    "datetime_from_date_parsing": "时间格式有误",
    "date_parsing": "日期格式有误",
    "datetime_parsing": "时间格式有误",
}


def parse(schema: type[Schema], data: Mapping[str, Any], *, labels: Mapping[str, str] | None = None) -> Schema:
    """``data`` validated by ``schema``, or InvalidInput naming the first bad field (``details.field``)."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error.get("loc", ()))
        label = (labels or {}).get(field) or (labels or {}).get(field.split(".")[0]) or field
        message = MESSAGES.get(error.get("type", ""), "取值无效")
        raise InvalidInput(f"「{label}」{message}", details={"field": field}) from exc


def words(value: str) -> list[str]:
    """Words separated by commas, Chinese commas, 、, new lines or spaces."""
    for mark in ("，", "、", ",", "\n"):
        value = value.replace(mark, " ")
    return [word for word in value.split() if word]


def optional_int(value: object) -> int | str | None:
    """A form value for an optional number: None when empty, else as given (the schema checks it)."""
    text = str(value or "").strip()
    return text or None
