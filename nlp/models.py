"""NLP tables: staff corrections of analyses (feedback), which become labelled examples for retraining, and the
posts the model was least sure about (the labelling queue)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, Text, UniqueConstraint
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


class Uncertain(Base):
    """A post the model was least sure about (待标注候选): its calibrated probabilities when it was analysed.

    ``uncertainty`` is 1 when P(relevant) sits on the threshold or the two likeliest categories are tied,
    0 when the model is sure. The labelling queue shows the most uncertain posts of each day that nobody
    has labelled yet; a label becomes a staff correction (``Feedback``) for the next retraining.
    """

    __tablename__ = "nlp_uncertain"
    __table_args__ = (
        UniqueConstraint("post_id", "model_version"),
        Index("ix_nlp_uncertain_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    analysis_id: Mapped[int | None] = mapped_column(ForeignKey("analysis.id", ondelete="CASCADE"))
    model_version: Mapped[str] = mapped_column(String(80))
    p_relevant: Mapped[float] = mapped_column(Float)
    category: Mapped[str] = mapped_column(String(40))
    p_category: Mapped[float] = mapped_column(Float)
    runner_up: Mapped[str | None] = mapped_column(String(40))
    uncertainty: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    post: Mapped[Post] = relationship()
