"""Database snapshots: the rows a fixture's setup wrote, put back into an emptied database in one go.

Seeding the default organisation through the services costs ~0.3 s and runs before ~570 tests; copying
the rows it wrote (and the id sequences it moved) back costs a few milliseconds and leaves the same data,
ids included. The first test of the session on each backend still seeds through the services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, select, text


@dataclass(frozen=True)
class Snapshot:
    """Every non-empty table's rows, parents first, and where each id sequence stood (PostgreSQL)."""

    rows: list[tuple[Table, list[dict[str, Any]]]] = field(default_factory=list)
    sequences: list[tuple[str, int | None]] = field(default_factory=list)


def take(url: str) -> Snapshot:
    """The current content of the database at ``url`` (every mapped table)."""
    from core.db import get_engine
    from core.models import Base

    engine = get_engine(url)
    snapshot = Snapshot()
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows = [dict(row) for row in connection.execute(select(table).order_by(*order)).mappings()]
            if rows:
                snapshot.rows.append((table, rows))
        if engine.dialect.name == "postgresql":
            found = connection.execute(
                text(
                    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema()"
                    " ORDER BY sequencename"
                )
            )
            snapshot.sequences.extend((str(name), value) for name, value in found)
    return snapshot


def restore(url: str, snapshot: Snapshot) -> None:
    """Write ``snapshot`` into the (emptied) database at ``url``; sequences continue where they stood."""
    from core.db import get_engine

    engine = get_engine(url)
    with engine.begin() as connection:
        for table, rows in snapshot.rows:
            connection.execute(table.insert(), rows)
        if snapshot.sequences:
            # One statement for every sequence: a sequence never used starts at 1 again, a used one goes on
            # after the value it had reached.
            calls = ", ".join(f"setval(CAST(:n{i} AS regclass), :v{i}, :c{i})" for i in range(len(snapshot.sequences)))
            values: dict[str, Any] = {}
            for i, (name, value) in enumerate(snapshot.sequences):
                values |= {f"n{i}": f'"{name}"', f"v{i}": value or 1, f"c{i}": value is not None}
            connection.execute(text(f"SELECT {calls}"), values)
