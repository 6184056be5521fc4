from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.kernel.models.base import Base, OwnedMixin, UtcDateTime, status_check


class JobStatus(StrEnum):
    """A fine-tune job's status; transitions live in app/kernel/states/finetune_job.py."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Dataset(OwnedMixin, Base):
    __tablename__ = "datasets"

    name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    format: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer)
    eval_fraction: Mapped[float] = mapped_column(default=0.0)
    token_stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    preview: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class FinetuneJob(OwnedMixin, Base):
    __tablename__ = "finetune_jobs"
    __table_args__ = (CheckConstraint(status_check(JobStatus), name="status"),)

    # SET NULL, not CASCADE: deleting a dataset keeps the history and metrics of the jobs trained on it
    # (their adapters stay in use); the API refuses the deletion while a job using it is queued or running.
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("datasets.id", ondelete="SET NULL"), index=True)
    # A dataset the worker scores the base model and the adapter on after training (exact / contains match).
    eval_dataset_id: Mapped[int | None] = mapped_column(ForeignKey("datasets.id", ondelete="SET NULL"))
    base_model: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(16))
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED)
    error: Mapped[str | None] = mapped_column(Text)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    loss_history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    adapter_name: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    dataset: Mapped[Dataset | None] = relationship(lazy="joined", foreign_keys=[dataset_id])

    @property
    def dataset_name(self) -> str | None:
        """The dataset's file name; None once the dataset was deleted."""
        return self.dataset.name if self.dataset is not None else None
