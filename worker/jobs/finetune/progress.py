"""Per-step progress of a training run, sent by a thread of its own so a training step never waits on I/O.

Publishing the `progress` event (Redis) and writing the job row (database) are round trips that took
10–30 ms each on a loaded host, against 50–150 ms steps of a small model: done inline they were most of
the job system's per-step overhead (see BENCHMARKS.md, fine-tuning).
"""

import queue
import threading
import time
from typing import Any

from sqlalchemy import update

from app.kernel.contracts import EventType
from app.kernel.events import EventPublisher
from app.kernel.models import FinetuneJob
from worker.runtime import db_sessions

DB_WRITE_INTERVAL_SECONDS = 2.0


class ProgressRecorder:
    """The trainer's `on_progress`: every step's `progress` event is published, in order, by a sender thread,
    which also stores progress + loss history at most every `interval` seconds (live viewers get each step
    from the event stream and its replay; the row is for reloads after the replay expired).

    `close()` sends what is queued and stops the thread; call it before publishing the job's final event.
    A failed send is raised from the next call, so a lost Redis still fails the job.
    """

    def __init__(self, job_id: int, events: EventPublisher, interval: float = DB_WRITE_INTERVAL_SECONDS):
        self._job_id = job_id
        self._events = events
        self._interval = interval
        self._pending: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()
        self._failure: Exception | None = None
        self._sender = threading.Thread(target=self._send_all, name=f"progress-{job_id}", daemon=True)
        self._sender.start()
        self.latest: dict[str, Any] = {}
        self.history: list[dict[str, Any]] = []

    def __call__(self, progress: dict[str, Any]) -> None:
        if self._failure is not None:
            raise self._failure
        self.latest = progress
        self.history.append({key: progress[key] for key in ("step", "epoch", "loss", "learning_rate")})
        self._pending.put(progress)

    def close(self) -> None:
        if self._sender.is_alive():
            self._pending.put(None)
            self._sender.join()

    def _send_all(self) -> None:
        last_write = 0.0
        while (progress := self._pending.get()) is not None:
            if self._failure is not None:
                continue  # drain without sending; the trainer raises the failure
            try:
                self._events.publish(EventType.PROGRESS, progress)
                if time.monotonic() - last_write >= self._interval:
                    last_write = time.monotonic()
                    self._write()
            except Exception as exc:  # noqa: BLE001 - handed to the training thread
                self._failure = exc

    def _write(self) -> None:
        with db_sessions()() as session:
            session.execute(
                update(FinetuneJob)
                .where(FinetuneJob.id == self._job_id)
                .values(progress=self.latest, loss_history=list(self.history))
            )
            session.commit()
