"""The one model interface every chat call goes through: `Engine.stream` / `Engine.complete`, thread-safe."""

import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.core.config import get_settings
from worker.engine.batcher import Request
from worker.engine.cache import LoadedModelInfo, ModelCache
from worker.engine.errors import InvalidRequestError
from worker.engine.generation import Completion, GenerationParams, TokenEvent
from worker.engine.loader import LoadedModel, load_model
from worker.engine.messages import build_prompt, validate_messages
from worker.engine.registry import ModelRegistry, ResolvedModel, get_registry
from worker.engine.remote import RemoteBackend
from worker.engine.store import model_dir, weights_size

Messages = Sequence[Mapping[str, str]]
CANCEL_POLL_S = 0.05


@dataclass(frozen=True)
class QueueDepth:
    """How busy a model is: rows decoding now, requests waiting for a slot, and the batch size."""

    running: int
    waiting: int
    max_batch: int


class Engine:
    def __init__(
        self,
        registry: ModelRegistry | None = None,
        models_dir: Path | None = None,
        cache_bytes: int | None = None,
    ):
        self.registry = registry or get_registry()
        self._models_dir = models_dir
        self._cache_bytes = cache_bytes
        self._cache = ModelCache(self._load, self._budget, self._estimate)
        self._remote = RemoteBackend()

    def _budget(self) -> int:
        return self._cache_bytes if self._cache_bytes is not None else int(get_settings().model_cache_gb * 2**30)

    def _estimate(self, base_id: str) -> int:
        spec = self.registry.get(base_id)
        path = model_dir(spec, self._models_dir)
        return weights_size(path) if path.is_dir() else 0

    def _load(self, base_id: str) -> LoadedModel:
        spec = self.registry.get(base_id)
        return load_model(spec, model_dir(spec, self._models_dir))

    def load(self, model_id: str) -> LoadedModelInfo:
        """Load a model (and its adapter) now instead of on the first request."""
        resolved = self.registry.resolve(model_id)
        self._loaded_for(resolved)
        return next(i for i in self._cache.infos() if i.model_id == resolved.spec.id)

    def count_tokens(self, model_id: str, text: str) -> int:
        """Tokens `text` takes for this model (loads it if needed); remote models get a chars/4 estimate."""
        resolved = self.registry.resolve(model_id)
        if resolved.spec.backend == "openai":
            return (len(text) + 3) // 4
        return len(self._loaded_for(resolved).loaded.tokenizer.encode(text, add_special_tokens=False))

    def unload(self, model_id: str) -> bool:
        """Free a base model's memory; requests still running on it fail with `ModelUnloadedError`."""
        return self._cache.unload(model_id.partition("+")[0])

    def loaded_models(self) -> list[LoadedModelInfo]:
        return self._cache.infos()

    def pending(self, model_id: str) -> QueueDepth:
        """Queue depth of the base model serving `model_id` (zeros when it is not loaded)."""
        spec = self.registry.get(model_id.partition("+")[0])
        entry = self._cache.peek(spec.id)
        running, waiting = entry.scheduler.depth() if entry else (0, 0)
        return QueueDepth(running, waiting, spec.max_batch_size)

    def _loaded_for(self, resolved: ResolvedModel):
        entry = self._cache.get(resolved.spec.id)
        if resolved.adapter_name:
            entry.loaded.ensure_adapter(resolved.adapter_name, resolved.adapter_dir)
        return entry

    def stream(
        self,
        model_id: str,
        messages: Messages,
        params: GenerationParams | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> Iterator[TokenEvent]:
        """Text deltas as they are generated; the last event carries the `Completion`.

        Validation, model loading and queueing happen in this call (errors raise here, and the request holds
        its queue position at once); generation errors raise from the iterator. `should_cancel` is polled
        while waiting and after every event; closing the iterator early also cancels the request.
        """
        clean = validate_messages(messages)
        resolved = self.registry.resolve(model_id)
        spec = resolved.spec
        params = (params or GenerationParams()).resolve(spec.generation)
        if spec.backend == "openai":
            return self._remote.stream(model_id, spec, clean, params, should_cancel)
        entry = self._loaded_for(resolved)
        loaded = entry.loaded
        budget = loaded.context_length - params.max_new_tokens
        if budget < 1:
            raise InvalidRequestError(
                f"max_new_tokens={params.max_new_tokens} leaves no room for a prompt in the "
                f"{loaded.context_length}-token context of {spec.id!r}"
            )
        prompt = build_prompt(loaded.tokenizer, clean, budget, spec.chat_template)
        request = Request(model_id, prompt.token_ids, params, resolved.adapter_name, prompt.truncated_history)
        entry.scheduler.submit(request)
        return _drain(request, should_cancel)

    def complete(self, model_id: str, messages: Messages, params: GenerationParams | None = None) -> Completion:
        for event in self.stream(model_id, messages, params):
            if event.done:
                return event.completion
        raise RuntimeError("stream ended without a completion")


def _drain(request: Request, should_cancel: Callable[[], bool] | None) -> Iterator[TokenEvent]:
    try:
        yield from _events(request, should_cancel)
    finally:
        request.cancel()  # the consumer stopped early (closed, error): free the batch slot


def _events(request: Request, should_cancel: Callable[[], bool] | None) -> Iterator[TokenEvent]:
    while True:
        try:
            event = request.events.get(timeout=CANCEL_POLL_S)
        except queue.Empty:
            if should_cancel is not None and should_cancel():
                request.cancel()
            continue
        if isinstance(event, Exception):
            raise event
        yield event
        if event.done:
            return
        if should_cancel is not None and should_cancel():
            request.cancel()


_engine: Engine | None = None
_engine_lock = threading.Lock()


def get_engine() -> Engine:
    """The process-wide engine (one model cache and one batcher per model per worker process)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = Engine()
        return _engine
