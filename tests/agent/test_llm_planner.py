"""The LLM planner parses tool calls strictly; a malformed step becomes an error event, never a crash."""

import json
import time

import pytest

from worker.agent import AgentContext, run_agent
from worker.agent.planners import plan
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


def ask(text, model, **ctx):
    return run_agent([{"role": "user", "content": text}], AgentContext(complete=model, **ctx), "llm")


def test_prompt_lists_tool_schemas_and_tool_results_are_fed_back():
    model = scripted(call("calculator", {"expression": "6 * 7"}))
    events = []
    result = ask("what is 6 times 7?", model, on_tool_event=events.append)
    system = model.seen[0][0]["content"]
    assert '"name": "calculator"' in system and '"parameters"' in system and '"name": "answer"' in system
    assert '"name": "knowledge_search"' not in system  # no search injected, so the tool is not offered
    assert "<tool_response>\n6 * 7 = 42\n</tool_response>" in model.seen[1][-1]["content"]
    assert events == result.trace and events[0]["ok"] and result.replaced_plans == []
    assert result.preface == "**6 * 7 = 42**"


def test_malformed_and_implausible_plans_fall_back_to_the_deterministic_planner():
    model = scripted(
        "<tool_call>{'name': 'calculator', 'arguments': {}}</tool_call>",  # not JSON
        call("calculator", {"expr": "1 + 1"}),  # fails the schema
    )
    result = ask("what is 1+1?", model)
    assert [(e["name"], e["ok"], e["arguments"]) for e in result.trace] == [("calculator", True, {"expression": "1+1"})]
    assert "not valid JSON" in result.replaced_plans[0]
    assert "'expression' is a required property" in result.replaced_plans[1]
    assert result.preface == "**1+1 = 2**"


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (call("calculator", {"expression": "1234 + 1"}), "numbers not in the question: 1234, 1"),
        (call("calculator", {"expression": "Orion"}), "is not a calculation"),
        (call("sql_query", {"question": "vacation"}), "nothing in the question is about sql_query"),
        (call("answer", {"reason": "I know it"}), "answering while knowledge_search is still needed"),
        ("The answer is 1239.", "answering while knowledge_search is still needed"),
    ],
)
def test_a_plan_that_does_not_fit_the_question_is_replaced(reply, problem, fake_search, demo_db):
    result = ask(
        "What does the handbook say about Orion-7 vacation days?",
        scripted(reply),
        knowledge_search=fake_search,
        sql_db_path=demo_db,
    )
    assert problem in result.replaced_plans[0]
    assert [e["name"] for e in result.trace] == ["knowledge_search"], "the rule-based plan ran instead"


def test_the_model_may_answer_directly_when_nothing_is_needed():
    result = ask("hello there", scripted(call("answer", {"reason": "greeting"})))
    assert result.trace == [] and result.replaced_plans == [] and result.generate


def test_constrained_decoding_gets_the_plan_schema():
    schemas = []

    def complete_json(messages, schema, tools):
        schemas.append(schema)
        assert tools is None, "no native tool template unless the context says so"
        return json.dumps({"name": "calculator", "arguments": {"expression": "2 + 2"}})

    result = ask("what is 2 + 2?", scripted(), complete_json=complete_json)
    assert result.trace[0]["arguments"] == {"expression": "2 + 2"}
    branches = {b["properties"]["name"]["const"]: b["properties"]["arguments"] for b in schemas[0]["anyOf"]}
    assert set(branches) == {"calculator", "python", "sql_query", "answer"}
    assert branches["calculator"]["properties"]["expression"]["pattern"] == plan.EXPRESSION_PATTERN


def test_parse_reply_is_strict():
    tools = all_tools()
    assert parse_reply("ANSWER", tools).action == "answer"
    assert parse_reply("The answer is 4.", tools).action == "answer"
    assert parse_reply('{"name": "calculator", "arguments": {"expression": "2"}}', tools).name == "calculator"
    assert parse_reply('{"name": "answer", "arguments": {"reason": "hi"}}', tools).reason == "hi"
    assert parse_reply('<tool_call>{"name": "calculator"}</tool_call>', tools).error
    assert (
        parse_reply('<tool_call>{"name": "rm_rf", "arguments": {}}</tool_call>', tools).error == "unknown tool 'rm_rf'"
    )
    assert parse_reply('<tool_call>["calculator"]</tool_call>', tools).name == INVALID_CALL


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
    result = run_agent([{"role": "user", "content": "go, then 2 + 2"}], AgentContext(complete=model), "llm")
    assert time.perf_counter() - started < 2
    assert [(e["name"], e["ok"]) for e in result.trace] == [("slow", False), ("calculator", True)]
    assert "FAILED: timed out" in result.messages[-1]["content"] and result.preface == "**2 + 2 = 4**"


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
    assert result.replaced_plans == ["the planning call failed: StopIteration: "]


