"""The one model interface every chat call goes through: `Engine.stream` / `Engine.complete`, thread-safe."""

import atexit
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.kernel.registry.model_files import model_dir, weights_size
from app.kernel.registry.registry import ModelRegistry, ResolvedModel, get_registry
from app.kernel.registry.spec import ModelSpec
from app.kernel.settings import get_settings
from worker.engine.batcher import Request
from worker.engine.cache import LoadedModelInfo, ModelCache
from worker.engine.constrained import JsonConstraint
from worker.engine.dtypes import auto_dtype
from worker.engine.generation import Completion, GenerationParams, TokenEvent
from worker.engine.loader import LoadedModel, load_model
from worker.engine.messages import build_prompt, has_tool_template, parsed_tools, prompt_budget, validate_messages
from worker.engine.remote import RemoteBackend
from worker.engine.routing import EngineName, adapters_on_vllm, choose_engine
from worker.engine.vllm.engine import VllmEngine
from worker.engine.vllm.install import VllmInstall, find_install
from worker.engine.vllm.server import ServerOptions

Messages = Sequence[Mapping[str, Any]]
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
        self._vllm: VllmEngine | None = None
        self._vllm_lock = threading.Lock()

    def _budget(self) -> int:
        return self._cache_bytes if self._cache_bytes is not None else int(get_settings().model_cache_gb * 2**30)

    def _estimate(self, base_id: str) -> int:
        path = self._model_path(self.registry.get(base_id))
        return weights_size(path) if path.is_dir() else 0

    def _load(self, base_id: str) -> LoadedModel:
        spec = self.registry.get(base_id)
        return load_model(spec, self._model_path(spec))

    def _vllm_install(self) -> VllmInstall | None:
        return find_install(get_settings().vllm_python)

    def _vllm_engine(self) -> VllmEngine:
        with self._vllm_lock:
            if self._vllm is None:
                self._vllm = VllmEngine(
                    self._vllm_install(), self.server_options, self._model_path, lambda: get_settings().logs_dir
                )
            return self._vllm

    def _model_path(self, spec: ModelSpec) -> Path:
        return model_dir(spec, self._models_dir)

    def server_options(self, spec: ModelSpec) -> ServerOptions:
        settings = get_settings()
        install = self._vllm_install()
        device = install.device if install is not None else "cpu"
        return ServerOptions(
            kv_cache_gb=settings.vllm_kv_cache_gb,
            enforce_eager=settings.vllm_enforce_eager,
            startup_timeout_s=settings.vllm_startup_timeout_seconds,
            enable_lora=adapters_on_vllm(settings.adapter_engine, install),
            max_loras=settings.vllm_max_loras,
            max_lora_rank=settings.vllm_max_lora_rank,
            dtype=auto_dtype(device) if spec.dtype == "auto" else None,
        )

    def engine_for(self, resolved: ResolvedModel) -> EngineName:
        """The engine that serves `resolved` on this worker (worker/engine/routing.py)."""
        settings = get_settings()
        return choose_engine(
            resolved.spec,
            resolved.adapter_name is not None,
            settings.engine,
            settings.adapter_engine,
            self._vllm_install(),
            self._model_path(resolved.spec),
        )

    def load(self, model_id: str) -> LoadedModelInfo:
        """Load a model (and its adapter) now instead of on the first request."""
        resolved = self.registry.resolve(model_id)
        if self.engine_for(resolved) == "vllm":
            self._vllm_engine().load(resolved.spec)
        else:
            self._loaded_for(resolved)
        return next(i for i in self.loaded_models() if i.model_id == resolved.spec.id)

    def is_loaded(self, model_id: str) -> bool:
        """Whether the engine that would serve `model_id` has its base model in memory (no load wait)."""
        resolved = self.registry.resolve(model_id)
        if resolved.spec.backend == "openai":
            return True
        if self.engine_for(resolved) == "vllm":
            return self._vllm_engine().is_loaded(resolved.spec.id)
        return self._cache.peek(resolved.spec.id) is not None

    def count_tokens(self, model_id: str, text: str) -> int:
        """Tokens `text` takes for this model (loads it if needed); remote models get a chars/4 estimate."""
        resolved = self.registry.resolve(model_id)
        if resolved.spec.backend == "openai":
            return (len(text) + 3) // 4
        if self.engine_for(resolved) == "vllm":
            return self._vllm_engine().count_tokens(resolved.spec, text)
        return len(self._loaded_for(resolved).loaded.tokenizer.encode(text, add_special_tokens=False))

    def has_tool_template(self, model_id: str) -> bool:
        """Whether the model's chat template has a native tool-calling format (`GenerationParams.tools`)."""
        resolved = self.registry.resolve(model_id)
        if resolved.spec.backend == "openai":
            return False
        if self.engine_for(resolved) == "vllm":
            tokenizer = self._vllm_engine().load(resolved.spec).tokenizer
        else:
            tokenizer = self._loaded_for(resolved).loaded.tokenizer
        return has_tool_template(tokenizer, resolved.spec.chat_template)

    def unload(self, model_id: str) -> bool:
        """Free a base model's memory (both engines); requests still running on it fail."""
        base_id = model_id.partition("+")[0]
        in_vllm = self._vllm is not None and self._vllm.unload(base_id)
        return self._cache.unload(base_id) or in_vllm

    def loaded_models(self) -> list[LoadedModelInfo]:
        return self._cache.infos() + (self._vllm.infos() if self._vllm is not None else [])

    def pending(self, model_id: str) -> QueueDepth:
        """Queue depth of the base model serving `model_id` (zeros when it is not loaded)."""
        spec = self.registry.get(model_id.partition("+")[0])
        entry = self._cache.peek(spec.id)
        running, waiting = entry.scheduler.depth() if entry else (0, 0)
        if self._vllm is not None:
            running += self._vllm.running(spec.id)
        return QueueDepth(running, waiting, spec.max_batch_size)

    def close(self) -> None:
        """Stop the vLLM server processes this engine started."""
        if self._vllm is not None:
            self._vllm.close()

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
        if self.engine_for(resolved) == "vllm":
            return self._vllm_engine().stream(resolved, clean, params, should_cancel)
        entry = self._loaded_for(resolved)
        loaded = entry.loaded
        budget = prompt_budget(loaded.context_length, params, spec.id)
        prompt = build_prompt(loaded.tokenizer, clean, budget, spec.chat_template, parsed_tools(params))
        constraint = JsonConstraint(loaded.tokenizer, params.json_schema) if params.json_schema else None
        request = Request(
            model_id, prompt.token_ids, params, resolved.adapter_name, prompt.truncated_history, constraint
        )
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
            atexit.register(_engine.close)  # vLLM server processes end with the worker
        return _engine
