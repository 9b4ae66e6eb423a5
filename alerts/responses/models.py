"""What the checks found in a response, where its draft came from, and the head's reason to publish anyway."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from alerts.cases.models import Response
from alerts.statements.models import Statement
from core.models import Base, User
from core.timeutil import utcnow


class ResponseReview(Base):
    """The checks of one response (as submitted), its draft's source, and any override at sign-off."""

    __tablename__ = "response_review"

    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    findings: Mapped[list[Any]] = mapped_column(default=list)
    finding_count: Mapped[int] = mapped_column(Integer, default=0)
    # {"statement_id", "topic", "similar_alert_id", "kept"}: what the form offered and how much of it stayed.
    draft: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Set when the approved wording (口径) is in the published text.
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("statement.id", ondelete="SET NULL"), index=True)
    override_note: Mapped[str] = mapped_column(Text, default="")
    overridden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    overridden_at: Mapped[datetime | None]

    # The review is read beside its response on the case page and in the API (``response.review``).
    response: Mapped[Response] = relationship(backref=backref("review", uselist=False, passive_deletes=True))
    statement: Mapped[Statement | None] = relationship()
    overridden_by: Mapped[User | None] = relationship()

    @property
    def overridden_by_name(self) -> str | None:
        """Who published the response despite its findings."""
        return self.overridden_by.display_name if self.overridden_by else None
