"""The official `openai` package against the live app, unmodified."""

import openai
import pytest

from tests.chat.conftest import TINY_MODEL, sign_up


@pytest.fixture
def client(http, live_app):
    headers = sign_up(http, "sdk-user")
    key = http.post("/api/v1/users/me/api-keys", json={"name": "sdk"}, headers=headers).json()["key"]
    return openai.OpenAI(base_url=f"{live_app}/v1", api_key=key, max_retries=0, timeout=60)


def test_models_list(client):
    assert TINY_MODEL in [m.id for m in client.models.list()]


def test_non_streaming_completion(client):
    result = client.chat.completions.create(
        model=TINY_MODEL, messages=[{"role": "user", "content": "Hello"}], max_tokens=12, temperature=0, seed=1
    )
    choice = result.choices[0]
    assert choice.message.role == "assistant" and choice.message.content
    assert choice.finish_reason in ("stop", "length")
    assert result.usage.completion_tokens > 0
    assert result.usage.total_tokens == result.usage.prompt_tokens + result.usage.completion_tokens


def test_streaming_matches_non_streaming_for_greedy(client):
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi there"}]
    whole = client.chat.completions.create(model=TINY_MODEL, messages=messages, max_tokens=16, temperature=0)
    chunks = list(
        client.chat.completions.create(
            model=TINY_MODEL,
            messages=messages,
            max_tokens=16,
            temperature=0,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) > 2
    assert text == whole.choices[0].message.content
    assert chunks[-1].usage.completion_tokens == whole.usage.completion_tokens


def test_errors_are_clear(client):
    with pytest.raises(openai.UnprocessableEntityError) as unknown:
        client.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "x"}])
    assert TINY_MODEL in str(unknown.value)
    bad = openai.OpenAI(base_url=client.base_url, api_key="lm_not-a-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()
