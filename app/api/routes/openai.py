"""OpenAI-compatible surface under /v1: the official `openai` package works against it unmodified."""

import base64
import json
import struct
import time

from fastapi import APIRouter, Request
from sse_starlette.event import ServerSentEvent
from sse_starlette.sse import EventSourceResponse

from app.api.deps import CurrentUser, RedisDep, SessionDep, SettingsDep
from app.core.admission import Kind, admit
from app.core.errors import AppError
from app.events.ephemeral import job_events, start_job
from app.events.relay import SSE_HEADERS
from app.kernel.contracts import JobKind
from app.kernel.schemas.openai import (
    ChatCompletion,
    ChatCompletionRequest,
    EmbeddingList,
    EmbeddingRequest,
    ModelList,
    ToolsError,
)
from app.kernel.tasks import Completion, Embed
from app.services.knowledge import embedding_model_for
from app.services.models_catalog import ensure_known_model, servable_model_ids
from app.services.usage_meter import UsageMeter

router = APIRouter(prefix="/v1", tags=["openai-compatible"])


def _chunk(job_id: str, model: str, created: int, delta: dict, finish: str | None, usage=None) -> str:
    body = {
        "id": f"chatcmpl-{job_id}",
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}] if usage is None else [],
    }
    if usage is not None:
        body["usage"] = usage
    return json.dumps(body, ensure_ascii=False)


def _usage(data: dict) -> dict:
    usage = data["usage"]
    return {**usage, "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"]}


def _raise_job_error(data: dict) -> None:
    if data.get("code") == "invalid_tools":
        raise AppError(400, "invalid_tools", data.get("message", "Invalid tools."))
    status = 422 if data.get("code") in ("invalid_request", "unknown_model") else 503
    raise AppError(status, data.get("code", "generation_failed"), data.get("message", "Generation failed."))


@router.get("/models", response_model=ModelList)
async def list_models(user: CurrentUser, session: SessionDep):
    models = [
        {"id": i, "object": "model", "created": 0, "owned_by": "localmind"}
        for i in await servable_model_ids(session, user)
    ]
    return {"object": "list", "data": models}


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}}},
    dependencies=[admit(Kind.GENERATION)],
)
async def chat_completions(
    body: ChatCompletionRequest,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
):
    """Chat completion, streamed as `chat.completion.chunk` events ending with `[DONE]`, or whole.

    With `tools`, the answer may be `message.tool_calls` (finish_reason `tool_calls`; streamed as `tool_calls`
    deltas): `required` or a named function decode under the functions' JSON Schemas on every engine; `auto`
    uses the model's own tool template where it has one (Qwen2.5, `<tool_call>`), and otherwise a constrained
    choice between a call and a text answer. Send the results back as `tool` messages after the assistant's
    `tool_calls` message. Bad definitions are answered 400 `invalid_tools`."""
    if unsupported := body.unsupported():
        names = ", ".join(unsupported)
        raise AppError(
            400,
            "unsupported_parameter",
            f"Not supported by this server's models and engines: {names}. Remove it and retry.",
            {"fields": unsupported},
        )
    try:
        tools, tool_choice = body.tool_request()
    except ToolsError as exc:
        raise AppError(
            400, "invalid_tools", f"Invalid tools: {exc}. Fix the definitions and retry.", {"problems": exc.problems}
        ) from exc
    model = await ensure_known_model(session, body.model, user)
    payload = {
        "model": model,
        "messages": body.engine_messages(),
        "params": body.engine_params(),
        "tools": tools,
        "tool_choice": tool_choice if isinstance(tool_choice, str) else tool_choice.model_dump(),
    }
    job_id, stream = await start_job(redis, request.app.state.tasks, JobKind.COMPLETION, Completion, payload)
    meter = UsageMeter(request.app.state.sessionmaker, user.id)
    timeout = settings.generation_job_timeout_seconds
    events = job_events(redis, meter, JobKind.COMPLETION, job_id, stream, timeout)
    created = int(time.time())
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        return EventSourceResponse(
            _stream_chunks(events, job_id, model, created, include_usage),
            ping=settings.sse_heartbeat_seconds,
            ping_message_factory=lambda: ServerSentEvent(comment="ping"),
            headers=SSE_HEADERS,
        )
    text: list[str] = []
    async for event in events:
        if event["type"] == "token":
            text.append(event["data"]["text"])
        elif event["type"] == "error":
            _raise_job_error(event["data"])
        elif event["type"] == "done":
            return {
                "id": f"chatcmpl-{job_id}",
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": _message("".join(text), event["data"].get("tool_calls")),
                        "finish_reason": _finish(event["data"]["finish_reason"]),
                    }
                ],
                "usage": _usage(event["data"]),
            }
    raise AppError(503, "generation_failed", "The generation ended without a result.")


