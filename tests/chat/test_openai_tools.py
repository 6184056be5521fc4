"""/v1 function calling through the live app, worker and SmolLM2-135M (no native tool template): forced calls
always fit the schema, `auto` chooses, tool results round-trip, and bad definitions are refused with 400."""

import json

import httpx
import openai
import pytest
from jsonschema import Draft202012Validator

from tests.chat.conftest import sign_up

SMOL = "smollm2-135m-instruct"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "maxLength": 40}, "unit": {"enum": ["celsius", "fahrenheit"]}},
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Current time in a time zone",
        "parameters": {"type": "object", "properties": {"zone": {"type": "string", "maxLength": 40}}, "required": []},
    },
}
ASK = [{"role": "user", "content": "What is the weather in Paris?"}]
GREEDY = {"temperature": 0, "max_tokens": 60}
pytestmark = pytest.mark.timeout(600)


@pytest.fixture
def smol(live_app):
    """Pulled (linked from the ~/.cache/localmind conversion after the first run) and loaded by the in-process
    worker's engine before the first request, so no request waits on the load."""
    from worker.engine.engine import get_engine
    from worker.engine.store import pull_model

    pull_model(SMOL)
    get_engine().load(SMOL)
    return SMOL


@pytest.fixture
def http(live_app):
    """SmolLM2 on two shared cores: a forced call plus its prompt can take well over the chat tests' 60 s."""
    with httpx.Client(base_url=live_app, timeout=300) as client:
        yield client


@pytest.fixture
def headers(http, smol):
    return sign_up(http, "tool-user")


def assert_fits(call: dict, tools: list[dict]) -> dict:
    """The call names one of `tools` and its JSON arguments validate against that tool's parameters."""
    schemas = {t["function"]["name"]: t["function"]["parameters"] for t in tools}
    assert call["type"] == "function" and call["id"].startswith("call_")
    arguments = json.loads(call["function"]["arguments"])
    assert not list(Draft202012Validator(schemas[call["function"]["name"]]).iter_errors(arguments)), arguments
    return arguments


def test_required_gives_a_call_that_fits_the_schema(http, headers):
    body = {"model": SMOL, "messages": ASK, "tools": [WEATHER, TIME], "tool_choice": "required", **GREEDY}
    response = http.post("/v1/chat/completions", json=body, headers=headers)
    assert response.status_code == 200, response.text
    choice = response.json()["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] is None
    [call] = choice["message"]["tool_calls"]
    assert_fits(call, [WEATHER, TIME])


def test_a_named_function_streams_as_tool_call_deltas(http, headers):
    body = {
        "model": SMOL,
        "messages": ASK,
        "tools": [WEATHER, TIME],
        "tool_choice": {"type": "function", "function": {"name": "get_time"}},
        "stream": True,
        **GREEDY,
    }
    deltas, finish = [], None
    with http.stream("POST", "/v1/chat/completions", json=body, headers=headers) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                choice = json.loads(line[6:])["choices"][0]
                deltas += choice["delta"].get("tool_calls", [])
                finish = choice["finish_reason"] or finish
    assert finish == "tool_calls"
    head = deltas[0]
    arguments = "".join(d["function"].get("arguments", "") for d in deltas)
    call = {
        "id": head["id"],
        "type": head["type"],
        "function": {"name": head["function"]["name"], "arguments": arguments},
    }
    assert call["function"]["name"] == "get_time" and {d["index"] for d in deltas} == {0}
    assert_fits(call, [TIME])


def test_auto_lets_smollm2_call_a_tool_or_answer(http, headers):
    calls = http.post(
        "/v1/chat/completions", json={"model": SMOL, "messages": ASK, "tools": [WEATHER], **GREEDY}, headers=headers
    ).json()["choices"][0]
    assert calls["finish_reason"] == "tool_calls", calls
    assert assert_fits(calls["message"]["tool_calls"][0], [WEATHER])["city"] == "Paris"
    none = http.post(
        "/v1/chat/completions",
        json={"model": SMOL, "messages": ASK, "tools": [WEATHER], "tool_choice": "none", "max_tokens": 8},
        headers=headers,
    ).json()["choices"][0]
    assert none["finish_reason"] in ("stop", "length") and none["message"]["content"]
    assert "tool_calls" not in none["message"] or not none["message"]["tool_calls"]


def test_a_tool_result_round_trip(http, headers):
    first = http.post(
        "/v1/chat/completions",
        json={"model": SMOL, "messages": ASK, "tools": [WEATHER], "tool_choice": "required", **GREEDY},
        headers=headers,
    ).json()["choices"][0]["message"]
    history = [
        *ASK,
        first,
        {
            "role": "tool",
            "tool_call_id": first["tool_calls"][0]["id"],
            "content": '{"temperature": 31, "sky": "clear"}',
        },
    ]
    second = http.post(
        "/v1/chat/completions",
        json={"model": SMOL, "messages": history, "tools": [WEATHER], "temperature": 0, "max_tokens": 12},
        headers=headers,
    )
    assert second.status_code == 200, second.text
    choice = second.json()["choices"][0]
    assert choice["finish_reason"] in ("stop", "length", "tool_calls")
    assert choice["message"]["content"] or choice["message"]["tool_calls"]


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "string"}}}]}, "type object"),
        ({"tools": [{"type": "function", "function": {"name": "bad name!"}}]}, "name"),
        ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {"required": "x"}}}]}, "required"),
        ({"tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "nope"}}}, "nope"),
        ({"tools": [WEATHER, WEATHER]}, "once"),
        ({"tool_choice": "required"}, "tool_choice needs tools"),
        (
            {
                "tools": [
                    {
                        "type": "function",
                        "function": {"name": "f", "parameters": {"properties": {"a": {"$ref": "#/x"}}}},
                    }
                ],
                "tool_choice": "required",
            },
            "function 'f'",
        ),
    ],
)
def test_bad_tools_are_refused_with_400(http, headers, extra, named):
    response = http.post("/v1/chat/completions", json={"model": SMOL, "messages": ASK, **extra}, headers=headers)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_tools" and named in error["message"], error


def test_the_openai_package_reads_the_calls(http, headers, live_app):
    key = http.post("/api/v1/users/me/api-keys", json={"name": "sdk"}, headers=headers).json()["key"]
    client = openai.OpenAI(base_url=f"{live_app}/v1", api_key=key, max_retries=0, timeout=300)
    result = client.chat.completions.create(
        model=SMOL, messages=ASK, tools=[WEATHER], tool_choice="required", temperature=0, max_tokens=60
    )
    choice = result.choices[0]
    assert choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]
    assert call.function.name == "get_weather" and json.loads(call.function.arguments)["unit"] in (
        "celsius",
        "fahrenheit",
    )
