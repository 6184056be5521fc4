"""OpenAI function calling in the Hermes/Qwen format, for every engine: schemas, prompts, parsing.

A call is `{"name": <function>, "arguments": {...}}`. Templates with a tool format (Qwen2.5) render the tools
themselves and the model writes `<tool_call>{...}</tool_call>`; for the others the tools go into a system
prompt, and the tool history (assistant `tool_calls`, `tool` results) is written out as text in the same
format. `call_schema` (app/kernel/tool_calls.py) is what constrained decoding compiles (worker/engine/constrained.py,
vLLM's structured outputs), so that a forced call always fits one of the functions.
"""

import json
import re
import uuid
from typing import Any

from llguidance import LLMatcher

from app.kernel.registry.errors import InvalidRequestError
from app.kernel.tool_calls import call_branch

OPEN_TAG = "<tool_call>"
_CALL = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)

TOOLS_PROMPT = """You may call functions to help with the user's request.

# Tools

You are provided with function signatures within <tools></tools> XML tags:
<tools>
{tools}
</tools>

To call a function, reply with one JSON object: {{"name": <function-name>, "arguments": <args-json-object>}}."""


class ToolSchemaError(InvalidRequestError):
    """A tool's parameters cannot be compiled into a decoding grammar (answered 400 `invalid_tools`)."""


def check_compiles(functions: dict[str, dict]) -> None:
    """Raise `ToolSchemaError` naming the function whose parameters constrained decoding cannot use."""
    for name, parameters in functions.items():
        grammar = LLMatcher.grammar_from_json_schema(json.dumps(call_branch(name, parameters)))
        if problem := LLMatcher.validate_grammar(grammar):
            raise ToolSchemaError(f"tools: function '{name}' has parameters that cannot be used: {problem}")


def functions_of(tools: list[dict]) -> dict[str, dict]:
    """OpenAI tool definitions -> {name: parameters schema}."""
    return {tool["function"]["name"]: tool["function"].get("parameters", {"type": "object"}) for tool in tools}


def tools_prompt(tools: list[dict]) -> str:
    return TOOLS_PROMPT.format(tools="\n".join(json.dumps(tool, ensure_ascii=False) for tool in tools))


def with_system(messages: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """`text` first in the system prompt (merged into an existing one)."""
    if messages and messages[0]["role"] == "system":
        return [{**messages[0], "content": f"{text}\n\n{messages[0]['content']}"}, *messages[1:]]
    return [{"role": "system", "content": text}, *messages]


def plain_turns(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The tool history as plain role/content turns, for templates and servers without a tool format."""
    plain = []
    for message in messages:
        content = message.get("content") or ""
        if message["role"] == "tool":
            plain.append({"role": "user", "content": f"<tool_response>\n{content}\n</tool_response>"})
            continue
        calls = [
            f"{OPEN_TAG}\n{json.dumps(call['function'], ensure_ascii=False)}\n</tool_call>"
            for call in message.get("tool_calls") or ()
        ]
        plain.append({"role": message["role"], "content": "\n".join([content, *calls] if content else calls)})
    return plain


def new_call(name: str, arguments: Any) -> dict:
    """An OpenAI `tool_calls` entry: arguments as a JSON string."""
    return {
        "id": f"call_{uuid.uuid4().hex[:24]}",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments, ensure_ascii=False)},
    }


def parse_call(payload: str, functions: dict[str, dict]) -> dict | None:
    """A call from its JSON text, or None when it is not a call of one of `functions`."""
    try:
        call = json.loads(payload)
    except json.JSONDecodeError:
        return None
    if not isinstance(call, dict) or call.get("name") not in functions:
        return None
    arguments = call.get("arguments", call.get("parameters", {}))
    return new_call(call["name"], arguments if isinstance(arguments, dict) else {})


def parse_tool_calls(text: str, functions: dict[str, dict]) -> tuple[str, list[dict]]:
    """(the text before the first `<tool_call>`, the well-formed calls in the text)."""
    start = text.find(OPEN_TAG)
    if start < 0:
        return text, []
    calls = [call for payload in _CALL.findall(text[start:]) if (call := parse_call(payload, functions))]
    return (text[:start].rstrip(), calls) if calls else (text, [])


class HoldBack:
    """Streams text until `<tool_call>` begins; from there on (and any partial tag) is held back."""

    def __init__(self) -> None:
        self.text = ""
        self._shown = 0
        self._held = False

    def feed(self, piece: str) -> str:
        self.text += piece
        if self._held:
            return ""
        start = self.text.find(OPEN_TAG)
        if start >= 0:
            self._held = True
            return self._show(start)
        partial = next((n for n in range(len(OPEN_TAG) - 1, 0, -1) if self.text.endswith(OPEN_TAG[:n])), 0)
        return self._show(len(self.text) - partial)

    def rest(self) -> str:
        """What was held back, once the answer turned out to contain no call."""
        return self._show(len(self.text))

    def _show(self, end: int) -> str:
        shown, self._shown = self.text[self._shown : end], max(self._shown, end)
        return shown
