"""Constrained decoding: even a random-weight model can only write a plan that parses and fits a tool."""

import json

import pytest
import torch

from app.kernel.registry.errors import InvalidRequestError
from app.kernel.registry.registry import ModelRegistry
from tests.support.tiny_model import CHATML_TEMPLATE, build_tokenizer, register_tiny_model
from worker.agent import AgentContext, run_agent
from worker.agent.planners.plan import implausible, parse_plan, plan_schema
from worker.agent.schema import validate
from worker.agent.tools import all_tools
from worker.engine.engine import Engine
from worker.engine.generation import GenerationParams
from worker.engine.messages import build_prompt, has_tool_template
from worker.engine.vllm.engine import request_body

MODEL = "tiny-agent"
TOOLS = {name: tool for name, tool in all_tools().items() if name in ("calculator", "sql_query")}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    registry = ModelRegistry()
    register_tiny_model(registry, MODEL, tmp_path_factory.mktemp("tiny") / "llama")
    yield Engine(registry, models_dir=tmp_path_factory.mktemp("store"), cache_bytes=2**30)
    torch.set_num_threads(previous)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_random_model_writes_a_well_formed_plan(engine, seed):
    schema = json.dumps(plan_schema(TOOLS))
    params = GenerationParams(temperature=1.0, seed=seed, max_new_tokens=200, json_schema=schema)
    completion = engine.complete(MODEL, [{"role": "user", "content": "what is 2 + 2?"}], params)
    assert completion.finish_reason == "stop", "the row ends when the JSON value closes"
    step = parse_plan(completion.text, TOOLS)
    assert step.error is None, completion.text
    if step.action == "tool":
        assert validate(step.arguments, TOOLS[step.name].parameters) == []
        # well-formed, but a random model's arguments never fit the question: the planner replaces the step
        assert implausible(step, "what is 2 + 2?", TOOLS) is not None


def test_a_constrained_request_leaves_plain_requests_unchanged(engine):
    plain = GenerationParams(temperature=0, max_new_tokens=12)
    alone = engine.complete(MODEL, [{"role": "user", "content": "hi"}], plain).text
    schema = json.dumps(
        {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"], "additionalProperties": False}
    )
    constrained = engine.complete(
        MODEL,
        [{"role": "user", "content": "hi"}],
        GenerationParams(temperature=0, max_new_tokens=12, json_schema=schema),
    )
    assert json.loads(constrained.text) in ({"ok": True}, {"ok": False})
    assert engine.complete(MODEL, [{"role": "user", "content": "hi"}], plain).text == alone


def test_a_schema_the_grammar_compiler_rejects_is_a_clear_error(engine):
    params = GenerationParams(max_new_tokens=4, json_schema=json.dumps({"type": "object", "minProperties": "x"}))
    with pytest.raises(InvalidRequestError, match="json_schema cannot be used"):
        engine.complete(MODEL, [{"role": "user", "content": "hi"}], params)


def test_vllm_requests_carry_the_schema_as_structured_outputs():
    body = request_body("m", [1, 2], GenerationParams(max_new_tokens=5, json_schema='{"type": "object"}'))
    assert body["structured_outputs"] == {"json": '{"type": "object"}', "disable_any_whitespace": True}
    assert "structured_outputs" not in request_body("m", [1, 2], GenerationParams(max_new_tokens=5))


TOOL_TEMPLATE = (
    "{% if tools %}<|im_start|>system\n<tools>{% for t in tools %}{{ t | tojson }}{% endfor %}</tools><|im_end|>\n"
    "{% endif %}" + CHATML_TEMPLATE
)


def test_a_native_tool_template_renders_the_tools_and_other_templates_ignore_them():
    tokenizer = build_tokenizer()
    tools = [{"type": "function", "function": {"name": "calculator", "parameters": {"type": "object"}}}]
    messages = [{"role": "user", "content": "hi"}]
    native = tokenizer.decode(build_prompt(tokenizer, messages, 200, TOOL_TEMPLATE, tools).token_ids)
    assert has_tool_template(tokenizer, TOOL_TEMPLATE) and '<tools>{"type": "function"' in native
    plain = build_prompt(tokenizer, messages, 200, None, tools).token_ids
    assert not has_tool_template(tokenizer) and plain == build_prompt(tokenizer, messages, 200).token_ids


def test_the_llm_planner_hands_its_tools_to_a_native_template():
    seen = []

    def complete_json(messages, schema, tools):
        seen.append((messages, tools))
        return json.dumps({"name": "calculator", "arguments": {"expression": "2 + 2"}})

    ctx = AgentContext(complete=lambda m: "", complete_json=complete_json, tool_template=True)
    result = run_agent([{"role": "user", "content": "what is 2 + 2?"}], ctx, "llm")
    messages, tools = seen[0]
    assert [t["function"]["name"] for t in tools] == ["calculator", "python", "sql_query", "answer"]
    assert "<tools>" not in messages[0]["content"], "the template lists the tools, not our prompt"
    assert result.preface == "**2 + 2 = 4**"
