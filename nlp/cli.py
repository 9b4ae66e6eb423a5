"""Model commands: ``muqing classify``, ``muqing train``, ``muqing eval``, ``muqing models``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from core.cli import setup_logging
from nlp.lines import post_row

models_app = typer.Typer(help="Classifier versions: list, activate, retrain.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the model commands to the ``muqing`` command."""
    app.command()(classify)
    app.command()(train)
    app.command(name="eval")(evaluate_command)
    app.add_typer(models_app, name="models")


def _read_post(raw: bytes) -> dict[str, Any]:
    row, title, text = post_row(raw.decode("utf-8").lstrip("\ufeff"))
    try:
        json.dumps(row.get("id"), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError('"id" holds a lone surrogate (half of an emoji?)') from None
    return {"id": row.get("id"), "title": title, "text": text}


def classify(
    input_file: Annotated[Path | None, typer.Option("--input", "-i", help="JSON lines file; default stdin")] = None,
) -> None:
    """Classify JSON lines {"id","title","text"}; print one JSON line of analysis per good input line.

    A line that cannot be read is reported on stderr with its line number; the other lines go on.
    """
    from nlp.analyze import analyze

    source: IO[bytes] = input_file.open("rb") if input_file else sys.stdin.buffer
    out = sys.stdout.buffer
    failures = 0
    try:
        for number, raw in enumerate(source, start=1):
            if not raw.strip():
                continue
            try:
                post = _read_post(raw)
            except (ValueError, UnicodeDecodeError) as exc:
                failures += 1
                sys.stderr.write(f"line {number}: {exc}\n")
                sys.stderr.flush()
                continue
            result = analyze(title=post["title"], text=post["text"])
            out.write((json.dumps({"id": post["id"], **result.as_dict()}, ensure_ascii=False) + "\n").encode("utf-8"))
    finally:
        out.flush()
        if input_file:
            source.close()
    if failures:
        sys.stderr.write(f"{failures} line(s) could not be read\n")


def train(
    feedback: Annotated[bool, typer.Option(help="include staff corrections from the database")] = True,
    force_activate: Annotated[
        bool, typer.Option("--force-activate", help="activate even if worse than the active model")
    ] = False,
) -> None:
    """Train a model on the seed corpus (and staff corrections); activate it unless it is worse than the active one."""
    from nlp.registry import active_version, compare_and_activate, read_meta, train_from_corpus

    setup_logging()
    extra = _feedback_examples() if feedback else []
    info = train_from_corpus(extra=extra, activate=False, note="muqing train")
    if active_version() is None or force_activate:
        from nlp.registry import activate_version

        activate_version(info.version)
        typer.echo(f"trained and activated model {info.version} on {info.meta['examples']} examples")
    else:
        comparison = compare_and_activate(info)
        state = "activated" if comparison["activated"] else "kept the active model"
        typer.echo(
            f"trained model {info.version} on {info.meta['examples']} examples"
            f" ({info.meta['feedback_examples']} from staff feedback); {state} ({comparison['active']} was active)"
        )
        typer.echo(comparison["reason"])
    from nlp.card import format_card

    typer.echo(format_card(read_meta(info.version)))


def _feedback_examples() -> list[Any]:
    from sqlalchemy.exc import SQLAlchemyError

    from core.db import session_scope
    from core.migrate import ensure_schema
    from nlp.service import feedback_examples

    try:
        ensure_schema()
        with session_scope() as session:
            return feedback_examples(session)
    except SQLAlchemyError as exc:
        typer.echo(f"staff feedback not read (database unavailable: {exc.__class__.__name__})", err=True)
        return []


def evaluate_command(
    data: Annotated[
        Path | None, typer.Option("--data", help='JSON lines {"id","title","text","category"} to evaluate on')
    ] = None,
    version: Annotated[str | None, typer.Option(help="model version (default: the active one)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the figures as JSON")] = False,
) -> None:
    """Print the model card (training data by class, check-set figures, date); with --data, evaluate that file too."""
    from core.errors import NotFound
    from nlp.card import format_card, model_card
    from nlp.evaluation import evaluate, format_report, read_labelled
    from nlp.registry import get_model, load_version, read_meta

    posts = None
    if data is not None:
        try:
            posts = read_labelled(data)
        except (OSError, ValueError) as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from exc
    try:
        model = load_version(version) if version else None
    except NotFound as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(2) from exc
    if model is None:
        version, model = get_model()
    assert version is not None
    card = model_card(read_meta(version))
    figures = evaluate(posts, model.predict) if posts is not None else None
    if as_json:
        typer.echo(json.dumps({"version": version, **(figures or {}), "card": card}, ensure_ascii=False, indent=2))
        return
    typer.echo(format_card(read_meta(version)))
    if figures is not None:
        typer.echo("")
        typer.echo(f"figures on {data}:")
        typer.echo(format_report(figures))


@models_app.command("list")
def models_list() -> None:
    """List stored model versions, the active one marked with *."""
    from nlp.registry import active_version, list_versions

    active = active_version()
    for info in list_versions():
        check = (info.meta.get("card") or {}).get("check") or {}
        figures = (
            f"check F1 {check['f1']:.3f} category {check['category_accuracy']:.3f} traps {check['traps']['flagged']}"
            if check
            else "no check-set figures"
        )
        typer.echo(f"{'*' if info.version == active else ' '} {info.version}  {figures}  {info.meta.get('note', '')}")


@models_app.command("activate")
def models_activate(version: str) -> None:
    """Make VERSION the active model (every process switches on its next analysis)."""
    from core.errors import MuqingError
    from nlp.registry import activate_version

    try:
        activate_version(version)
    except MuqingError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"model {version} is active")


@models_app.command("retrain")
def models_retrain(force: Annotated[bool, typer.Option(help="retrain even without new corrections")] = False) -> None:
    """Retrain from staff corrections now; activate only if not worse than the active model."""
    from core.migrate import ensure_schema
    from nlp.flows import retrain

    setup_logging()
    ensure_schema()
    typer.echo(json.dumps(retrain(force=force), ensure_ascii=False, indent=2))
