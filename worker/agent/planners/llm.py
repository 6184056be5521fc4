"""Planner driven by the chat model through the Hermes/Qwen tool-calling format, parsed strictly."""

import json
import re

from worker.agent.context import Complete
from worker.agent.planners.base import Observation, Step
from worker.agent.tools.base import Tool

INVALID_CALL = "invalid_tool_call"
_CALL = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)

SYSTEM_PROMPT = """You decide whether tools are needed before the user's question is answered.

# Tools

You may call one function at a time to gather information.
You are provided with function signatures within <tools></tools> XML tags:
<tools>
{tools}
</tools>

To call a function, return a json object with the function name and arguments within \
<tool_call></tool_call> XML tags:
<tool_call>
{{"name": <function-name>, "arguments": <args-json-object>}}
</tool_call>
When no (further) tool is needed, reply with the single word ANSWER."""


def parse_reply(reply: str, tools: dict[str, Tool]) -> Step:
    """A tool call must be exactly `{"name": str, "arguments": object}`; anything malformed is an error."""
    match = _CALL.search(reply)
    payload = match.group(1) if match else reply.strip()
    if not match and not payload.startswith("{"):
        return Step("answer")
    try:
        call = json.loads(payload)
    except json.JSONDecodeError as exc:
        return Step("tool", INVALID_CALL, {"raw": payload[:500]}, f"tool call is not valid JSON: {exc}")
    well_formed = isinstance(call, dict) and isinstance(call.get("name"), str)
    if not (well_formed and isinstance(call.get("arguments"), dict)):
        return Step("tool", INVALID_CALL, {"raw": payload[:500]}, 'expected {"name": .., "arguments": {..}}')
    if call["name"] not in tools:
        return Step("tool", call["name"], call["arguments"], f"unknown tool '{call['name']}'")
    return Step("tool", call["name"], call["arguments"])


class LLMPlanner:
    def __init__(self, complete: Complete):
        self._complete = complete

    def next_step(self, question: str, tools: dict[str, Tool], observations: list[Observation]) -> Step:
        schemas = "\n".join(json.dumps(tool.schema()) for tool in tools.values())
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT.format(tools=schemas)},
            {"role": "user", "content": question},
        ]
        for obs in observations:
            call = json.dumps({"name": obs.name, "arguments": obs.arguments})
            status = "" if obs.ok else "ERROR: "
            messages += [
                {"role": "assistant", "content": f"<tool_call>\n{call}\n</tool_call>"},
                {"role": "user", "content": f"<tool_response>\n{status}{obs.text}\n</tool_response>"},
            ]
        return parse_reply(self._complete(messages), tools)
