"""Per-step progress of a training run: an event every step, DB writes throttled."""

import time
from typing import Any

from sqlalchemy import update

from app.contracts import EventType
from app.events import EventPublisher
from app.models import FinetuneJob
from worker.runtime import db_sessions

DB_WRITE_INTERVAL_SECONDS = 0.5


class ProgressRecorder:
    """The trainer's `on_progress`: publishes `progress` each step and stores progress + loss history at
    most every DB_WRITE_INTERVAL_SECONDS, so fast steps don't turn into a write storm."""

    def __init__(self, job_id: int, events: EventPublisher, interval: float = DB_WRITE_INTERVAL_SECONDS):
        self._job_id = job_id
        self._events = events
        self._interval = interval
        self._last_write = 0.0
        self.latest: dict[str, Any] = {}
        self.history: list[dict[str, Any]] = []

    def __call__(self, progress: dict[str, Any]) -> None:
        self.latest = progress
        self.history.append({key: progress[key] for key in ("step", "epoch", "loss", "learning_rate")})
        self._events.publish(EventType.PROGRESS, progress)
        if time.monotonic() - self._last_write >= self._interval:
            self.flush()

    def flush(self) -> None:
        self._last_write = time.monotonic()
        with db_sessions()() as session:
            session.execute(
                update(FinetuneJob)
                .where(FinetuneJob.id == self._job_id)
                .values(progress=self.latest, loss_history=list(self.history))
            )
            session.commit()
