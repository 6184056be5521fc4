"""Before the answer streams: run the agent (tools) or retrieve from knowledge bases, emitting their events."""

from dataclasses import dataclass, field
from functools import partial

from app.kernel.contracts import EventType
from app.kernel.events import EventPublisher
from app.kernel.registry.registry import get_registry
from app.kernel.settings import get_settings
from worker.agent import AgentContext, run_agent
from worker.chat.grounding import CITE_INSTRUCTION, ground, search_results, with_system_note
from worker.engine.engine import get_engine
from worker.engine.generation import GenerationParams

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
    messages: list[dict[str, str]]
    citations: list[dict] = field(default_factory=list)
    trace: list[dict] = field(default_factory=list)
    answer: str | None = None  # given as it is instead of generating (nothing relevant in the knowledge bases)


def _context_budget(model_id: str, messages: list[dict[str, str]], params: GenerationParams) -> int:
    """Room for passages: the context window minus the conversation, the instructions and the answer."""
    spec = get_registry().resolve(model_id).spec
    answer = params.max_new_tokens or spec.generation.get("max_new_tokens", 512)
    count = partial(get_engine().count_tokens, model_id)
    used = sum(count(m["content"]) + CHAT_TEMPLATE_OVERHEAD for m in messages) + count(CITE_INSTRUCTION)
    return min(MAX_CONTEXT_TOKENS, spec.context_length - answer - used - CHAT_TEMPLATE_OVERHEAD)


def _complete(model_id: str, messages: list[dict[str, str]]) -> str:
    return get_engine().complete(model_id, messages, TOOL_CALL_PARAMS).text


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
    events.publish(EventType.CITATIONS, {"citations": grounding.citations, "relevance": grounding.relevance})
    if grounding.answer is not None:
        events.publish(EventType.STATUS, {"state": "nothing_relevant", "relevance": grounding.relevance})
        return Augmented(messages, answer=grounding.answer)
    return Augmented(with_system_note(messages, grounding.system_note), grounding.citations)


def _with_agent(events: EventPublisher, request: AugmentRequest, messages: list[dict[str, str]]) -> Augmented:
    trace: list[dict] = []

    def on_tool_event(event: dict) -> None:
        trace.append(event)
        events.publish(EventType.TOOL, event)

    settings = get_settings()
    context = AgentContext(
        complete=partial(_complete, request.model_id),
        small_complete=partial(_complete, settings.small_model or request.model_id),
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
    return Augmented(result.messages, result.citations, trace)