def _finish(reason: str) -> str:
    return reason if reason in ("length", "tool_calls") else "stop"


def _message(text: str, tool_calls: list[dict] | None) -> dict:
    if tool_calls:
        return {"role": "assistant", "content": text or None, "tool_calls": tool_calls}
    return {"role": "assistant", "content": text}


def _tool_call_deltas(tool_calls: list[dict]):
    """As OpenAI streams a call: id, type and name first, then the arguments."""
    for index, call in enumerate(tool_calls):
        function = call["function"]
        head = {"index": index, "id": call["id"], "type": "function", "function": {"name": function["name"]}}
        head["function"]["arguments"] = ""
        yield {"tool_calls": [head]}
        yield {"tool_calls": [{"index": index, "function": {"arguments": function["arguments"]}}]}


async def _stream_chunks(events, job_id: str, model: str, created: int, include_usage: bool):
    yield {"data": _chunk(job_id, model, created, {"role": "assistant", "content": ""}, None)}
    async for event in events:
        if event["type"] == "token":
            yield {"data": _chunk(job_id, model, created, {"content": event["data"]["text"]}, None)}
        elif event["type"] == "error":
            yield {"data": json.dumps({"error": {"message": event["data"]["message"], "code": event["data"]["code"]}})}
            break
        elif event["type"] == "done":
            for delta in _tool_call_deltas(event["data"].get("tool_calls") or []):
                yield {"data": _chunk(job_id, model, created, delta, None)}
            yield {"data": _chunk(job_id, model, created, {}, _finish(event["data"]["finish_reason"]))}
            if include_usage:
                yield {"data": _chunk(job_id, model, created, {}, None, usage=_usage(event["data"]))}
            break
    yield {"data": "[DONE]"}


def _encode_vector(vector: list[float], encoding_format: str) -> list[float] | str:
    """`base64` is what the openai package asks for by default: little-endian float32 bytes."""
    if encoding_format == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    return vector


@router.post("/embeddings", response_model=EmbeddingList, dependencies=[admit(Kind.EMBEDDING)])
async def embeddings(
    body: EmbeddingRequest, request: Request, user: CurrentUser, redis: RedisDep, settings: SettingsDep
):
    """Embeddings from a configured embedding model (EMBEDDING_MODEL, EMBEDDING_MODELS; normalized vectors)."""
    model = embedding_model_for(body.model, settings)
    payload = {"model": model, "texts": body.input}
    job_id, stream = await start_job(redis, request.app.state.tasks, JobKind.EMBEDDING, Embed, payload)
    meter = UsageMeter(request.app.state.sessionmaker, user.id)
    timeout = settings.generation_job_timeout_seconds
    async for event in job_events(redis, meter, JobKind.EMBEDDING, job_id, stream, timeout):
        if event["type"] == "error":
            _raise_job_error(event["data"])
        if event["type"] == "done":
            vectors = [_encode_vector(v, body.encoding_format) for v in event["data"]["embeddings"]]
            tokens = event["data"]["prompt_tokens"]
            return {
                "object": "list",
                "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)],
                "model": model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
    raise AppError(503, "embedding_failed", "The embedding job ended without a result.")
