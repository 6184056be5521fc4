"""A /v1 completion with `tools`: which way the model calls them, and the calls it made.

- `tool_choice` none: a plain answer (the tool history is still shown to the model).
- `required` or a named function: decoded under the functions' call schema, so the call always fits one.
- `auto` with a tool template (Qwen2.5): the template lists the tools; text streams until `<tool_call>`, and
  the calls are parsed from the rest.
- `auto` without one (SmolLM2): a constrained decision first (a call, or `reply` for a text answer), then, for
  a reply, a plain answer streamed as usual. Small models cannot be trusted to write the tag format unaided.
"""

import json
from dataclasses import dataclass, field, replace
from typing import Any

from app.kernel.contracts import EventType
from app.kernel.events import EventPublisher
from app.kernel.registry.errors import InvalidRequestError
from app.kernel.tool_calls import call_schema
from worker.engine.engine import get_engine
from worker.engine.generation import Completion, GenerationParams
from worker.engine.tool_calls import (
    HoldBack,
    check_compiles,
    functions_of,
    parse_call,
    parse_tool_calls,
    tools_prompt,
    with_system,
)
from worker.jobs.generation.token_events import stream_tokens

REPLY = "reply"
"""The decision branch for a text answer (renamed when a tool has the same name)."""


@dataclass
class ToolAnswer:
    completion: Completion | None
    tool_calls: list[dict] = field(default_factory=list)


def _silent(_text: str) -> str:
    return ""


def _ignore(_text: str) -> None:
    return None


def complete_with_tools(
    events: EventPublisher,
    model_id: str,
    messages: list[dict[str, Any]],
    params: GenerationParams,
    tools: list[dict],
    tool_choice: str | dict,
) -> ToolAnswer:
    if not tools or tool_choice == "none":
        return ToolAnswer(stream_tokens(events, model_id, messages, params, _ignore))
    functions = functions_of(tools)
    native = get_engine().has_tool_template(model_id)
    prompt = messages if native else with_system(messages, tools_prompt(tools))
    params = replace(params, tools=json.dumps(tools)) if native else params
    if isinstance(tool_choice, dict):
        name = tool_choice["function"]["name"]
        return _forced(events, model_id, prompt, params, {name: functions[name]})
    if tool_choice == "required":
        return _forced(events, model_id, prompt, params, functions)
    if native:
        return _auto_native(events, model_id, prompt, params, functions)
    return _decide_then_answer(events, model_id, messages, params, tools)


def _constrained(
    events: EventPublisher, model_id: str, prompt: list[dict[str, Any]], params: GenerationParams, functions: dict
) -> tuple[Completion | None, dict | None]:
    check_compiles(functions)
    schema = json.dumps(call_schema(functions))
    completion = stream_tokens(events, model_id, prompt, replace(params, json_schema=schema), _ignore, _silent)
    if completion is None or completion.finish_reason == "cancelled":
        return completion, None
    call = parse_call(completion.text, functions)
    if call is None:
        raise InvalidRequestError(
            f"the tool call did not fit in max_tokens={completion.completion_tokens}; raise max_tokens and retry"
        )
    return completion, call


def _forced(
    events: EventPublisher, model_id: str, prompt: list[dict[str, Any]], params: GenerationParams, functions: dict
) -> ToolAnswer:
    completion, call = _constrained(events, model_id, prompt, params, functions)
    return ToolAnswer(completion, [call] if call else [])


def _auto_native(
    events: EventPublisher, model_id: str, prompt: list[dict[str, Any]], params: GenerationParams, functions: dict
) -> ToolAnswer:
    held = HoldBack()
    completion = stream_tokens(events, model_id, prompt, params, _ignore, held.feed)
    if completion is None:
        return ToolAnswer(None)
    content, calls = parse_tool_calls(completion.text, functions)
    if calls:
        return ToolAnswer(replace(completion, text=content), calls)
    if rest := held.rest():
        events.publish(EventType.TOKEN, {"text": rest})
    return ToolAnswer(completion)


def _decide_then_answer(
    events: EventPublisher,
    model_id: str,
    messages: list[dict[str, Any]],
    params: GenerationParams,
    tools: list[dict],
) -> ToolAnswer:
    functions = functions_of(tools)
    reply = REPLY
    while reply in functions:
        reply = f"_{reply}"
    empty = {"type": "object", "properties": {}, "additionalProperties": False}
    hint = f'To answer in text instead, reply {{"name": "{reply}", "arguments": {{}}}}.'
    prompt = with_system(messages, f"{tools_prompt(tools)}\n{hint}")
    decision, call = _constrained(events, model_id, prompt, params, {**functions, reply: empty})
    if call is None or call["function"]["name"] != reply:
        return ToolAnswer(decision, [call] if call else [])
    answer = stream_tokens(events, model_id, messages, params, _ignore)
    if answer is None or decision is None:
        return ToolAnswer(answer)
    return ToolAnswer(
        replace(
            answer,
            prompt_tokens=answer.prompt_tokens + decision.prompt_tokens,
            completion_tokens=answer.completion_tokens + decision.completion_tokens,
        )
    )
