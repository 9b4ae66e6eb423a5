"""Model commands: ``muqing classify``, ``muqing train``."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from core.cli import setup_logging


def register(app: typer.Typer) -> None:
    """Add the model commands to the ``muqing`` command."""
    app.command()(classify)
    app.command()(train)


def classify(
    input_file: Annotated[typer.FileText, typer.Option("--input", "-i", help="JSON lines; default stdin")] = sys.stdin,  # type: ignore[assignment]
) -> None:
    """Classify JSON lines {"id","title","text"} from stdin; print one JSON line of analysis per input line."""
    from nlp.analyze import analyze

    failures = 0
    for number, line in enumerate(input_file, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("expected a JSON object")
            text = row.get("text")
            title = row.get("title") or ""
            if not isinstance(text, str) or not isinstance(title, str):
                raise ValueError('"text" (and "title" if given) must be strings')
        except ValueError as exc:
            failures += 1
            typer.echo(f"line {number}: {exc}", err=True)
            continue
        result = analyze(title=title, text=text)
        out = {"id": row.get("id"), **result.as_dict()}
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    if failures:
        typer.echo(f"{failures} line(s) could not be read", err=True)


def train() -> None:
    """Train a model on the seed corpus and make it active."""
    from nlp.registry import train_from_corpus

    setup_logging()
    info = train_from_corpus()
    typer.echo(f"trained and activated model {info.version} on {info.meta['examples']} examples")
