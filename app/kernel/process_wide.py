"""One instance per process, made on first use: the model registry, a worker's engine."""

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def process_wide(make: Callable[[], T]) -> Callable[[], T]:
    """A getter that calls `make()` once per process, on the first call from any thread, and returns that object."""
    lock = threading.Lock()
    made: list[T] = []

    def get() -> T:
        with lock:
            if not made:
                made.append(make())
            return made[0]

    return get
