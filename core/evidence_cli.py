"""``muqing evidence verify | seal``: check the evidence hash chain, seal records written before it existed."""

from __future__ import annotations

from typing import Annotated

import typer

from core.cli import setup_logging

evidence_app = typer.Typer(
    help="Evidence (存证): the hash chain over every stored page and screenshot.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add the evidence commands to the ``muqing`` command."""
    app.add_typer(evidence_app, name="evidence")


@evidence_app.command("verify")
def verify(
    quick: Annotated[
        bool, typer.Option("--quick", help="check the records only, not every stored page's bytes")
    ] = False,
    head: Annotated[
        str | None, typer.Option(help="a head recorded earlier, SEQ:HASH, that must still be in the chain")
    ] = None,
) -> None:
    """Walk the chain; exit 1 naming the first broken record (changed, deleted or unsealed)."""
    from core.db import session_scope
    from core.evidence_chain import EvidenceLink, verify_chain
    from core.migrate import ensure_schema

    setup_logging()
    ensure_schema()
    with session_scope() as session:
        report = verify_chain(session, check_bytes=not quick)
        problem = report.problem
        if problem is None and head:
            seq, _, digest = head.partition(":")
            link = session.get(EvidenceLink, int(seq)) if seq.isdigit() else None
            if link is None or link.record_hash != digest.strip():
                problem = f"记录的链头 {head} 不在链中（较新的存证可能连同链记录一起被删除）"
    if problem is not None:
        where = f"第 {report.broken_seq} 条链记录" if report.broken_seq else "链"
        typer.echo(f"存证链校验失败：{where}：{problem}", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"存证链完好：{report.records} 条记录，链头 {report.head_seq}:{report.head_hash}")


@evidence_app.command("seal")
def seal() -> None:
    """Seal every snapshot without a chain record (e.g. written before the chain existed)."""
    from core.db import session_scope
    from core.evidence_chain import seal_all
    from core.migrate import ensure_schema

    setup_logging()
    ensure_schema()
    with session_scope() as session:
        sealed = seal_all(session)
    typer.echo(f"已为 {sealed} 条存证补上链记录")
