"""Ratings and corrections of assistant answers, and the training datasets curated from them."""

from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.kernel.models.base import Base, OwnedMixin, TimestampMixin

RATINGS = ("up", "down")
SAMPLE_KINDS = ("sft", "preference")
SAMPLE_ORIGINS = ("corrected", "approved", "sibling")


class MessageFeedback(TimestampMixin, Base):
    """One rating per assistant message, with a snapshot of what produced the answer.

    The snapshot (prompt, answer, model, adapter, knowledge bases) is taken when the rating is given, so a
    curated dataset stays right even after the conversation is edited or regenerated.
    """

    __tablename__ = "message_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int | None] = mapped_column()  # the answer's parent: siblings share it
    rating: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str | None] = mapped_column(Text)
    corrected_answer: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(String(200), index=True)
    adapter: Mapped[str | None] = mapped_column(String(100))
    knowledge_base_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    prompt: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text, default="")


class FeedbackDataset(OwnedMixin, Base):
    """A reviewable set of training samples built from feedback (the owner's, or everyone's for an admin)."""

    __tablename__ = "feedback_datasets"

    name: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(8))  # "mine" | "all"
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    skipped: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class FeedbackSample(TimestampMixin, Base):
    """One training pair (`sft`: prompt → chosen) or preference pair (`preference`: chosen over rejected)."""

    __tablename__ = "feedback_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("feedback_datasets.id", ondelete="CASCADE"), index=True)
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("message_feedback.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    origin: Mapped[str] = mapped_column(String(16))
    prompt: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    chosen: Mapped[str] = mapped_column(Text)
    rejected: Mapped[str | None] = mapped_column(Text)
    held_out: Mapped[bool] = mapped_column(Boolean, default=False)
