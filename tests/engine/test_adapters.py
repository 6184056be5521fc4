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
