"""One chat answer: claim the pending message, stream tokens from the engine, publish events, persist."""

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from loguru import logger

from app.kernel.contracts import QUEUE_GENERATION, EventType, JobKind
from app.kernel.events import EventPublisher
from app.kernel.keys import pending_queue_key
from app.kernel.models import Conversation, Message
from app.kernel.registry.errors import EngineError
from app.kernel.schemas.conversation import MessagePublic
from app.kernel.states import message as message_state
from app.kernel.states.message import MessageStatus
from app.kernel.usage import record_usage
from worker.agent.answer import sources_footer
from worker.engine.generation import Completion, GenerationParams
from worker.jobs.generation import semantic_cache
from worker.jobs.generation.augment import AugmentRequest, augment
from worker.jobs.generation.history import prompt_messages
from worker.jobs.generation.token_events import error_code, stream_tokens
from worker.ops.registry_sync import know_model
from worker.runtime import JobLease, db_sessions, publisher, redis_client

PARAM_FIELDS = ("max_new_tokens", "temperature", "top_p", "top_k", "repetition_penalty", "stop", "seed")


@dataclass
class AnswerState:
    """What has been produced so far; kept on cancel or failure so nothing is lost."""

    text: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    first_token_at: float | None = None
    citations: list[dict] = field(default_factory=list)
    trace: list[dict] = field(default_factory=list)
    cache: dict | None = None
    """The message's `params.semantic_cache` when the question was looked up."""
    probe: semantic_cache.Probe | None = None
    """Set on a cache miss: the answer is stored under it once done."""

    def add(self, piece: str) -> None:
        if self.first_token_at is None:
            self.first_token_at = time.perf_counter()
        self.text.append(piece)

    @property
    def content(self) -> str:
        return "".join(self.text)


def generation_params(conversation: Conversation, message: Message) -> GenerationParams:
    values: dict[str, Any] = {}
    if conversation.temperature is not None:
        values["temperature"] = conversation.temperature
    if conversation.top_p is not None:
        values["top_p"] = conversation.top_p
    if conversation.max_tokens is not None:
        values["max_new_tokens"] = conversation.max_tokens
    values.update({k: v for k, v in (message.params or {}).items() if k in PARAM_FIELDS and v is not None})
    if "stop" in values:
        values["stop"] = tuple(values["stop"])
    return GenerationParams(**values)


def claim(message_id: int) -> bool:
    """pending → streaming exactly once; a redelivered or expired job finds nothing to claim."""
    with db_sessions()() as session:
        result = session.execute(
            message_state.move(message_id, MessageStatus.STREAMING, sources=[MessageStatus.PENDING])
        )
        session.commit()
        return result.rowcount == 1


def finish(
    message_id: int, state: AnswerState, status: MessageStatus, completion=None, error: str | None = None
) -> dict:
    """Persist the final answer (whatever text exists) and return it as the public message dict."""
    now = time.perf_counter()
    values: dict[str, Any] = {
        "content": state.content,
        "status": status,
        "error": error,
        "finished_at": datetime.now(UTC),
        "latency_ms": (now - state.started) * 1000,
        "citations": state.citations,
        "tool_trace": state.trace,
    }
    if state.first_token_at is not None:
        values["ttft_ms"] = (state.first_token_at - state.started) * 1000
    if completion is not None:
        values.update(
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            ttft_ms=completion.ttft_ms,
            tokens_per_s=completion.tokens_per_s,
        )
    with db_sessions()() as session:
        message = session.get(Message, message_id)
        for key, value in values.items():
            setattr(message, key, value)
        params = {k: v for k, v in (message.params or {}).items() if k != "semantic_cache"}
        message.params = params if state.cache is None else {**params, "semantic_cache": state.cache}
        if completion is not None:
            record_usage(session, message.owner_id, completion.prompt_tokens, completion.completion_tokens)
        session.commit()
        return MessagePublic.model_validate(message).model_dump(mode="json")


