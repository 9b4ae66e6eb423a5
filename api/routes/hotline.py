"""The 12345 hotline: the city platform pushes work orders (a token of its own), answers go back as a file.

``POST /api/hotline/orders`` takes ``{"orders": [{order_no, title, content, received_at, due, …}]}`` with
``Authorization: Bearer <MUQING_HOTLINE_TOKEN>`` (or ``X-Hotline-Token``); each order becomes a post and a
case at once (one case per order), and the answer lists the case of each. ``GET /api/hotline/orders/export``
gives every order's case in the hotline's return format (CSV or XLSX).
"""

from __future__ import annotations

import csv
import hmac
import io
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from alerts.cases.hotline import RETURN_COLUMNS, answer_rows, open_cases
from api.deps import SessionDep, require_roles
from core.cells import xlsx_append
from core.config import get_settings
from core.errors import AuthenticationFailed, NotFound
from core.masked_files import export_cell, workbook_bytes
from core.schemas import LocalDatetime
from core.types import Role
from crawlers.imports import push_orders
from nlp.service import analyze_post

router = APIRouter(prefix="/hotline", tags=["hotline"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class OrderIn(BaseModel):
    """One work order as the city platform sends it; fields beyond these are kept with the order."""

    model_config = ConfigDict(extra="allow")

    order_no: str = Field(min_length=1, max_length=100, description="工单编号")
    title: str = Field(default="", max_length=500, description="诉求标题")
    content: str = Field(min_length=1, max_length=100_000, description="诉求内容")
    received_at: datetime = Field(description="来电（受理）时间, ISO 8601 with offset")
    due: str | None = Field(
        default=None, max_length=100, description="处理时限: a time (2026-03-20 17:30), or 3个工作日, 2天, 24小时"
    )
    caller: str | None = Field(default=None, max_length=200, description="来电人 (shown to staff only)")

    @field_validator("received_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("received_at 必须带时区，如 2026-03-18T09:30:00+08:00")
        return value


class OrdersIn(BaseModel):
    """A push of work orders."""

    orders: list[OrderIn] = Field(min_length=1, max_length=1000)


class OrderCase(BaseModel):
    """The case a pushed order became."""

    order_no: str
    alert_id: int
    outcome: str  # created | known
    external_due: LocalDatetime | None = None


class OrdersOut(BaseModel):
    """What a push did."""

    cases: list[OrderCase]


def hotline_token(
    authorization: Annotated[str | None, Header()] = None,
    x_hotline_token: Annotated[str | None, Header()] = None,
) -> None:
    """The push's own token (MUQING_HOTLINE_TOKEN), never a user's session."""
    expected = get_settings().hotline_token
    if not expected:
        # Switched off by configuration, not out of order: the caller is told it is not there (no 5xx).
        raise NotFound("热线推送接口未开启（服务器未配置推送令牌 MUQING_HOTLINE_TOKEN）")
    given = x_hotline_token or (authorization or "").removeprefix("Bearer ").strip()
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise AuthenticationFailed("热线推送令牌无效")


@router.post("/orders", status_code=status.HTTP_201_CREATED)
def push(
    session: SessionDep,
    body: OrdersIn,
    x_hotline_token: Annotated[str | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> OrdersOut:
    """Store pushed work orders and open one case per order (a bad field → 422 naming it, nothing stored)."""
    hotline_token(authorization=authorization, x_hotline_token=x_hotline_token)
    orders: list[dict[str, Any]] = [order.model_dump() for order in body.orders]
    stored = push_orders(session, orders=orders)
    post_ids = [post_id for _, _, post_id in stored if post_id is not None]
    cases = {
        case.links[0].post_id: case
        for case in open_cases(session, post_ids=post_ids, analyse=analyze_post)
        if case.links
    }
    session.commit()
    out = []
    for order_no, outcome, post_id in stored:
        case = cases.get(post_id) if post_id is not None else None
        if case is not None:
            out.append(
                OrderCase(
                    order_no=order_no,
                    alert_id=case.id,
                    outcome="created" if outcome == "created" else "known",
                    external_due=case.external_due,
                )
            )
    return OrdersOut(cases=out)


@router.get(
    "/orders/export",
    dependencies=[require_roles(Role.admin, Role.duty, Role.leader)],
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}
    },
)
def export_answers(
    session: SessionDep,
    format: Annotated[Literal["csv", "xlsx"], Query()] = "csv",
    since: datetime | None = None,
) -> Response:
    """Every work order's case in the hotline's return format (回复单), for the city platform."""
    rows = answer_rows(session, since=since)
    if format == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.title = "工单回复"
        xlsx_append(sheet, RETURN_COLUMNS)
        for row in rows:
            xlsx_append(sheet, (row[column] for column in RETURN_COLUMNS))
        return Response(
            workbook_bytes(workbook),
            media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="12345-answers.xlsx"'},
        )
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(RETURN_COLUMNS))
    writer.writeheader()
    writer.writerows({key: export_cell(value) for key, value in row.items()} for row in rows)
    return Response(
        ("\ufeff" + text.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="12345-answers.csv"'},
    )
