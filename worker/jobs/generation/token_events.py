"""Engine tokens → job events; shared by chat answers and OpenAI-compatible completions."""

from collections.abc import Callable
from typing import Any

from app.kernel.contracts import EventType
from app.kernel.events import EventPublisher
from app.kernel.registry.errors import EngineError, InvalidRequestError, ModelLoadError, UnknownModelError
from worker.engine.engine import get_engine
from worker.engine.generation import Completion, GenerationParams
from worker.engine.tool_calls import ToolSchemaError
from worker.ops import metrics

ERROR_CODES = {
    ToolSchemaError: "invalid_tools",
    UnknownModelError: "unknown_model",
    ModelLoadError: "model_load_failed",
    InvalidRequestError: "invalid_request",
}


def error_code(exc: EngineError) -> str:
    return next((code for kind, code in ERROR_CODES.items() if isinstance(exc, kind)), "generation_failed")


def stream_tokens(
    events: EventPublisher,
    model_id: str,
    messages: list[dict[str, Any]],
    params: GenerationParams,
    on_token: Callable[[str], None],
    shown: Callable[[str], str] = lambda text: text,
) -> Completion | None:
    """Publish `status` then one `token` event per piece; returns the completion (None if none was produced).

    `shown(piece)` is the part of each piece published now (a tool call's JSON is not an answer's text)."""
    engine = get_engine()
    if not engine.is_loaded(model_id):
        events.publish(EventType.STATUS, {"state": "loading_model", "model": model_id})
    events.publish(EventType.STATUS, {"state": "generating", "model": model_id})
    completion = None
    metrics.record_request(model_id)
    try:
        for event in engine.stream(model_id, messages, params, should_cancel=events.cancelled):
            if event.completion is not None:
                completion = event.completion
            elif text := shown(event.text.replace("\x00", "")):  # as the database stores it (app/core/db.py)
                on_token(text)
                events.publish(EventType.TOKEN, {"text": text})
    except Exception:
        metrics.record_answer(model_id, None, failed=True)
        raise
    metrics.record_answer(model_id, completion)
    return completion
