"""Per-kind task time limits. The soft limit raises `TaskTimeLimitExceeded` ("took longer than N s") inside the
task, so the job's own error handling records a failed status with that message; it works in every pool
(threads, solo, prefork), which Celery's signal-based soft limit does not. The hard limit (soft + grace) is
Celery's `time_limit`: it kills a prefork pool process that ignored the soft one.

The soft limit is delivered between Python bytecodes (PyThreadState_SetAsyncExc): code blocked in C for long
must wake up now and then (the sandbox polls its child's pipe in short slices for this reason).
"""

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from celery.exceptions import SoftTimeLimitExceeded

from app.kernel import contracts
from app.kernel.settings import get_settings

Kind = Literal["generation", "indexing", "training", "system"]
KIND_OF_TASK: dict[str, Kind] = {
    contracts.TASK_HEALTH: "system",
    contracts.TASK_PULL_MODEL: "system",
    contracts.TASK_GENERATE: "generation",
    contracts.TASK_COMPLETION: "generation",
    contracts.TASK_EMBED: "indexing",
    contracts.TASK_SEARCH: "indexing",
    contracts.TASK_INDEX_DOCUMENT: "indexing",
    contracts.TASK_DELETE_DOCUMENT: "indexing",
    contracts.TASK_FINETUNE: "training",
    contracts.TASK_MERGE_ADAPTER: "training",
}


class TaskTimeLimitExceeded(SoftTimeLimitExceeded):
    """The task ran past its soft limit; `str()` says so in words."""

    message = "took longer than its time limit"

    def __init__(self, *args: object):
        super().__init__(*(args or (self.message,)))

    def __str__(self) -> str:  # billiard's SoftTimeLimitExceeded prints its args tuple
        return str(self.args[0])


def soft_limit_seconds(task_name: str) -> float:
    """The soft limit of a task, read at each call (settings: TASK_TIME_LIMIT_<KIND>_SECONDS)."""
    return float(getattr(get_settings(), f"task_time_limit_{KIND_OF_TASK[task_name]}_seconds"))


def hard_limit_seconds(task_name: str) -> float:
    return soft_limit_seconds(task_name) + get_settings().task_time_limit_grace_seconds


@contextmanager
def soft_time_limit(seconds: float) -> Iterator[None]:
    """Raise TaskTimeLimitExceeded in the calling thread once `seconds` have passed inside the block."""
    thread_id = threading.get_ident()
    error = type("TaskTimeLimitExceeded", (TaskTimeLimitExceeded,), {"message": f"took longer than {seconds:g} s"})
    lock = threading.Lock()
    inside = True

    def expire() -> None:
        with lock:
            if inside:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(error))

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            inside = False
        timer.cancel()
