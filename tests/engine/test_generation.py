import threading
import time

import pytest

from app.kernel.registry.errors import InvalidRequestError, ModelLoadError, ModelUnloadedError
from tests.engine.conftest import GREEDY, ask
from tests.support.tiny_model import tiny_spec
from worker.engine.engine import Engine
from worker.engine.generation import GenerationParams

PROMPTS = [ask(f"Tell me about request {i}. " * (1 + i % 4)) for i in range(6)]


@pytest.mark.parametrize("model_id", ["tiny-llama", "tiny-qwen2"])
def test_streamed_text_equals_the_completion_for_greedy(engine, model_id):
    completion = engine.complete(model_id, ask("What is the capital of France?"), GREEDY)
    events = list(engine.stream(model_id, ask("What is the capital of France?"), GREEDY))
    assert "".join(e.text for e in events) == completion.text
    assert events[-1].done and not any(e.done for e in events[:-1])
    final = events[-1].completion
    assert final.text == completion.text and final.finish_reason in ("stop", "length")
    assert final.prompt_tokens > 5 and 0 < final.completion_tokens <= GREEDY.max_new_tokens
    assert final.ttft_ms > 0 and final.tokens_per_s >= 0 and final.model_id == model_id


def test_max_new_tokens_ends_with_length(engine):
    completion = engine.complete("tiny-llama", ask("hello"), GenerationParams(max_new_tokens=3, temperature=0))
    assert completion.completion_tokens <= 3
    if completion.completion_tokens == 3:
        assert completion.finish_reason == "length"


def test_stop_string_cuts_the_text(engine):
    full = engine.complete("tiny-llama", ask("hello"), GREEDY).text
    stop = full[5:8]
    assert stop.strip(), "the tiny model's greedy answer is long enough to pick a stop string from"
    cut = engine.complete("tiny-llama", ask("hello"), GenerationParams(max_new_tokens=24, temperature=0, stop=(stop,)))
    assert cut.finish_reason == "stop" and cut.text == full[: full.index(stop)]


def test_seeded_sampling_is_reproducible(engine):
    params = GenerationParams(max_new_tokens=16, temperature=1.0, top_p=0.9, top_k=50, seed=7)
    first = engine.complete("tiny-llama", ask("hello"), params).text
    assert engine.complete("tiny-llama", ask("hello"), params).text == first


def test_batched_rows_equal_single_generation(engine):
    alone = [engine.complete("tiny-llama", p, GREEDY).text for p in PROMPTS]
    together: list[str | None] = [None] * len(PROMPTS)
    barrier = threading.Barrier(len(PROMPTS))

    def run(i: int) -> None:
        barrier.wait()
        together[i] = engine.complete("tiny-llama", PROMPTS[i], GREEDY).text

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(PROMPTS))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert together == alone


def test_late_requests_join_a_running_batch(engine):
    """A request arriving mid-generation joins the batch at the next step and still gets its own answer."""
    long = GenerationParams(max_new_tokens=60, temperature=0)
    expected = engine.complete("tiny-llama", PROMPTS[1], GREEDY).text
    stream = engine.stream("tiny-llama", PROMPTS[0], long)
    next(stream)
    assert engine.pending("tiny-llama").running == 1
    assert engine.complete("tiny-llama", PROMPTS[1], GREEDY).text == expected
    assert engine.pending("tiny-llama").running == 1, "the first request was still decoding meanwhile"
    assert list(stream)[-1].completion.completion_tokens == 60


def test_cancel_stops_only_its_own_request_within_a_few_steps(engine):
    long = GenerationParams(max_new_tokens=200, temperature=0)
    cancel = threading.Event()
    other: list = []
    neighbour = threading.Thread(target=lambda: other.append(engine.complete("tiny-llama", PROMPTS[2], GREEDY)))
    events = []
    for event in engine.stream("tiny-llama", PROMPTS[0], long, should_cancel=cancel.is_set):
        events.append(event)
        if len(events) == 3:
            neighbour.start()
            cancel.set()
    neighbour.join(30)
    final = events[-1].completion
    assert final.finish_reason == "cancelled"
    # The decode loop runs ahead of this consumer by a few queued tokens, never to max_new_tokens.
    assert final.completion_tokens < 50
    assert other[0].finish_reason in ("stop", "length") and other[0].completion_tokens > 0


