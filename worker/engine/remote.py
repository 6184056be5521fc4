"""The `openai` backend: stream chat completions from an OpenAI-compatible server (vLLM, Ollama, TGI...)."""

import json
import os
import time
from collections.abc import Callable, Iterator

import httpx

from worker.engine.errors import EngineError, ModelLoadError
from worker.engine.generation import Completion, GenerationParams, TokenEvent
from worker.engine.spec import ModelSpec

FINISH_REASONS = {"stop": "stop", "length": "length"}


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
        messages: list[dict[str, str]],
        params: GenerationParams,
        should_cancel: Callable[[], bool] | None = None,
    ) -> Iterator[TokenEvent]:
        body = _request_body(spec, messages, params)
        headers = {}
        if spec.api_key_env and os.environ.get(spec.api_key_env):
            headers["Authorization"] = f"Bearer {os.environ[spec.api_key_env]}"
        url = spec.base_url.rstrip("/") + "/chat/completions"
        started = time.perf_counter()
        first_at = None
        parts: list[str] = []
        finish, usage = "length", {}
        try:
            with self._client.stream("POST", url, json=body, headers=headers) as response:
                if response.status_code != 200:
                    raise EngineError(
                        f"{url} answered {response.status_code}: {response.read().decode()[:300]}"
                    )
                for chunk in _sse_chunks(response.iter_lines()):
                    if should_cancel is not None and should_cancel():
                        finish = "cancelled"
                        break
                    usage = chunk.get("usage") or usage
                    for choice in chunk.get("choices") or []:
                        text = (choice.get("delta") or {}).get("content") or ""
                        if text:
                            first_at = first_at or time.perf_counter()
                            parts.append(text)
                            yield TokenEvent(text)
                        if choice.get("finish_reason"):
                            finish = FINISH_REASONS.get(choice["finish_reason"], "stop")
        except httpx.HTTPError as exc:
            raise ModelLoadError(
                f"remote model {model_id!r} at {url} failed: {type(exc).__name__}: {exc}"
            ) from exc
        now = time.perf_counter()
        n = usage.get("completion_tokens") or len(parts)
        first_at = first_at or now
        yield TokenEvent(
            "",
            Completion(
                model_id=model_id,
                text="".join(parts),
                finish_reason=finish,
                prompt_tokens=usage.get("prompt_tokens", 0),
                completion_tokens=n,
                ttft_ms=(first_at - started) * 1000,
                tokens_per_s=(n - 1) / (now - first_at) if n > 1 and now > first_at else 0.0,
            ),
        )


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
    return body


def _sse_chunks(lines: Iterator[str]) -> Iterator[dict]:
    for line in lines:
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        yield json.loads(data)