def _stream_answer(events: EventPublisher, message_id: int, state: AnswerState) -> Completion | None:
    with db_sessions()() as session:
        message = session.get(Message, message_id)
        conversation = session.get(Conversation, message.conversation_id)
        model_id = message.model or conversation.model
        know_model(model_id)
        messages = prompt_messages(session, conversation, message)
        params = generation_params(conversation, message)
        request = AugmentRequest(
            owner_id=message.owner_id,
            model_id=model_id,
            knowledge_base_ids=list(message.knowledge_base_ids or []),
            planner=conversation.planner or "none",
            params=params,
        )
        probe = _cache_probe(session, conversation, message, messages, params, model_id)
    if probe is not None and (hit := _look_up(probe, state)):
        state.citations = hit.citations
        if request.knowledge_base_ids:
            events.publish(EventType.CITATIONS, {"citations": hit.citations})
        _emit(events, state, hit.answer)
        return composed_completion(model_id, state)
    augmented = augment(events, request, messages)
    state.citations, state.trace = augmented.citations, augmented.trace
    emit = partial(_emit, events, state)
    if augmented.preface:
        emit(augmented.preface + ("\n\n" if augmented.generate else ""))
    if not augmented.generate:
        return composed_completion(model_id, state)
    completion = stream_tokens(events, model_id, augmented.messages, params, state.add)
    question = messages[-1]["content"] if messages else ""
    footer = sources_footer(completion.text, state.citations, question) if completion and state.trace else ""
    if footer:  # agent answers only: the plain knowledge-base path is unchanged
        emit(footer)
    return completion


def _cache_probe(session, conversation, message, messages, params, model_id) -> semantic_cache.Probe | None:
    """The semantic cache's probe; a failing cache (embedder, database) answers as if there were none."""
    try:
        return semantic_cache.probe(session, conversation, message, messages, params, model_id)
    except Exception as exc:  # noqa: BLE001 - the answer matters more than the cache
        logger.opt(exception=exc).warning("semantic cache lookup for message {} failed", message.id)
        return None


def _cache_answer(client, probe: semantic_cache.Probe, message_id: int, state: AnswerState) -> None:
    """Stored before `done` so the next question finds it; a failure here must not lose the `done` event."""
    try:
        semantic_cache.store(client, probe, message_id, state.content, state.citations)
    except Exception as exc:  # noqa: BLE001
        logger.opt(exception=exc).warning("semantic cache store for message {} failed", message_id)


def _look_up(probe: semantic_cache.Probe, state: AnswerState) -> semantic_cache.Hit | None:
    hit = semantic_cache.lookup(redis_client(), probe)
    state.cache = hit.record() if hit else {"hit": False}
    state.probe = None if hit else probe
    return hit


def _emit(events: EventPublisher, state: AnswerState, text: str) -> None:
    """Answer text that is not generated (verbatim tool results, a sources line), sent like a token."""
    state.add(text)
    events.publish(EventType.TOKEN, {"text": text})


def composed_completion(model_id: str, state: AnswerState) -> Completion:
    """The completion of an answer composed entirely from exact tool results: no model call, no tokens."""
    elapsed_ms = ((state.first_token_at or state.started) - state.started) * 1000
    return Completion(model_id, state.content, "stop", 0, 0, elapsed_ms, 0.0)


def run_chat_job(message_id: int) -> str:
    """Entry point of the `generation.generate` task. Returns the final status."""
    client = redis_client()
    client.zrem(pending_queue_key(QUEUE_GENERATION), message_id)
    events = publisher(JobKind.MESSAGE, message_id)
    state = AnswerState()
    # The lease exists before the claim so the API never sees `streaming` without a live worker behind it.
    with JobLease(client, JobKind.MESSAGE, message_id) as lease:
        if not lease.held or not claim(message_id):
            logger.info("message {} is no longer pending; not answering it twice", message_id)
            return "skipped"
        try:
            completion = _stream_answer(events, message_id, state)
        except EngineError as exc:
            return _fail(events, message_id, state, error_code(exc), str(exc))
        except Exception as exc:  # noqa: BLE001 - the worker must survive and record why
            logger.opt(exception=exc).error("generation for message {} failed", message_id)
            return _fail(events, message_id, state, "generation_failed", f"Generation failed: {exc}")
        status = (
            MessageStatus.CANCELLED
            if completion is None or completion.finish_reason == "cancelled"
            else MessageStatus.DONE
        )
        final = finish(message_id, state, status, completion)
        extra = {"finish_reason": completion.finish_reason if completion else "cancelled"}
        if completion is not None and completion.truncated_history:
            extra["truncated_history"] = True
        if status == MessageStatus.DONE and state.probe is not None and state.content:
            _cache_answer(client, state.probe, message_id, state)
        events.publish(EventType.DONE, {"message": final, **extra})
        return status


def _fail(events: EventPublisher, message_id: int, state: AnswerState, code: str, message: str) -> str:
    finish(message_id, state, MessageStatus.FAILED, error=message)
    events.publish(EventType.ERROR, {"code": code, "message": message})
    return "failed"
