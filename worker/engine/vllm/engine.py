"""Serve models from vLLM server processes: one per base model, LoRA adapters on it where configured.

The prompt is built here, with the same chat template and history truncation as the transformers engine, and
sent as token ids to the server's `/v1/completions`; vLLM does the batching (continuous, paged KV cache),
sampling, stop strings and detokenization.
"""

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.kernel.registry.errors import EngineError, ModelLoadError
from app.kernel.registry.registry import ResolvedModel
from app.kernel.registry.spec import ModelSpec
from worker.engine.cache import LoadedModelInfo
from worker.engine.generation import GenerationParams, TokenEvent
from worker.engine.messages import build_prompt, parsed_tools, prompt_budget
from worker.engine.openai_stream import check_status, completion_text, read_stream
from worker.engine.vllm.install import VllmInstall
from worker.engine.vllm.server import ServerOptions, VllmServer

DEFAULT_CONTEXT = 2048
CANCEL_CHECK_INTERVAL_S = 0.05
"""A stop is looked up (a Redis round trip) at most every 50 ms per answer, not after every token: at 8 streams
of ~25 tok/s that halves the worker's Redis calls, and a stop still lands within ~2 tokens."""


def throttled(check: Callable[[], bool], interval_s: float) -> Callable[[], bool]:
    """`check`, called at most once per `interval_s`; in between the last answer (False until True) stands."""
    last = [float("-inf"), False]

    def maybe_check() -> bool:
        now = time.monotonic()
        if not last[1] and now - last[0] >= interval_s:
            last[0], last[1] = now, check()
        return last[1]

    return maybe_check


@dataclass
class _Served:
    """A base model on its server, with the tokenizer the prompts are built with."""

    server: VllmServer
    tokenizer: object
    context_length: int


def request_body(served_name: str, prompt_ids: list[int], params: GenerationParams) -> dict:
    """Every sampling setting is sent explicitly, so the server's defaults never decide an answer."""
    body = {
        "model": served_name,
        "prompt": prompt_ids,
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": params.max_new_tokens,
        "temperature": params.temperature,
        "top_p": params.top_p,
        "top_k": params.top_k or -1,
        "repetition_penalty": params.repetition_penalty,
        "skip_special_tokens": True,
    }
    if params.stop:
        body["stop"] = list(params.stop)
    if params.seed is not None:
        body["seed"] = params.seed
    if params.json_schema is not None:
        body["structured_outputs"] = {"json": params.json_schema, "disable_any_whitespace": True}
    return body


