"""Planner driven by the chat model: one JSON tool call per step, decoded under the plan's JSON Schema.

With `complete_json` (constrained decoding in the engine) even a 135M model can only write a well-formed call
whose arguments fit the tool. Well-formed is not the same as sensible, so every step is checked against the
question (worker/agent/planners/plan.py); a step that fails, or a reply that is not a plan at all, is replaced
by the deterministic planner's step: a bad plan means the rule-based plan, never "no tools".
"""

import json
import logging
import re

from worker.agent.context import Complete, CompleteJson, EmbedFn, Messages
from worker.agent.planners.base import Observation, Step
from worker.agent.planners.deterministic import DeterministicPlanner
from worker.agent.planners.plan import ANSWER, INVALID_CALL, implausible, parse_plan, plan_schema
from worker.agent.tools.base import Tool

log = logging.getLogger(__name__)

_CALL = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)

SYSTEM_PROMPT = """You decide which tool, if any, is needed before the user's question is answered.

# Tools

You are provided with function signatures within <tools></tools> XML tags:
<tools>
{tools}
</tools>

Reply with one JSON object: {{"name": <function-name>, "arguments": <args-json-object>}}.
Use calculator for arithmetic, sql_query for questions about sales, orders, customers or products, \
knowledge_search for questions about documents or anything the user's files may answer.
When no (further) tool is needed, reply {{"name": "answer", "arguments": {{"reason": <why>}}}}."""

NATIVE_PROMPT = """You decide which tool, if any, is needed before the user's question is answered. \
Use calculator for arithmetic, sql_query for questions about sales, orders, customers or products, \
knowledge_search for questions about documents or anything the user's files may answer. \
When no (further) tool is needed, call "answer" with the reason."""

EXAMPLES: tuple[tuple[str, str, dict], ...] = (
    ("What is 12 * (3 + 4)?", "calculator", {"expression": "12 * (3 + 4)"}),
    ("How many orders were placed in 2024?", "sql_query", {"question": "How many orders were placed in 2024?"}),
    ("What does the travel policy say about hotels?", "knowledge_search", {"query": "travel policy hotels"}),
    ("Thanks, that helps!", "answer", {"reason": "small talk"}),
)


ANSWER_SCHEMA = {
    "type": "function",
    "function": {
        "name": ANSWER,
        "description": "Answer the question now, without (further) tools; say why no tool is needed.",
        "parameters": {"type": "object", "properties": {"reason": {"type": "string"}}, "required": ["reason"]},
    },
}


def native_tools(tools: dict[str, Tool]) -> list[dict]:
    """The tools as OpenAI function schemas, `answer` included, for the prompt or a native tool template."""
    return [tool.schema() for tool in tools.values()] + [ANSWER_SCHEMA]


def parse_reply(reply: str, tools: dict[str, Tool]) -> Step:
    """The step in a reply: a JSON plan, bare or inside <tool_call> tags; prose means 'answer' without a reason."""
    match = _CALL.search(reply)
    payload = match.group(1) if match else reply.strip()
    if not match and not payload.startswith("{"):
        return Step(ANSWER)
    return parse_plan(payload, tools)


def _call_turn(name: str, arguments: dict, native: bool) -> dict:
    """The assistant's call: in the template's own `tool_calls` format, or as the JSON the prompt asks for."""
    if native:
        call = {"type": "function", "function": {"name": name, "arguments": arguments}}
        return {"role": "assistant", "content": "", "tool_calls": [call]}
    return {"role": "assistant", "content": json.dumps({"name": name, "arguments": arguments})}


def _result_turn(text: str, native: bool) -> dict:
    if native:
        return {"role": "tool", "content": text}
    return {"role": "user", "content": f"<tool_response>\n{text}\n</tool_response>"}


def _few_shot(tools: dict[str, Tool], native: bool) -> Messages:
    turns: Messages = []
    for question, name, arguments in EXAMPLES:
        if name in tools or name == ANSWER:
            turns += [{"role": "user", "content": question}, _call_turn(name, arguments, native)]
    return turns


class LLMPlanner:
    """`complete_json(messages, schema)` decodes under a JSON Schema; without it, `complete`'s text is parsed."""

    def __init__(
        self,
        complete: Complete,
        complete_json: CompleteJson | None = None,
        embed: EmbedFn | None = None,
        tool_template: bool = False,
    ):
        self._complete = complete
        self._complete_json = complete_json
        self._tool_template = tool_template and complete_json is not None
        self._fallback = DeterministicPlanner(embed)
        self.fallbacks: list[str] = []
        """Why each replaced step was replaced (shown in logs and counted by bench/agent_eval.py)."""

    def next_step(self, question: str, tools: dict[str, Tool], observations: list[Observation]) -> Step:
        try:
            step = self._model_step(question, tools, observations)
            problem = self._problem(step, question, tools, observations)
        except Exception as exc:  # noqa: BLE001 - a failing planning call (context overflow, engine error)
            problem = f"the planning call failed: {type(exc).__name__}: {exc}"[:300]
        if problem is None:
            return step
        self.fallbacks.append(problem)
        log.info("llm plan replaced by the deterministic planner: %s", problem)
        return self._fallback.next_step(question, tools, observations)

    def _model_step(self, question: str, tools: dict[str, Tool], observations: list[Observation]) -> Step:
        messages = self._messages(question, tools, observations, self._tool_template)
        if self._complete_json is not None:
            native = native_tools(tools) if self._tool_template else None
            return parse_plan(self._complete_json(messages, plan_schema(tools), native), tools)
        return parse_reply(self._complete(messages), tools)

    def _problem(
        self, step: Step, question: str, tools: dict[str, Tool], observations: list[Observation]
    ) -> str | None:
        if step.error is not None:
            return step.error
        if step.action == ANSWER:
            pending = self._fallback.next_step(question, tools, observations)
            if pending.action == ANSWER or any(o.name == pending.name for o in observations):
                return None
            return f"answering while {pending.name} is still needed"
        if problem := implausible(step, question, tools):
            return problem
        if any(o.name == step.name and (o.ok or o.arguments == step.arguments) for o in observations):
            return f"{step.name} already ran for this question"
        return None

    @staticmethod
    def _messages(
        question: str, tools: dict[str, Tool], observations: list[Observation], native: bool = False
    ) -> Messages:
        """The planning conversation; with a native tool template the template lists the tools itself and
        renders the example and earlier calls and their results in its own format (Qwen2.5: `<tool_call>`,
        `<tool_response>`)."""
        schemas = "\n".join(json.dumps(schema) for schema in native_tools(tools))
        system = NATIVE_PROMPT if native else SYSTEM_PROMPT.format(tools=schemas)
        messages = [{"role": "system", "content": system}, *_few_shot(tools, native)]
        messages.append({"role": "user", "content": question})
        for obs in observations:
            status = "" if obs.ok else "ERROR: "
            messages += [
                _call_turn(obs.name, obs.arguments, native),
                _result_turn(f"{status}{obs.text}" or "(no output)", native),
            ]
        return messages


__all__ = ["INVALID_CALL", "LLMPlanner", "parse_reply"]
