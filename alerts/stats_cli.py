"""``muqing stats recount``: the timeliness figures of a period rebuilt from the audit log alone."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Annotated

import typer

from core.cli import setup_logging

stats_app = typer.Typer(help="Timeliness figures for leadership.", no_args_is_help=True)

COLUMNS = (
    ("预警数", "alerts"),
    ("已签收", "acked"),
    ("按时签收", "ack_on_time"),
    ("已回应", "responded"),
    ("按时回应", "response_on_time"),
    ("已办结", "closed"),
    ("按时办结", "close_on_time"),
    ("超期未办", "overdue"),
    ("无需回应", "dismissed"),
)


def register(app: typer.Typer) -> None:
    """Add the statistics commands to the ``muqing`` command."""
    app.add_typer(stats_app, name="stats")


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{name} 应为日期，例如 2025-10-01", param_hint=f"--{name}") from exc


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


@stats_app.command("recount")
def recount_command(
    start: Annotated[str, typer.Option(help="first day of the period, YYYY-MM-DD (local time)")],
    end: Annotated[str, typer.Option(help="last day of the period, YYYY-MM-DD, included")],
    as_json: Annotated[bool, typer.Option("--json", help="print the figures as JSON")] = False,
) -> None:
    """Rebuild the timeliness figures of cases opened from START to END (both days included) from the audit log."""
    from alerts.cases.recount import figures_json, recount
    from core.db import session_scope
    from core.migrate import ensure_schema
    from core.timeutil import local_zone

    first, last = _day(start, "start"), _day(end, "end")
    if last < first:
        raise typer.BadParameter("结束日期早于开始日期", param_hint="--end")
    setup_logging()
    ensure_schema()
    begin = datetime.combine(first, time(0), tzinfo=local_zone())
    stop = datetime.combine(last + timedelta(days=1), time(0), tzinfo=local_zone())
    with session_scope() as session:
        result = recount(session, start=begin, end=stop)
    if as_json:
        body = {
            "start": first.isoformat(),
            "end": last.isoformat(),
            "source": "audit_log",
            "cases": result.cases,
            "without_opening": result.skipped,
            "sections": [
                {"section_id": section_id, "section": name, **figures_json(figures)}
                for section_id, name, figures in result.rows
            ],
            "total": figures_json(result.total),
        }
        typer.echo(json.dumps(body, ensure_ascii=False))
        return
    typer.echo(f"{first} 至 {last}（按审计日志重算，{result.cases} 件）")
    typer.echo("\t".join(["科室", *(label for label, _ in COLUMNS), "按时签收率", "按时回应率", "按时办结率"]))
    for _, name, figures in [*result.rows, (None, "合计", result.total)]:
        counts = [str(getattr(figures, attribute)) for _, attribute in COLUMNS]
        rates = [
            _rate(figures.ack_on_time_rate),
            _rate(figures.response_on_time_rate),
            _rate(figures.close_on_time_rate),
        ]
        typer.echo("\t".join([name, *counts, *rates]))
