from worker.agent.schema import validate
from worker.agent.tools import all_tools


def test_tool_schemas_accept_their_own_suggestions():
    calculator = all_tools()["calculator"]
    assert validate(calculator.suggest_args("What is 2 + 2?"), calculator.parameters) == []


def test_schema_errors_are_listed():
    schema = all_tools()["knowledge_search"].parameters
    errors = validate({"k": "four", "extra": 1}, schema)
    assert "$: 'query' is a required property" in errors
    assert "$.k: 'four' is not of type 'integer'" in errors
    assert any("'extra' was unexpected" in e for e in errors)
    assert validate({"query": "x", "k": 11}, schema) == ["$.k: 11 is greater than the maximum of 10"]
    assert validate({"query": "x", "k": True}, schema) == ["$.k: True is not of type 'integer'"]
    assert validate({"query": ""}, schema) == ["$.query: '' should be non-empty"]


def test_every_tool_declares_the_contract():
    for name, tool in all_tools().items():
        assert tool.name == name and tool.description and tool.timeout_s > 0 and tool.max_output_chars > 0
        assert tool.parameters["type"] == "object"
        assert tool.schema()["function"]["name"] == name
