"""The tool-call plan as data: the JSON Schema a model is constrained to, and the checks a plan must pass.

A plan is `{"name": <tool>, "arguments": {...}}` (the Hermes/Qwen tool-call shape) or
`{"name": "answer", "arguments": {"reason": "..."}}`. The schema is an `anyOf` with one branch per tool, so
constrained decoding (worker/engine/constrained.py, or vLLM's structured outputs) can only produce a call whose
arguments fit that tool.
"""

import copy
import re

from pydantic import BaseModel, ValidationError

from app.kernel.tool_calls import call_branch
from worker.agent.planners.base import Step
from worker.agent.planners.deterministic import RETRIEVAL_TOOL
from worker.agent.planners.identifiers import is_arithmetic, mask_identifiers
from worker.agent.schema import validate
from worker.agent.tools.base import Tool, ToolError
from worker.agent.tools.calculator import evaluate

ANSWER = "answer"
INVALID_CALL = "invalid_tool_call"
MAX_PLAN_STRING = 300
"""Long enough for any question or expression; short enough that a looping small model stops soon."""
EXPRESSION_PATTERN = r"^[0-9a-z .,+\-*/%^()]+$"
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


class ToolCall(BaseModel):
    name: str
    arguments: dict


def _bounded(parameters: dict) -> dict:
    """The tool's argument schema with every string capped (and the calculator's limited to maths)."""
    schema = copy.deepcopy(parameters)
    for name, prop in schema.get("properties", {}).items():
        if prop.get("type") == "string" and "enum" not in prop:
            prop["maxLength"] = min(prop.get("maxLength", MAX_PLAN_STRING), MAX_PLAN_STRING)
            if name == "expression":
                prop["pattern"] = EXPRESSION_PATTERN
    return schema


def plan_schema(tools: dict[str, Tool]) -> dict:
    """One `anyOf` branch per tool, plus `answer` with a reason."""
    reason = {
        "type": "object",
        "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 120}},
        "required": ["reason"],
        "additionalProperties": False,
    }
    return {
        "anyOf": [call_branch(name, _bounded(tool.parameters)) for name, tool in tools.items()]
        + [call_branch(ANSWER, reason)]
    }


def parse_plan(payload: str, tools: dict[str, Tool]) -> Step:
    """A step from the JSON text of a plan; anything malformed is a step with an `error`, never an exception."""
    try:
        call = ToolCall.model_validate_json(payload)
    except ValidationError as exc:
        problem = exc.errors()[0]
        kind = "not valid JSON" if problem["type"] == "json_invalid" else 'expected {"name": .., "arguments": {..}}'
        return Step("tool", INVALID_CALL, {"raw": payload[:500]}, f"tool call is {kind}: {problem['msg']}")
    if call.name == ANSWER:
        return Step(ANSWER, reason=str(call.arguments.get("reason", "")))
    if call.name not in tools:
        return Step("tool", call.name, call.arguments, f"unknown tool '{call.name}'")
    return Step("tool", call.name, call.arguments)


def implausible(step: Step, question: str, tools: dict[str, Tool]) -> str | None:
    """Why a well-formed step does not fit the question, or None.

    Small models produce valid but arbitrary plans; these checks catch the ones that would hurt: arguments
    that break the tool's schema, a calculation whose numbers are not in the question, a tool none of whose
    topic words occur in the question.
    """
    tool = tools.get(step.name)
    if tool is None:
        return f"unknown tool '{step.name}'"
    errors = validate(step.arguments, tool.parameters)
    if errors:
        return "invalid arguments: " + "; ".join(errors)
    if tool.pattern_routed:
        return _check_pattern_tool(step, question, tool)
    words = set(re.findall(r"[a-z][a-z-]*", question.lower()))
    if tool.keywords and not words & tool.keywords and tool.name != RETRIEVAL_TOOL:
        return f"nothing in the question is about {tool.name}"
    return None


def _check_pattern_tool(step: Step, question: str, tool: Tool) -> str | None:
    expression = str(step.arguments.get("expression", ""))
    if "expression" in step.arguments:
        if not is_arithmetic(expression):
            return f"'{expression}' is not a calculation"
        try:
            evaluate(expression)
        except ToolError as exc:
            return f"the calculator rejects '{expression}': {exc}"
        masked = mask_identifiers(question)
        suggested = str((tool.suggest_args(masked) or {}).get("expression", ""))
        used = _NUMBER.findall(expression)
        foreign = [n for n in used if n not in set(_NUMBER.findall(f"{masked} {suggested}"))]
        if foreign:
            return f"numbers not in the question: {', '.join(foreign)}"
        left_out = [n for n in _NUMBER.findall(suggested) if n not in used]
        return f"the calculation leaves out {', '.join(left_out)}" if left_out else None
    return None if tool.suggest_args(question) is not None else f"the question is not a {tool.name} request"
