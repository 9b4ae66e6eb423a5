"""``muqing audit verify``: walk the audit hash chain; exit 1 naming the first entry changed, removed or unsealed."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from core.cli import setup_logging

audit_app = typer.Typer(help="The audit log (审计日志): append-only, sealed into a hash chain.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the audit commands to the ``muqing`` command."""
    app.add_typer(audit_app, name="audit")


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "…"


@audit_app.command("verify")
def verify(
    head: Annotated[
        str | None, typer.Option(help="a head printed earlier, SEQ:HASH, that must still be in the chain")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Check every audit entry against its seal; exit 1 naming the first broken one and what differs."""
    from core.audit_chain import AuditLink, verify
    from core.db import session_scope
    from core.migrate import ensure_schema

    setup_logging()
    ensure_schema()
    with session_scope() as session:
        report = verify(session.connection())
        if report.ok and head:
            seq, _, digest = head.partition(":")
            link = session.get(AuditLink, int(seq)) if seq.isdigit() else None
            if link is None or link.entry_hash != digest.strip():
                report.problem = f"记录的链头 {head} 不在链中（较新的审计记录可能连同链记录一起被删除）"
    if as_json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False))
        if not report.ok:
            raise typer.Exit(code=1)
        return
    if not report.ok:
        where = f"第 {report.broken_seq} 条" if report.broken_seq else "链"
        typer.echo(f"审计日志校验失败：{where}：{report.problem}", err=True)
        for change in report.changes:
            typer.echo(f"  {change.field}：封存时 {_shown(change.sealed)}，现在 {_shown(change.now)}", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"审计日志完好：{report.entries} 条记录，链头 {report.head_seq}:{report.head_hash}")
