"""Chat messages: validation and turning them into prompt token ids that fit the context window."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.kernel.registry.errors import InvalidRequestError
from worker.engine.tool_calls import plain_turns

ROLES = ("system", "user", "assistant", "tool")


def validate_messages(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Check roles and contents; returns `{role, content}` dicts (plus an assistant's `tool_calls` and a tool
    result's `tool_call_id`, in the OpenAI shape with decoded arguments)."""
    if not messages:
        raise InvalidRequestError("messages must be a non-empty list of {role, content}")
    clean = []
    for index, message in enumerate(messages):
        role, content, calls = message.get("role"), message.get("content"), message.get("tool_calls")
        if role not in ROLES:
            raise InvalidRequestError(f"messages[{index}].role is {role!r}; expected one of {', '.join(ROLES)}")
        if calls and role == "assistant":
            clean.append({"role": role, "content": content or "", "tool_calls": list(calls)})
            continue
        if not isinstance(content, str) or not content.strip():
            raise InvalidRequestError(f"messages[{index}].content must be a non-empty string")
        extra = {"tool_call_id": message["tool_call_id"]} if message.get("tool_call_id") else {}
        clean.append({"role": role, "content": content, **extra})
    return clean


@dataclass(frozen=True)
class Prompt:
    token_ids: list[int]
    truncated_history: bool


def build_prompt(
    tokenizer,
    messages: list[dict[str, Any]],
    budget: int,
    chat_template: str | None = None,
    tools: list[dict] | None = None,
) -> Prompt:
    """Apply the chat template; drop the oldest non-system turns until the prompt fits `budget` tokens.

    `tools` (OpenAI function schemas) are rendered by the template's own tool-calling format where it has one.

    The system prompt and the last message are never dropped; if they alone exceed the budget the request
    is rejected rather than silently cut mid-message.
    """
    kept = list(messages)
    truncated = False
    while True:
        ids = _encode(tokenizer, kept, chat_template, tools)
        if len(ids) <= budget:
            return Prompt(ids, truncated)
        droppable = [i for i, m in enumerate(kept[:-1]) if m["role"] != "system"]
        if not droppable:
            raise InvalidRequestError(
                f"prompt needs {len(ids)} tokens but only {budget} fit the context window "
                "(after reserving max_new_tokens); shorten the last message or the system prompt"
            )
        del kept[droppable[0]]
        truncated = True


def prompt_budget(context_length: int, params, model_id: str) -> int:
    """Tokens left for the prompt once the answer's `max_new_tokens` are set aside; none left is the caller's error."""
    budget = context_length - params.max_new_tokens
    if budget < 1:
        raise InvalidRequestError(
            f"max_new_tokens={params.max_new_tokens} leaves no room for a prompt in the "
            f"{context_length}-token context of {model_id!r}"
        )
    return budget


def parsed_tools(params) -> list[dict] | None:
    """`GenerationParams.tools` (JSON text, so the params stay hashable) as the list the template expects."""
    return json.loads(params.tools) if params.tools else None


def has_tool_template(tokenizer, chat_template: str | None = None) -> bool:
    """Whether the chat template renders a `tools` list itself (Qwen2.5, Llama 3.1, Hermes...)."""
    return "tools" in (chat_template or tokenizer.chat_template or "")


def _encode(
    tokenizer, messages: list[dict[str, Any]], chat_template: str | None, tools: list[dict] | None = None
) -> list[int]:
    native = has_tool_template(tokenizer, chat_template)
    if not native:
        messages = plain_turns(messages)
    if chat_template is None and not tokenizer.chat_template:
        text = "\n".join(f"{m['role']}: {m['content']}" for m in messages) + "\nassistant:"
        return tokenizer(text, add_special_tokens=True)["input_ids"]
    encoded = tokenizer.apply_chat_template(
        messages,
        chat_template=chat_template,
        tools=tools if tools and native else None,
        add_generation_prompt=True,
        tokenize=True,
        return_dict=True,
    )
    return list(encoded["input_ids"])