class VllmEngine:
    """Thread-safe: many Celery threads stream through it at once; vLLM batches them."""

    def __init__(
        self,
        install: VllmInstall,
        options: Callable[[ModelSpec], ServerOptions],
        model_path: Callable[[ModelSpec], Path],
        logs_dir: Callable[[], Path],
    ):
        self.install = install
        self._options = options
        self._model_path = model_path
        self._logs_dir = logs_dir
        self._served: dict[str, _Served] = {}
        self._starting: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._inflight: Counter[str] = Counter()
        self._http = httpx.Client(
            timeout=httpx.Timeout(None, connect=5.0),
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=256),
        )

    def load(self, spec: ModelSpec) -> _Served:
        """The running server for `spec` (started once, even with concurrent callers; restarted after a crash, or
        when adapters must now be served by vLLM and it was started without LoRA)."""
        with self._lock:
            served = self._served.get(spec.id)
            start_lock = self._starting.setdefault(spec.id, threading.Lock())
        if served is not None and served.server.alive and not self._needs_lora(served, spec):
            return served
        with start_lock:
            served = self._served.get(spec.id)
            if served is not None and self._needs_lora(served, spec):
                served.server.stop()
                served = None
            if served is None:
                served = self._create(spec)
            served.server.ensure_running()
            with self._lock:
                self._served[spec.id] = served
            return served

    def _needs_lora(self, served: _Served, spec: ModelSpec) -> bool:
        return self._options(spec).enable_lora and not served.server.options.enable_lora

    def _create(self, spec: ModelSpec) -> _Served:
        from transformers import AutoConfig, AutoTokenizer

        path = self._model_path(spec)
        try:
            tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=spec.trust_remote_code)
            config = AutoConfig.from_pretrained(path, trust_remote_code=spec.trust_remote_code)
        except Exception as exc:  # noqa: BLE001 - OSError, ValueError...: named in the error either way
            raise ModelLoadError(f"cannot read model {spec.id!r} from {path}: {type(exc).__name__}: {exc}") from exc
        context = spec.context_length or getattr(config, "max_position_embeddings", None) or DEFAULT_CONTEXT
        log = self._logs_dir() / f"vllm-{spec.id}.log"
        server = VllmServer(self.install, spec, path, self._options(spec), log)
        return _Served(server, tokenizer, context)

    def unload(self, base_id: str) -> bool:
        with self._lock:
            served = self._served.pop(base_id, None)
        if served is None:
            return False
        served.server.stop()
        return True

    def close(self) -> None:
        for base_id in list(self._served):
            self.unload(base_id)

    def is_loaded(self, base_id: str) -> bool:
        served = self._served.get(base_id)
        return served is not None and served.server.alive

    def infos(self) -> list[LoadedModelInfo]:
        with self._lock:
            served = list(self._served.items())
        return [
            LoadedModelInfo(
                model_id=base_id,
                memory_bytes=entry.server.memory_bytes(),
                device=f"vllm-{self.install.device}",
                adapters=tuple(entry.server.adapters),
                running=self._inflight[base_id],
                waiting=0,
                engine="vllm",
            )
            for base_id, entry in served
            if entry.server.alive
        ]

    def running(self, base_id: str) -> int:
        return self._inflight[base_id]

    def count_tokens(self, spec: ModelSpec, text: str) -> int:
        return len(self.load(spec).tokenizer.encode(text, add_special_tokens=False))

    def stream(
        self,
        resolved: ResolvedModel,
        messages: list[dict[str, Any]],
        params: GenerationParams,
        should_cancel: Callable[[], bool] | None = None,
    ) -> Iterator[TokenEvent]:
        """Like `Engine.stream`: validation, the server start and prompt building happen in this call."""
        spec = resolved.spec
        served = self.load(spec)
        name = spec.id
        if resolved.adapter_name:
            served.server.load_adapter(resolved.adapter_name, resolved.adapter_dir)
            name = resolved.adapter_name
        budget = prompt_budget(served.context_length, params, spec.id)
        prompt = build_prompt(served.tokenizer, messages, budget, spec.chat_template, parsed_tools(params))
        body = request_body(name, prompt.token_ids, params)
        cancelled = throttled(should_cancel, CANCEL_CHECK_INTERVAL_S) if should_cancel else None
        return self._events(served.server, resolved.model_id, body, prompt.truncated_history, cancelled)

    def _events(
        self,
        server: VllmServer,
        model_id: str,
        body: dict,
        truncated: bool,
        should_cancel: Callable[[], bool] | None,
    ) -> Iterator[TokenEvent]:
        url = f"{server.base_url}/v1/completions"
        base_id = server.spec.id
        started = time.perf_counter()
        self._count(base_id, +1)
        try:
            with self._http.stream("POST", url, json=body) as response:
                check_status(response, url)
                yield from read_stream(
                    response, model_id, completion_text, started, should_cancel, len(body["prompt"]), truncated
                )
        except httpx.HTTPError as exc:
            if not server.alive:
                raise ModelLoadError(server.exit_reason()) from exc
            reason = f"{type(exc).__name__}: {exc}"
            raise EngineError(f"the vLLM server for {base_id!r} failed mid-answer: {reason}") from exc
        finally:
            self._count(base_id, -1)

    def _count(self, base_id: str, delta: int) -> None:
        with self._lock:
            self._inflight[base_id] += delta
