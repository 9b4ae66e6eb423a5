"""Looking into the embedded file queue from tests (jobs sent and not consumed, under ``queued_jobs``)."""

from __future__ import annotations


def queued_messages(topic: str) -> int:
    """Jobs of ``topic`` waiting in the embedded file queue."""
    from core.config import get_settings

    folder = get_settings().resolved_data_dir / "queue"
    return sum(f'"task": "{topic}"' in path.read_text() for path in folder.glob("*.msg"))
