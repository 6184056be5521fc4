"""The `openai` backend: stream chat completions from an OpenAI-compatible server (vLLM, Ollama, TGI...)."""

import json
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from app.kernel.registry.errors import ModelLoadError
from app.kernel.registry.spec import ModelSpec
from worker.engine.generation import GenerationParams, TokenEvent
from worker.engine.openai_stream import chat_text, check_status, read_stream
from worker.engine.tool_calls import plain_turns


class RemoteBackend:
    """One shared HTTP client (thread-safe, pooled) for every remote model."""

    def __init__(self, timeout: float = 600.0):
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=10.0))

    def close(self) -> None:
        self._client.close()

    def stream(
        self,
        model_id: str,
        spec: ModelSpec,
        messages: list[dict[str, Any]],
        params: GenerationParams,
        should_cancel: Callable[[], bool] | None = None,
    ) -> Iterator[TokenEvent]:
        body = _request_body(spec, plain_turns(messages), params)  # tool history as text: any server takes it
        headers = {}
        if spec.api_key_env and os.environ.get(spec.api_key_env):
            headers["Authorization"] = f"Bearer {os.environ[spec.api_key_env]}"
        url = spec.base_url.rstrip("/") + "/chat/completions"
        started = time.perf_counter()
        try:
            with self._client.stream("POST", url, json=body, headers=headers) as response:
                check_status(response, url)
                yield from read_stream(response, model_id, chat_text, started, should_cancel)
        except httpx.HTTPError as exc:
            raise ModelLoadError(f"remote model {model_id!r} at {url} failed: {type(exc).__name__}: {exc}") from exc


def _request_body(spec: ModelSpec, messages: list[dict[str, str]], params: GenerationParams) -> dict:
    body = {
        "model": spec.remote_model or spec.id,
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": params.max_new_tokens,
        "temperature": params.temperature,
        "top_p": params.top_p,
    }
    if params.stop:
        body["stop"] = list(params.stop)
    if params.seed is not None:
        body["seed"] = params.seed
    if params.json_schema is not None:
        schema = {"name": "output", "schema": json.loads(params.json_schema), "strict": True}
        body["response_format"] = {"type": "json_schema", "json_schema": schema}
    return body
