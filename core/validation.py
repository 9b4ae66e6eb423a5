"""Parsing form and file values into pydantic schemas, with the first problem as a domain error naming its field."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from core.errors import InvalidInput

Model = TypeVar("Model", bound=BaseModel)


def parse_as(model: type[Model], data: dict[str, Any]) -> Model:
    """``data`` as ``model``; the first problem refused as InvalidInput naming its field (forms, imports)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error.get("loc", ())) or "body"
        raise InvalidInput(f"字段 {field} 有误：{error.get('msg', '')}", details={"field": field}) from exc
