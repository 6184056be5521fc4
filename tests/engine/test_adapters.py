import threading

import pytest

from tests.engine.conftest import GREEDY, ask
from tests.support.tiny_model import build_tiny_adapter

QUESTION = ask("What is the capital of France?")


@pytest.fixture(scope="module")
def adapters(tiny_dirs, adapters_dir):
    for name, seed in (("style-a", 11), ("style-b", 22)):
        if not (adapters_dir / name).exists():
            build_tiny_adapter(tiny_dirs["llama"], adapters_dir / name, seed=seed)
    return ["style-a", "style-b"]


def test_adapter_changes_output_and_two_adapters_share_one_base(engine, adapters):
    base = engine.complete("tiny-llama", QUESTION, GREEDY).text
    a = engine.complete("tiny-llama+style-a", QUESTION, GREEDY).text
    b = engine.complete("tiny-llama+style-b", QUESTION, GREEDY).text
    assert len({base, a, b}) == 3
    assert engine.complete("tiny-llama", QUESTION, GREEDY).text == base, "plain base unaffected by adapters"
    assert engine.complete("tiny-llama+style-a", QUESTION, GREEDY).text == a
    info = {i.model_id: i for i in engine.loaded_models()}["tiny-llama"]
    assert set(info.adapters) == {"style-a", "style-b"}


def test_concurrent_requests_for_different_adapters_do_not_mix(engine, adapters):
    ids = ["tiny-llama", "tiny-llama+style-a", "tiny-llama+style-b"] * 2
    alone = [engine.complete(model_id, QUESTION, GREEDY).text for model_id in ids]
    together: list[str | None] = [None] * len(ids)
    barrier = threading.Barrier(len(ids))

    def run(i: int) -> None:
        barrier.wait()
        together[i] = engine.complete(ids[i], QUESTION, GREEDY).text

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(ids))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert together == alone


def test_base_batches_run_with_the_adapter_layers_switched_off(engine, adapters):
    """Base requests must not pay for loaded adapters: a batch of base rows skips the LoRA layers entirely."""
    engine.complete("tiny-llama+style-a", QUESTION, GREEDY)
    loaded = engine._loaded_for(engine.registry.resolve("tiny-llama")).loaded
    assert loaded.adapters and loaded._adapter_layers_on
    base = engine.complete("tiny-llama", QUESTION, GREEDY).text
    assert not loaded._adapter_layers_on
    lora_layers = [m for m in loaded.model.modules() if hasattr(m, "lora_A")]
    assert lora_layers and all(m.disable_adapters for m in lora_layers)
    assert engine.complete("tiny-llama+style-a", QUESTION, GREEDY).text != base
    assert loaded._adapter_layers_on
    lm_head = loaded.model.get_output_embeddings().weight
    assert lm_head.requires_grad, "a frozen lm_head makes every base prefill 2x slower (loader.keep_fast_matmuls)"
