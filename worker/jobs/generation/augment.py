"""Before the answer streams: run the agent (tools) or retrieve from knowledge bases, emitting their events."""

import json
from dataclasses import dataclass, field, replace
from functools import partial

from app.kernel.contracts import EventType
from app.kernel.events import EventPublisher
from app.kernel.registry.registry import get_registry
from app.kernel.settings import get_settings
from app.kernel.usage import record_usage
from worker.agent import AgentContext, run_agent
from worker.engine.engine import get_engine
from worker.engine.generation import GenerationParams
from worker.jobs.generation.grounding import CITE_INSTRUCTION, ground, search_results, with_system_note
from worker.runtime import db_sessions

TOOL_CALL_PARAMS = GenerationParams(temperature=0, max_new_tokens=256)
MAX_CONTEXT_TOKENS = 1200
CHAT_TEMPLATE_OVERHEAD = 8  # role markers and separators per message


@dataclass(frozen=True)
class AugmentRequest:
    owner_id: int
    model_id: str
    knowledge_base_ids: list[int]
    planner: str
    params: GenerationParams


@dataclass
class Augmented:
    """What to answer from; `preface` (exact tool results) opens the answer, the model writes on if `generate`."""

    messages: list[dict[str, str]]
    citations: list[dict] = field(default_factory=list)
    trace: list[dict] = field(default_factory=list)
    preface: str = ""
    generate: bool = True


def _context_budget(model_id: str, messages: list[dict[str, str]], params: GenerationParams) -> int:
    """Room for passages: the context window minus the conversation, the instructions and the answer."""
    spec = get_registry().resolve(model_id).spec
    answer = params.max_new_tokens or spec.generation.get("max_new_tokens", 512)
    count = partial(get_engine().count_tokens, model_id)
    used = sum(count(m["content"]) + CHAT_TEMPLATE_OVERHEAD for m in messages) + count(CITE_INSTRUCTION)
    return min(MAX_CONTEXT_TOKENS, spec.context_length - answer - used - CHAT_TEMPLATE_OVERHEAD)


def _complete(
    owner_id: int, model_id: str, messages: list[dict[str, str]], params: GenerationParams = TOOL_CALL_PARAMS
) -> str:
    """One model call of the agent (planner, small-model tool); its tokens count against the owner's quota."""
    completion = get_engine().complete(model_id, messages, params)
    with db_sessions()() as session:
        record_usage(session, owner_id, completion.prompt_tokens, completion.completion_tokens)
        session.commit()
    return completion.text


def _complete_json(
    owner_id: int, model_id: str, messages: list[dict[str, str]], schema: dict, tools: list[dict] | None
) -> str:
    """A reply decoded under `schema` (llguidance on transformers, structured outputs on vLLM); `tools` go to
    the model's own tool-calling template."""
    params = replace(TOOL_CALL_PARAMS, json_schema=json.dumps(schema), tools=json.dumps(tools) if tools else None)
    return _complete(owner_id, model_id, messages, params)


def _embed(texts: list[str]):
    from worker.rag.embedder import get_embedder

    return get_embedder(get_settings().embedding_model).encode(texts)


def augment(events: EventPublisher, request: AugmentRequest, messages: list[dict[str, str]]) -> Augmented:
    if request.planner in ("deterministic", "llm"):
        return _with_agent(events, request, messages)
    if request.knowledge_base_ids:
        return _with_knowledge(events, request, messages)
    return Augmented(messages)


def _with_knowledge(events: EventPublisher, request: AugmentRequest, messages: list[dict[str, str]]) -> Augmented:
    events.publish(EventType.STATUS, {"state": "retrieving"})
    question = messages[-1]["content"]
    budget = _context_budget(request.model_id, messages, request.params)
    count = partial(get_engine().count_tokens, request.model_id)
    grounding = ground(request.owner_id, request.knowledge_base_ids, question, budget, count)
    events.publish(EventType.CITATIONS, {"citations": grounding.citations})
    return Augmented(with_system_note(messages, grounding.system_note), grounding.citations)


def _with_agent(events: EventPublisher, request: AugmentRequest, messages: list[dict[str, str]]) -> Augmented:
    trace: list[dict] = []

    def on_tool_event(event: dict) -> None:
        trace.append(event)
        events.publish(EventType.TOOL, event)

    settings = get_settings()
    context = AgentContext(
        complete=partial(_complete, request.owner_id, request.model_id),
        complete_json=partial(_complete_json, request.owner_id, request.model_id),
        tool_template=request.planner == "llm" and get_engine().has_tool_template(request.model_id),
        small_complete=partial(_complete, request.owner_id, settings.small_model or request.model_id),
        knowledge_search=(
            partial(search_results, request.owner_id, request.knowledge_base_ids)
            if request.knowledge_base_ids
            else None
        ),
        embed=_embed,
        on_tool_event=on_tool_event,
    )
    events.publish(EventType.STATUS, {"state": "planning"})
    result = run_agent(messages, context, request.planner)
    if result.citations:
        events.publish(EventType.CITATIONS, {"citations": result.citations})
    return Augmented(result.messages, result.citations, trace, result.preface, result.generate)
