import pytest

from app.kernel.registry.errors import ModelLoadError
from app.kernel.registry.spec import ModelSpec
from tests.engine.conftest import GREEDY, ask
from tests.engine.openai_server import serve


@pytest.fixture(scope="module")
def remote_url(engine):
    with serve(engine) as url:
        yield url


def test_openai_backend_streams_from_a_compatible_server(engine, registry, remote_url):
    registry.add(ModelSpec(id="remote-tiny", backend="openai", base_url=remote_url, remote_model="tiny-llama"))
    local = engine.complete("tiny-llama", ask("What is the capital of France?"), GREEDY)
    events = list(engine.stream("remote-tiny", ask("What is the capital of France?"), GREEDY))
    assert len(events) > 2, "tokens arrive as separate events"
    final = events[-1].completion
    assert "".join(e.text for e in events) == final.text == local.text
    assert final.model_id == "remote-tiny" and final.finish_reason == local.finish_reason
    assert (final.prompt_tokens, final.completion_tokens) == (local.prompt_tokens, local.completion_tokens)


def test_openai_backend_cancel_and_unreachable_server(engine, registry, remote_url):
    registry.add(ModelSpec(id="remote-tiny", backend="openai", base_url=remote_url, remote_model="tiny-llama"))
    seen = []
    events = engine.stream("remote-tiny", ask("hello"), GREEDY, should_cancel=lambda: len(seen) >= 2)
    for event in events:
        seen.append(event)
    assert seen[-1].completion.finish_reason == "cancelled"
    registry.add(ModelSpec(id="remote-down", backend="openai", base_url="http://127.0.0.1:9/v1"))
    with pytest.raises(ModelLoadError, match="remote-down"):
        engine.complete("remote-down", ask("hi"), GREEDY)
