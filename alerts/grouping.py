"""Grouping repeat complaints: a new post on the same matter as an open alert joins it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from alerts.models import Alert
from core.models import Analysis, Post


@dataclass(frozen=True, slots=True)
class GroupMatch:
    """The open alert a post belongs with, how sure we are and why."""

    alert: Alert
    score: float
    reasons: list[str]


def find_group(session: Session, *, post: Post, analysis: Analysis) -> GroupMatch | None:
    """The open alert on the same matter as ``post`` (none yet: grouping lands with the similarity score)."""
    return None


def join_group(session: Session, *, match: GroupMatch, post: Post, analysis: Analysis) -> Alert:
    """Add ``post`` to the matched alert."""
    raise NotImplementedError
