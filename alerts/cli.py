"""Alert commands: ``muqing sla explain``, ``sla years``, ``sla import-notice``, ``muqing roster now``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from core.cli import fail
from core.errors import MuqingError
from core.textfiles import decode_local_text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from alerts.sla.holidays import DayChange, NoticeImport

sla_app = typer.Typer(help="SLA policies and the working-day calendar.", no_args_is_help=True)
roster_app = typer.Typer(help="The duty roster.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the alert commands to the ``muqing`` command."""
    from alerts.stats_cli import register as register_stats

    app.add_typer(sla_app, name="sla")
    app.add_typer(roster_app, name="roster")
    register_stats(app)


@contextmanager
def _existing_database() -> Iterator[Session | None]:
    """A session on the configured database, or None when there is none yet (never creates one)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from core.config import get_settings
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
    from alerts.sla.calendar import LIMIT_LABELS, WEEKDAYS, Limit, format_local
    from alerts.sla.holidays import explain
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
        out: dict[str, object] = {k: isoformat_local(v) for k, v in due.items() if v is not None}
        out["provisional"] = bool(deadlines.provisional_years)
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    zone = local_zone()
    origin = "" if result.from_database else "（默认政策）"
    typer.echo(f"级别：{severity}　时限政策：{result.policy_name}{origin}　开始：{format_local(started, zone)}")
    for item in deadlines.explanations:
        mark = provisional_mark(item.provisional_years)
        typer.echo(f"{LIMIT_LABELS[item.name]}：{item.limit.describe()} → {format_local(item.due, zone)}{mark}")
        if item.held_to is not None and item.policy_due is not None:
            typer.echo(
                f"    按政策应为 {format_local(item.policy_due, zone)}，早于{LIMIT_LABELS[item.held_to]}时限；"
                f"后一环节不早于前一环节到期，取{LIMIT_LABELS[item.held_to]}时限"
            )
        for note in item.notes:
            typer.echo(f"    {note.day.isoformat()}（周{WEEKDAYS[note.day.weekday()]}）{note.reason}")
    if "response" not in result.limits:
        typer.echo("首次公开回应：本政策不设时限")
    if result.extended_close_due is not None:
        extension = result.limits["extension"]
        typer.echo(
            f"经批准延期（{Limit.parse(extension).describe()}）后办结：{format_local(result.extended_close_due, zone)}"
            f"{provisional_mark(result.extension_provisional_years)}"
        )
    if result.provisional:
        years = "、".join(f"{year}年" for year in result.provisional_years)
        typer.echo(
            f"注：{years}的官方放假安排尚未录入，标“暂定”的时限按法定节假日（不含调休）推算；"
            f"录入后（muqing sla import-notice）自动重新计算。"
        )


def provisional_mark(years: list[int]) -> str:
    """The text mark of a deadline that relied on a provisional year, e.g. ``［暂定：2027年未录入］``."""
    if not years:
        return ""
    return f"［暂定：{'、'.join(f'{year}年' for year in years)}官方安排未录入］"


@sla_app.command("years")
def sla_years(
    around: Annotated[int | None, typer.Option(help="show the years around this one (default: this year)")] = None,
) -> None:
    """Which years the working-day calendar covers, and where each comes from."""
    from alerts.sla.holidays import list_years
    from core.timeutil import local_zone, utcnow

    # Today is read when the command runs, not when the module is imported (a long-lived process).
    year = around if around is not None else utcnow().astimezone(local_zone()).year
    labels = {
        "admin": "管理员录入",
        "library": "节假日库",
        "missing": "未录入官方安排（按暂定日历：法定节假日，无调休）",
    }
    try:
        with _existing_database() as session:
            rows = list_years(session, around=year)
    except MuqingError as exc:
        raise fail(exc) from exc
    for row_year, source in rows:
        typer.echo(f"{row_year}\t{labels[source]}")


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise typer.BadParameter(f"无法读取文件 {path}：{exc.strerror}", param_hint="FILE") from exc
    text = decode_local_text(raw)  # a notice saved from a browser on Windows may be GB18030
    if text is not None:
        return text
    raise typer.BadParameter(f"{path} 不是 UTF-8 或 GB18030 编码的文本", param_hint="FILE")


def _print_changes(title: str, changes: list[DayChange], *, before: str, after: str) -> None:
    from alerts.sla.calendar import WEEKDAYS

    typer.echo(f"{title}（{len(changes)} 天）：" if changes else f"{title}：无")
    for change in changes:
        day = change.day
        old = f"{'上班' if change.before[0] else '休息'}（{change.before[1]}）"
        new = f"{'上班' if change.after[0] else '休息'}（{change.after[1]}）"
        typer.echo(f"  {day.isoformat()}（周{WEEKDAYS[day.weekday()]}）{before}{old} → {after}{new}")


def _show_preview(preview: NoticeImport) -> None:
    notice = preview.notice
    off = sum(not d.workday for d in notice.days)
    typer.echo(f"已读取：{notice.title}")
    typer.echo(f"{notice.year}年：放假 {off} 天，调休上班 {len(notice.days) - off} 天")
    _print_changes("与暂定日历不同的日子", preview.from_provisional, before="暂定", after="通知")
    if preview.from_current:
        heading = f"与现有 {notice.year} 年安排不同的日子"
        _print_changes(heading, preview.from_current, before="现有", after="通知")


@sla_app.command("import-notice")
def sla_import_notice(
    file: Annotated[
        Path, typer.Argument(help="the notice's text as published (国务院办公厅关于YYYY年部分节假日安排的通知)")
    ],
    replace: Annotated[
        bool, typer.Option("--replace", help="replace a year that is already entered or built in")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="read and compare only; save nothing")] = False,
) -> None:
    """Enter a year's official holiday arrangement from the State Council's notice; open cases are recomputed."""
    from alerts.sla.holidays import import_notice, preview_notice
    from core.db import session_scope
    from core.migrate import ensure_schema

    text = _read_text(file)
    try:
        if dry_run:  # compare only: a fresh data directory stays without a database
            with _existing_database() as existing:
                _show_preview(preview_notice(existing, text=text))
            typer.echo("（--dry-run：未保存）")
            return
        ensure_schema()
        with session_scope() as session:
            preview = preview_notice(session, text=text)
            notice = preview.notice
            off = sum(not d.workday for d in notice.days)
            typer.echo(f"已读取：{notice.title}")
            typer.echo(f"{notice.year}年：放假 {off} 天，调休上班 {len(notice.days) - off} 天")
            _print_changes("与暂定日历不同的日子", preview.from_provisional, before="暂定", after="通知")
            if preview.from_current:
                _print_changes(
                    f"与现有 {notice.year} 年安排不同的日子", preview.from_current, before="现有", after="通知"
                )
            if dry_run:
                typer.echo("（--dry-run：未保存）")
                return
            if preview.from_current and not replace:
                if not sys.stdin.isatty() or not typer.confirm(f"替换现有的 {notice.year} 年安排？"):
                    typer.secho(
                        f"错误：{notice.year} 年已有安排且与通知不同，未保存；确认替换请加 --replace",
                        fg=typer.colors.RED,
                        err=True,
                    )
                    raise typer.Exit(code=1)
                replace = True
            result = import_notice(session, text=text, user=None, replace=replace)
    except MuqingError as exc:
        raise fail(exc) from exc
    typer.echo(f"已保存 {notice.year} 年放假安排；重新计算了 {result.recomputed} 个未办结案件的时限")


@roster_app.command("now")
def roster_now() -> None:
    """Who is on duty now."""
    from alerts.roster.service import NO_ROSTER_TEXT, on_duty
    from core.db import session_scope
    from core.migrate import ensure_schema
    from core.timeutil import isoformat_local

    ensure_schema()
    with session_scope() as session:
        duty = on_duty(session)
        if duty.shift is None or duty.user is None:
            typer.echo(NO_ROSTER_TEXT)
            return
        backup = duty.backup.display_name if duty.backup else "无"
        typer.echo(
            f"值班：{duty.user.display_name}　备班：{backup}　"
            f"{isoformat_local(duty.shift.starts_at)} — {isoformat_local(duty.shift.ends_at)}"
        )