def test_a_failing_planning_call_means_the_rule_based_plan_not_no_tools(fake_search):
    def overflowing(messages):
        raise ValueError("prompt needs 900 tokens but only 200 fit the context window")

    ctx = AgentContext(complete=overflowing, knowledge_search=fake_search)
    result = run_agent([{"role": "user", "content": "What is 6 * 7?"}], ctx, "llm")
    assert [e["name"] for e in result.trace] == ["calculator"] and result.preface == "**6 * 7 = 42**"
    assert result.replaced_plans[0].startswith("the planning call failed: ValueError: prompt needs 900")


def test_steps_are_bounded_and_a_tool_that_answered_is_not_called_again(fake_search, demo_db):
    model = scripted(
        call("calculator", {"expression": "2 + 2"}),
        call("calculator", {"expression": "2 * 2"}),  # the calculator already answered
        call("knowledge_search", {"query": "vacation"}),  # so has the search: the router's next step runs
        call("sql_query", {"question": "orders in 2024"}),  # past max_steps: never asked
    )
    question = "What is 2 + 2? What does the handbook say about vacation? How many orders were placed in 2024?"
    ctx = AgentContext(complete=model, knowledge_search=fake_search, sql_db_path=demo_db, max_steps=3)
    result = run_agent([{"role": "user", "content": question}], ctx, "llm")
    assert [e["name"] for e in result.trace] == ["calculator", "knowledge_search", "sql_query"]
    assert len(model.seen) == 3 and result.replaced_plans == [
        "calculator already ran for this question",
        "knowledge_search already ran for this question",
    ]


@pytest.mark.parametrize(
    ("question", "expression", "problem", "expected"),
    [
        ("what is 1234*5678 + 17?", "1234*5678", "the calculation leaves out 17", "1234*5678 + 17 = 7006669"),
        ("What is 15% of 240?", "15 of 240", "the calculator rejects '15 of 240'", "15/100*240 = 36"),
    ],
)
def test_a_partial_or_broken_calculation_is_replaced(question, expression, problem, expected):
    result = ask(question, scripted(call("calculator", {"expression": expression})))
    assert result.replaced_plans[0].startswith(problem)
    assert result.preface == f"**{expected}**" and len(result.trace) == 1


def test_the_fallback_does_not_redo_what_the_model_did_with_other_spacing():
    model = scripted(call("calculator", {"expression": "1234*5678+17"}), call("calculator", {"expression": "1+1"}))
    result = ask("what is 1234*5678 + 17?", model)
    assert [e["arguments"] for e in result.trace] == [{"expression": "1234*5678+17"}]


def test_a_native_tool_template_sees_calls_and_results_in_its_own_format():
    """With a tool template (Qwen2.5) the examples, earlier calls and their results are `tool_calls` and `tool`
    messages, which the template renders as `<tool_call>` / `<tool_response>` itself."""
    from tests.engine.test_tool_calls import HERMES_TEMPLATE
    from tests.support.tiny_model import build_tokenizer
    from worker.engine.messages import build_prompt, validate_messages

    seen = []

    def complete_json(messages, schema, tools):
        seen.append((messages, tools))
        step = (
            {"name": "calculator", "arguments": {"expression": "6 * 7"}}
            if len(seen) == 1
            else {
                "name": "answer",
                "arguments": {"reason": "done"},
            }
        )
        return json.dumps(step)

    result = ask("what is 6 times 7?", scripted(), complete_json=complete_json, tool_template=True)
    assert result.preface == "**6 * 7 = 42**" and result.replaced_plans == []
    messages, tools = seen[1]
    assert {"calculator", "answer"} <= {t["function"]["name"] for t in tools}
    assert "<tools>" not in messages[0]["content"], "the template lists the tools, not the system prompt"
    assert messages[-2]["tool_calls"][0]["function"] == {"name": "calculator", "arguments": {"expression": "6 * 7"}}
    assert messages[-1] == {"role": "tool", "content": "6 * 7 = 42"}
    tokenizer = build_tokenizer()
    prompt = build_prompt(tokenizer, validate_messages(messages), 100_000, HERMES_TEMPLATE, tools)
    text = tokenizer.decode(prompt.token_ids)
    assert '<tool_call>\n{"name": "calculator", "arguments": {"expression": "6 * 7"}}\n</tool_call>' in text
    assert text.endswith("<tool_response>\n6 * 7 = 42\n</tool_response><|im_end|>\n<|im_start|>assistant\n")
