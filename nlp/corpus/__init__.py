"""The labelled training corpus we wrote: hand-written seed/ and composed/ from our pools (see DATASHEET.md)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

SEED_DIR = Path(__file__).with_name("seed")
COMPOSED_DIR = Path(__file__).with_name("composed")


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text."""

    id: str
    title: str
    text: str
    category: str
    needs_response: bool
    severity: str
    sentiment: str
    style: str = ""

    @property
    def relevant(self) -> bool:
        """True when the text is the center's business."""
        return self.category != "other"

    @property
    def full_text(self) -> str:
        """Title and text joined as the models see them."""
        return f"{self.title}\n{self.text}" if self.title else self.text


def read_examples(paths: Iterable[Path]) -> Iterator[Example]:
    """Examples from JSON-lines files; a bad line raises ValueError naming file and line."""
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    yield Example(
                        id=str(row["id"]),
                        title=row.get("title") or "",
                        text=row["text"],
                        category=row["category"],
                        needs_response=bool(row["needs_response"]),
                        severity=row.get("severity") or "一般",
                        sentiment=row.get("sentiment") or "neutral",
                        style=row.get("style") or "",
                    )
                except (KeyError, TypeError, json.JSONDecodeError) as exc:
                    raise ValueError(f"{path}:{number}: bad example: {exc}") from exc


def seed_files() -> list[Path]:
    """The shipped training corpus: hand-written examples (seed/) and examples composed from our pools (composed/)."""
    return sorted([*SEED_DIR.glob("*.jsonl"), *COMPOSED_DIR.glob("*.jsonl")])


def corpus_hash(paths: Iterable[Path]) -> str:
    """SHA-256 over the corpus files, so a model records exactly what it learned from."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
