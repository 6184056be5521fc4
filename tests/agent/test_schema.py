from worker.agent.schema import validate
from worker.agent.tools import all_tools


def test_tool_schemas_accept_their_own_suggestions():
    calculator = all_tools()["calculator"]
    assert validate(calculator.suggest_args("What is 2 + 2?"), calculator.parameters) == []


def test_schema_errors_are_listed():
    schema = all_tools()["knowledge_search"].parameters
    errors = validate({"k": "four", "extra": 1}, schema)
    assert any("missing required property 'query'" in e for e in errors)
    assert any("$.k: expected integer" in e for e in errors)
    assert any("unexpected property 'extra'" in e for e in errors)
    assert validate({"query": "x", "k": 11}, schema) == ["$.k: above maximum 10"]
    assert validate({"query": "x", "k": True}, schema) == ["$.k: expected integer, got bool"]


def test_every_tool_declares_the_contract():
    for name, tool in all_tools().items():
        assert tool.name == name and tool.description and tool.timeout_s > 0 and tool.max_output_chars > 0
        assert tool.parameters["type"] == "object"
        assert tool.schema()["function"]["name"] == name
