"""Models in memory: load once per process, evict least recently used idle models past the memory budget."""

import ctypes
import gc
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import torch

from app.kernel.registry.errors import ModelUnloadedError
from worker.engine.batcher import BatchScheduler
from worker.engine.loader import LoadedModel


@dataclass(frozen=True)
class LoadedModelInfo:
    model_id: str
    memory_bytes: int
    device: str
    adapters: tuple[str, ...]
    running: int
    waiting: int
    engine: str = "transformers"


class _Entry:
    def __init__(self, loaded: LoadedModel):
        self.loaded = loaded
        self.scheduler = BatchScheduler(loaded, loaded.spec.max_batch_size)
        self.memory_bytes = loaded.memory_bytes

    @property
    def busy(self) -> bool:
        return self.scheduler.depth() != (0, 0)


class ModelCache:
    """Thread-safe LRU of loaded base models, bounded by `budget_bytes()` (busy models are never evicted).

    Room is made before a load from `estimate_bytes(model_id)` (weights on disk), and the budget is checked
    again afterwards with the real footprint.
    """

    def __init__(
        self,
        load: Callable[[str], LoadedModel],
        budget_bytes: Callable[[], int],
        estimate_bytes: Callable[[str], int],
    ):
        self._load = load
        self._budget_bytes = budget_bytes
        self._estimate_bytes = estimate_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._loading: dict[str, threading.Lock] = {}

    def get(self, model_id: str) -> _Entry:
        """The loaded entry for `model_id`, loading it (once, even with concurrent callers) if needed."""
        with self._lock:
            if model_id in self._entries:
                self._entries.move_to_end(model_id)
                return self._entries[model_id]
            load_lock = self._loading.setdefault(model_id, threading.Lock())
        with load_lock:
            with self._lock:
                if model_id in self._entries:
                    return self._entries[model_id]
                evicted = self._over_budget(keep=model_id, incoming=self._estimate_bytes(model_id))
            for victim in evicted:
                _release(victim)
            entry = _Entry(self._load(model_id))
            with self._lock:
                self._entries[model_id] = entry
                self._loading.pop(model_id, None)
                evicted = self._over_budget(keep=model_id)
        for victim in evicted:
            _release(victim)
        return entry

    def peek(self, model_id: str) -> _Entry | None:
        with self._lock:
            return self._entries.get(model_id)

    def _over_budget(self, keep: str, incoming: int = 0) -> list[_Entry]:
        """Pop least recently used idle entries until the total (plus `incoming`) fits the budget."""
        budget = self._budget_bytes()
        total = incoming + sum(e.memory_bytes for e in self._entries.values())
        evicted = []
        for model_id in list(self._entries):
            if total <= budget:
                break
            entry = self._entries[model_id]
            if model_id == keep or entry.busy:
                continue
            del self._entries[model_id]
            total -= entry.memory_bytes
            evicted.append(entry)
        return evicted

    def unload(self, model_id: str) -> bool:
        """Drop a model (running requests get `ModelUnloadedError`) and give its memory back to the OS."""
        with self._lock:
            entry = self._entries.pop(model_id, None)
        if entry is None:
            return False
        _release(entry)
        return True

    def infos(self) -> list[LoadedModelInfo]:
        with self._lock:
            entries = list(self._entries.items())
        infos = []
        for model_id, entry in entries:
            running, waiting = entry.scheduler.depth()
            infos.append(
                LoadedModelInfo(
                    model_id,
                    entry.memory_bytes,
                    str(entry.loaded.device),
                    tuple(entry.loaded.adapters),
                    running,
                    waiting,
                )
            )
        return infos


def _release(entry: _Entry) -> None:
    entry.scheduler.close(ModelUnloadedError(f"model {entry.loaded.spec.id!r} was unloaded"))
    entry.loaded.model = None
    free_memory()


def free_memory() -> None:
    """Collect garbage, empty the CUDA cache and hand freed heap pages back to the OS (glibc malloc_trim)."""
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
