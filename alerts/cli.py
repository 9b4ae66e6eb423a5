"""Alert commands: ``muqing sla explain``, ``muqing sla years``, ``muqing roster now``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core.cli import fail
from core.config import get_settings
from core.errors import MuqingError

sla_app = typer.Typer(help="SLA policies and the working-day calendar.", no_args_is_help=True)
roster_app = typer.Typer(help="The duty roster.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the alert commands to the ``muqing`` command."""
    app.add_typer(sla_app, name="sla")
    app.add_typer(roster_app, name="roster")


@contextmanager
def _existing_database() -> Iterator[Session | None]:
    """A session on the configured database, or None when there is none yet (never creates one)."""
    from sqlalchemy import text

    from core.db import session_scope

    url = make_url(get_settings().sqlalchemy_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        yield None
        return
    with session_scope() as session:
        try:
            session.execute(text("SELECT 1"))
        except Exception as exc:  # an unreachable database: work from the defaults instead
            typer.secho(f"（数据库不可用，使用默认设置：{type(exc).__name__}）", err=True)
            session.rollback()
            yield None
            return
        yield session


def _parse_start(value: str) -> datetime:
    from core.timeutil import local_zone

    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter("应为 ISO 8601 时间，例如 2025-09-30T16:00+08:00") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=local_zone())


@sla_app.command("explain")
def sla_explain(
    severity: Annotated[str, typer.Option(help="一般, 较大, 重大 or 依申请公开")],
    start: Annotated[str, typer.Option(help="when the case was opened, ISO 8601, e.g. 2025-09-30T16:00+08:00")],
    category: Annotated[str | None, typer.Option(help="category code, for a category-specific policy")] = None,
    source_kind: Annotated[str | None, typer.Option(help="source kind, for a source-specific policy")] = None,
    as_json: Annotated[bool, typer.Option("--json", help='print {"ack_due", "response_due", "close_due"}')] = False,
) -> None:
    """Print each deadline of a severity's policy from START, with the days it skipped and why."""
    from alerts.holidays import explain
    from alerts.sla import LIMIT_LABELS, WEEKDAYS, Limit, format_local
    from core.timeutil import isoformat_local, local_zone

    started = _parse_start(start)
    try:
        with _existing_database() as session:
            result = explain(
                severity=severity, start=started, category=category, source_kind=source_kind, session=session
            )
    except MuqingError as exc:
        raise fail(exc) from exc
    deadlines = result.deadlines
    if as_json:
        due = {"ack_due": deadlines.ack_due, "response_due": deadlines.response_due, "close_due": deadlines.close_due}
        typer.echo(json.dumps({k: isoformat_local(v) for k, v in due.items() if v is not None}, ensure_ascii=False))
        return
    zone = local_zone()
    origin = "" if result.from_database else "（默认政策）"
    typer.echo(f"级别：{severity}　时限政策：{result.policy_name}{origin}　开始：{format_local(started, zone)}")
    for item in deadlines.explanations:
        typer.echo(f"{LIMIT_LABELS[item.name]}：{item.limit.describe()} → {format_local(item.due, zone)}")
        for note in item.notes:
            typer.echo(f"    {note.day.isoformat()}（周{WEEKDAYS[note.day.weekday()]}）{note.reason}")
    if "response" not in result.limits:
        typer.echo("首次公开回应：本政策不设时限")
    if result.extended_close_due is not None:
        extension = result.limits["extension"]
        typer.echo(
            f"经批准延期（{Limit.parse(extension).describe()}）后办结：{format_local(result.extended_close_due, zone)}"
        )


@sla_app.command("years")
def sla_years(around: Annotated[int, typer.Option(help="show the years around this one")] = date.today().year) -> None:
    """Which years the working-day calendar covers, and where each comes from."""
    from alerts.holidays import library_covers, list_years

    labels = {"admin": "管理员录入", "library": "节假日库", "missing": "未覆盖（需管理员录入）"}
    with _existing_database() as session:
        if session is None:
            rows = [(y, "library" if library_covers(y) else "missing") for y in range(around - 2, around + 3)]
        else:
            rows = list_years(session, around=around)
    for year, source in rows:
        typer.echo(f"{year}\t{labels[source]}")


@roster_app.command("now")
def roster_now() -> None:
    """Who is on duty now."""
    from alerts.roster.service import on_duty
    from core.migrate import ensure_schema
    from core.timeutil import isoformat_local

    ensure_schema()
    from core.db import session_scope

    with session_scope() as session:
        duty = on_duty(session)
        if duty.shift is None or duty.user is None:
            typer.echo("当前没有排班")
            return
        backup = duty.backup.display_name if duty.backup else "无"
        typer.echo(
            f"值班：{duty.user.display_name}　备班：{backup}　"
            f"{isoformat_local(duty.shift.starts_at)} — {isoformat_local(duty.shift.ends_at)}"
        )
