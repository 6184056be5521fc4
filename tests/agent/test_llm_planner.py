"""The LLM planner parses tool calls strictly; a malformed step becomes an error event, never a crash."""

import json
import time

from worker.agent import AgentContext, run_agent
from worker.agent.planners.llm import INVALID_CALL, parse_reply
from worker.agent.runner import execute
from worker.agent.tools import all_tools
from worker.agent.tools.base import Tool, ToolEnv, ToolOutput


def scripted(*replies):
    """A planning model that plays back `replies`, then answers; records the prompts it saw."""
    seen = []

    def complete(messages):
        seen.append(messages)
        return replies[len(seen) - 1] if len(seen) <= len(replies) else "ANSWER"

    complete.seen = seen
    return complete


def call(name, arguments):
    return f"<tool_call>\n{json.dumps({'name': name, 'arguments': arguments})}\n</tool_call>"


def test_prompt_lists_tool_schemas_and_tool_results_are_fed_back():
    model = scripted(call("calculator", {"expression": "6 * 7"}))
    events = []
    result = run_agent(
        [{"role": "user", "content": "six times seven?"}],
        AgentContext(complete=model, on_tool_event=events.append),
        "llm",
    )
    system = model.seen[0][0]["content"]
    assert '"name": "calculator"' in system and '"parameters"' in system and "<tool_call>" in system
    assert '"name": "knowledge_search"' not in system  # no search injected, so the tool is not offered
    assert "<tool_response>\n6 * 7 = 42\n</tool_response>" in model.seen[1][-1]["content"]
    assert events == result.trace and events[0]["ok"]
    assert "6 * 7 = 42" in result.messages[-1]["content"]


def test_bad_json_and_schema_failures_are_error_events_and_the_agent_goes_on():
    model = scripted(
        "<tool_call>{'name': 'calculator', 'arguments': {}}</tool_call>",  # not JSON
        call("calculator", {"expr": "1 + 1"}),  # fails the schema
        call("calculator", {"expression": "1 + 1"}),
    )
    events = []
    result = run_agent(
        [{"role": "user", "content": "1+1?"}],
        AgentContext(complete=model, on_tool_event=events.append),
        "llm",
    )
    assert [(e["name"], e["ok"]) for e in events] == [
        (INVALID_CALL, False),
        ("calculator", False),
        ("calculator", True),
    ]
    assert "not valid JSON" in events[0]["error"]
    assert "missing required property 'expression'" in events[1]["error"]
    assert "1 + 1 = 2" in result.messages[-1]["content"]


def test_parse_reply_is_strict():
    tools = all_tools()
    assert parse_reply("ANSWER", tools).action == "answer"
    assert parse_reply("The answer is 4.", tools).action == "answer"
    assert parse_reply('{"name": "calculator", "arguments": {"expression": "2"}}', tools).name == "calculator"
    assert parse_reply('<tool_call>{"name": "calculator"}</tool_call>', tools).error
    assert (
        parse_reply('<tool_call>{"name": "rm_rf", "arguments": {}}</tool_call>', tools).error == "unknown tool 'rm_rf'"
    )
    assert parse_reply('<tool_call>["calculator"]</tool_call>', tools).error


def _sleeper(args, env):
    time.sleep(3)
    return ToolOutput("too late")


SLOW = Tool(
    name="slow",
    description="sleeps",
    parameters={"type": "object", "properties": {}},
    run=_sleeper,
    suggest_args=lambda question: None,
    timeout_s=0.2,
)


def test_a_tool_past_its_timeout_becomes_an_error_event():
    started = time.perf_counter()
    run = execute(SLOW, {}, ToolEnv())
    assert time.perf_counter() - started < 1
    assert run.event["ok"] is False and run.event["error"] == "timed out after 0.2s"


def test_agent_returns_when_a_tool_hangs(monkeypatch):
    tools = {"calculator": all_tools()["calculator"], "slow": SLOW}
    monkeypatch.setattr("worker.agent.agent.available_tools", lambda env: tools)
    model = scripted(call("slow", {}), call("calculator", {"expression": "2 + 2"}))
    started = time.perf_counter()
    result = run_agent([{"role": "user", "content": "go"}], AgentContext(complete=model), "llm")
    assert time.perf_counter() - started < 2
    assert [(e["name"], e["ok"]) for e in result.trace] == [("slow", False), ("calculator", True)]
    assert "FAILED: timed out" in result.messages[-1]["content"]


def test_a_crashing_tool_and_a_crashing_planner_do_not_abort(monkeypatch):
    def boom(args, env):
        raise RuntimeError("disk on fire")

    broken = Tool(name="broken", description="x", parameters={"type": "object"}, run=boom, suggest_args=lambda q: None)
    monkeypatch.setattr("worker.agent.agent.available_tools", lambda env: {"broken": broken})
    replies = iter([call("broken", {})])

    def model(messages):
        return next(replies)  # StopIteration on the second planning call: the planner itself fails

    result = run_agent([{"role": "user", "content": "go"}], AgentContext(complete=model), "llm")
    assert result.trace[0]["error"] == "RuntimeError: disk on fire"


def test_steps_are_bounded():
    model = scripted(*[call("calculator", {"expression": f"{i} + 1"}) for i in range(10)])
    result = run_agent([{"role": "user", "content": "count"}], AgentContext(complete=model, max_steps=3), "llm")
    assert len(result.trace) == 3 and len(model.seen) == 3
