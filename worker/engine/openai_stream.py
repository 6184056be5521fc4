"""Read an OpenAI-compatible streaming response (chat or text completions) as engine `TokenEvent`s.

Shared by the remote backend (any OpenAI-compatible server) and the vLLM engine (its own server processes).
"""

import json
import time
from collections.abc import Callable, Iterator

import httpx

from app.kernel.registry.errors import EngineError, InvalidRequestError
from worker.engine.generation import Completion, FinishReason, TokenEvent

FINISH_REASONS: dict[str, FinishReason] = {"stop": "stop", "length": "length", "abort": "cancelled"}


def chat_text(choice: dict) -> str:
    return (choice.get("delta") or {}).get("content") or ""


def completion_text(choice: dict) -> str:
    return choice.get("text") or ""


def sse_chunks(lines: Iterator[str]) -> Iterator[dict]:
    for line in lines:
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        yield json.loads(data)


def check_status(response: httpx.Response, url: str) -> None:
    """A refused request raises: 400/422 mean the request itself is wrong (the caller's fault)."""
    if response.status_code == 200:
        return
    detail = response.read().decode(errors="replace")[:500]
    try:
        detail = json.loads(detail).get("error", {}).get("message") or detail
    except (ValueError, AttributeError):
        pass
    if response.status_code in (400, 422):
        raise InvalidRequestError(f"the model server refused the request: {detail}")
    raise EngineError(f"{url} answered {response.status_code}: {detail}")


def read_stream(
    response: httpx.Response,
    model_id: str,
    text_of: Callable[[dict], str],
    started: float,
    should_cancel: Callable[[], bool] | None = None,
    prompt_tokens: int = 0,
    truncated_history: bool = False,
) -> Iterator[TokenEvent]:
    """Text deltas of one streamed response, then a final event carrying the `Completion`.

    `should_cancel` is checked after every chunk; a cancel stops reading (closing the response aborts the
    request on the server). Usage reported by the server (`stream_options.include_usage`) wins over counts.
    """
    first_at = None
    parts: list[str] = []
    finish: FinishReason = "length"
    usage: dict = {}
    for chunk in sse_chunks(response.iter_lines()):
        if error := chunk.get("error"):
            message = error.get("message") if isinstance(error, dict) else error
            raise EngineError(f"the model server failed mid-answer: {message}")
        usage = chunk.get("usage") or usage
        for choice in chunk.get("choices") or []:
            if text := text_of(choice):
                first_at = first_at or time.perf_counter()
                parts.append(text)
                yield TokenEvent(text)
            if choice.get("finish_reason"):
                finish = FINISH_REASONS.get(choice["finish_reason"], "stop")
        if should_cancel is not None and should_cancel():
            finish = "cancelled"
            break
    now = time.perf_counter()
    n = usage.get("completion_tokens") or len(parts)
    first_at = first_at or now
    yield TokenEvent(
        "",
        Completion(
            model_id=model_id,
            text="".join(parts),
            finish_reason=finish,
            prompt_tokens=usage.get("prompt_tokens") or prompt_tokens,
            completion_tokens=n,
            ttft_ms=(first_at - started) * 1000,
            tokens_per_s=(n - 1) / (now - first_at) if n > 1 and now > first_at else 0.0,
            truncated_history=truncated_history,
        ),
    )