def test_closing_the_stream_frees_the_slot(engine):
    stream = engine.stream("tiny-llama", PROMPTS[0], GenerationParams(max_new_tokens=200, temperature=0))
    next(stream)
    stream.close()
    deadline = time.monotonic() + 5
    while engine.pending("tiny-llama").running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert engine.pending("tiny-llama").running == 0


def test_long_history_is_truncated_and_flagged(engine):
    messages = [{"role": "system", "content": "You are terse."}]
    for i in range(40):
        messages += [
            {"role": "user", "content": f"old question {i}"},
            {"role": "assistant", "content": "old"},
        ]
    messages.append({"role": "user", "content": "new question"})
    completion = engine.complete("tiny-llama", messages, GREEDY)
    assert completion.truncated_history
    assert completion.prompt_tokens + GREEDY.max_new_tokens <= 256


def test_bad_messages_raise_before_any_generation(engine):
    with pytest.raises(InvalidRequestError, match="role"):
        engine.complete("tiny-llama", [{"role": "robot", "content": "x"}], GREEDY)
    with pytest.raises(InvalidRequestError, match="context"):
        engine.complete("tiny-llama", ask("hi"), GenerationParams(max_new_tokens=10_000))


def test_broken_model_dir_fails_to_load_and_others_keep_working(engine, registry, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text('{"model_type": "llama"}')
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")
    registry.add(tiny_spec("broken", broken))
    registry.add(tiny_spec("missing", tmp_path / "nowhere"))
    with pytest.raises(ModelLoadError, match="broken"):
        engine.complete("broken", ask("hi"), GREEDY)
    with pytest.raises(ModelLoadError, match="no weights"):
        engine.complete("missing", ask("hi"), GREEDY)
    assert engine.complete("tiny-llama", ask("hi"), GREEDY).completion_tokens > 0


def test_loaded_models_and_pending_report_state(engine):
    engine.load("tiny-qwen2")
    info = {i.model_id: i for i in engine.loaded_models()}["tiny-qwen2"]
    assert info.memory_bytes > 0 and info.device == "cpu"
    depth = engine.pending("tiny-qwen2")
    assert (depth.running, depth.waiting, depth.max_batch) == (0, 0, 8)


def test_unloading_a_busy_model_fails_its_requests_and_reloads_on_demand(registry, tmp_path):
    engine = Engine(registry, models_dir=tmp_path, cache_bytes=2**30)
    stream = engine.stream("tiny-llama", PROMPTS[0], GenerationParams(max_new_tokens=200, temperature=0))
    next(stream)
    assert engine.unload("tiny-llama")
    with pytest.raises(ModelUnloadedError):
        list(stream)
    assert engine.complete("tiny-llama", ask("hi"), GREEDY).completion_tokens > 0


def test_a_row_that_fails_never_fails_the_rest_of_its_batch(engine):
    """A seed torch refuses (the API never lets one through; this goes round it) fails its own request only."""
    from worker.engine.batcher import Request

    scheduler = engine._loaded_for(engine.registry.resolve("tiny-llama")).scheduler
    long = GenerationParams(max_new_tokens=40, temperature=0).resolve({})
    neighbour = Request("tiny-llama", [1, 2, 3, 4], long)
    bad = Request("tiny-llama", [1, 2, 3], GenerationParams(max_new_tokens=5, temperature=1.0, seed=2**64))
    scheduler.submit(neighbour)
    scheduler.submit(bad)
    failure = bad.events.get(timeout=30)
    assert isinstance(failure, ValueError) and "Overflow" in str(failure), failure
    events = [neighbour.events.get(timeout=30)]
    while not getattr(events[-1], "done", True):
        events.append(neighbour.events.get(timeout=30))
    assert events[-1].completion.finish_reason in ("stop", "length") and events[-1].completion.completion_tokens


def test_sampling_errors_are_per_row():
    import torch

    from worker.engine.sampling import next_tokens

    logits = torch.randn(2, 10)
    params = GenerationParams(temperature=1.0, top_p=1.0, top_k=0, repetition_penalty=1.0)
    broken = GenerationParams(temperature=1.0, top_p=1.0, top_k=-3, repetition_penalty=1.0)  # validation bypassed
    tokens = next_tokens(logits, [params, broken], [[1], [1]], [torch.Generator().manual_seed(1), None])
    assert isinstance(tokens[0], int) and isinstance(tokens[1], RuntimeError)
