"""The typed job events: one data model per event type and the discriminated union the SSE routes publish.

Workers and the API validate every event's data against its model when they publish it
(app/kernel/events.py), so a field renamed on one side fails where it is written, not in a browser.
The union is published in OpenAPI as `JobEvent` (app/events/relay.py).
"""

import operator
from functools import reduce
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model

from app.kernel.contracts import EventType


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _JobState(_Data):
    """What every status says, and the model or stage a job is at."""

    state: str
    model: str | None = None  # the model an answer loads and generates with
    model_id: str | None = None  # the model being pulled
    stage: str | None = None  # what a fine-tune or merge prepares


class _QueuedState(_Data):
    """A waiting job's place in its queue, or (`message`) why no worker takes it."""

    queue_position: int | None = None
    message: str | None = None


class _AnswerState(_Data):
    """An answer's first status names both messages of the exchange; with state nothing_relevant, `relevance`
    holds each knowledge base's decision."""

    user_message_id: int | None = None
    assistant_message_id: int | None = None
    relevance: list[dict[str, Any]] | None = None


class StatusData(_AnswerState, _QueuedState, _JobState):
    """Where a job is: queued (with its position, or why no worker takes it), loading, generating, parsing..."""


class TokenData(_Data):
    text: str


class CitationsData(_Data):
    citations: list[dict[str, Any]]
    relevance: list[dict[str, Any]] | None = None  # each knowledge base's "nothing relevant" decision


class ToolData(_Data):
    """One agent tool call, published before the answer it informs."""

    name: str
    arguments: Any
    result_preview: str
    duration_ms: int
    ok: bool
    error: str | None = None
    images: list[str] | None = None  # base64 PNG figures (the python tool's plots)


class ProgressData(_Data):
    """Progress of a long job: a stage and fraction (pull, merge), done/total (indexing), or a training step."""

    stage: str | None = None
    fraction: float | None = None
    done: int | None = None
    total: int | None = None
    step: int | None = None
    total_steps: int | None = None
    epoch: float | None = None
    loss: float | None = None
    learning_rate: float | None = None
    tokens_per_s: float | None = None
    eta_s: float | None = None


class DoneData(_Data):
    """The job's result; which field is set depends on the job kind."""

    message: dict[str, Any] | None = None  # an answer (MessagePublic)
    finish_reason: str | None = None  # a /v1 completion, with its usage
    usage: dict[str, int] | None = None
    tool_calls: list[dict[str, Any]] | None = None  # a /v1 completion's function calls (OpenAI `tool_calls`)
    document: dict[str, Any] | None = None  # an indexed document (DocumentPublic)
    job: dict[str, Any] | None = None  # a fine-tune job (FinetuneJobDetail)
    merge: dict[str, Any] | None = None  # a merged adapter (FinetuneMergePublic)
    hits: list[dict[str, Any]] | None = None  # a knowledge search, with its relevance decision
    relevance: dict[str, Any] | None = None
    embeddings: list[list[float]] | None = None  # /v1/embeddings, with its prompt_tokens
    prompt_tokens: int | None = None
    model_id: str | None = None  # a pulled model and where it lies
    path: str | None = None


class ErrorData(_Data):
    code: str
    message: str
    job: dict[str, Any] | None = None  # a failed fine-tune job's final state


DATA_MODELS: dict[EventType, type[_Data]] = {
    EventType.STATUS: StatusData,
    EventType.TOKEN: TokenData,
    EventType.CITATIONS: CitationsData,
    EventType.TOOL: ToolData,
    EventType.PROGRESS: ProgressData,
    EventType.DONE: DoneData,
    EventType.ERROR: ErrorData,
}


class _Event(BaseModel):
    seq: int | None = Field(None, description="Per-job sequence number; the SSE `id`, for Last-Event-ID.")


def _event_model(event_type: EventType, data_model: type[_Data]) -> type[_Event]:
    """The event `{seq, type, data}` of one type, named after it: `TokenEvent` for `token`."""
    type_field: Any = Literal[event_type.value]  # a type made at run time, which type checkers cannot follow
    return create_model(
        f"{event_type.value.title()}Event",
        __base__=_Event,
        __module__=__name__,
        type=(type_field, ...),
        data=(data_model, ...),
    )


EVENT_MODELS = {event_type: _event_model(event_type, data_model) for event_type, data_model in DATA_MODELS.items()}
StatusEvent, TokenEvent, CitationsEvent, ToolEvent, ProgressEvent, DoneEvent, ErrorEvent = EVENT_MODELS.values()
_ANY_EVENT: Any = reduce(operator.or_, EVENT_MODELS.values())
JOB_EVENT: TypeAdapter[_Event] = TypeAdapter(Annotated[_ANY_EVENT, Field(discriminator="type")])
"""The union of the events, told apart by `type`; OpenAPI's `JobEvent`."""


def validate_event_data(event_type: EventType | str, data: dict[str, Any]) -> None:
    """Raise pydantic's ValidationError when `data` does not fit its event type's model."""
    DATA_MODELS[EventType(event_type)].model_validate(data)
