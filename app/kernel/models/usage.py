from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.kernel.models.base import Base, UtcDateTime, utcnow


class TokenUsage(Base):
    """Tokens a user consumed per day, for quotas (written by the generation worker)."""

    __tablename__ = "token_usage"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_token_usage_user_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)


class ModelEntry(Base):
    """Admin-added model registry entries (the checked-in catalogue lives in app/kernel/registry/catalog.yaml)."""

    __tablename__ = "model_entries"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
