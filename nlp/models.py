"""NLP tables: staff corrections of analyses (feedback), which become labelled examples for retraining."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Analysis, Base, Post, User
from core.timeutil import utcnow


class Feedback(Base):
    """A staff correction of what the classifier said about a post (or a post it missed).

    ``kind`` is one of: ``wrong_category`` (the category is corrected), ``not_relevant`` (not the
    center's business), ``should_not_alert`` (our business but no response was needed), ``missed``
    (a post the classifier let through that needed a response). The title and text are kept as they
    were, so the example stays usable when the post is gone.
    """

    __tablename__ = "nlp_feedback"
    __table_args__ = (Index("ix_nlp_feedback_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"), index=True)
    analysis_id: Mapped[int | None] = mapped_column(ForeignKey("analysis.id", ondelete="SET NULL"))
    model_version: Mapped[str | None] = mapped_column(String(80))
    predicted_category: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(40))
    needs_response: Mapped[bool] = mapped_column(Boolean)
    severity: Mapped[str] = mapped_column(String(20), default="一般")
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_in_version: Mapped[str | None] = mapped_column(String(80))

    post: Mapped[Post | None] = relationship()
    analysis: Mapped[Analysis | None] = relationship()
    created_by: Mapped[User | None] = relationship()
