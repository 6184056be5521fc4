"""Engine fixtures: tiny models built once per session, a registry serving them, an engine per module."""

from pathlib import Path

import pytest
import torch

from app.kernel.registry.registry import ModelRegistry
from tests.support.tiny_model import build_tiny_model, register_tiny_model
from worker.engine.engine import Engine
from worker.engine.generation import GenerationParams

GREEDY = GenerationParams(max_new_tokens=24, temperature=0)


@pytest.fixture(scope="package", autouse=True)
def one_torch_thread():
    """One intra-op thread: on a shared, oversubscribed box two spinning OpenMP threads run ~5x slower.

    Thread count changes speed only, never results; the previous setting is restored for other suites.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def tiny_dirs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny-models")
    return {arch: build_tiny_model(root / arch, arch=arch) for arch in ("llama", "qwen2")}


@pytest.fixture(scope="session")
def adapters_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("adapters")


@pytest.fixture(scope="module")
def registry(tiny_dirs, adapters_dir) -> ModelRegistry:
    registry = ModelRegistry(adapters_dir=adapters_dir)
    register_tiny_model(registry, "tiny-llama", tiny_dirs["llama"])
    register_tiny_model(registry, "tiny-qwen2", tiny_dirs["qwen2"], arch="qwen2")
    return registry


@pytest.fixture(scope="module")
def engine(registry, tmp_path_factory) -> Engine:
    return Engine(registry, models_dir=tmp_path_factory.mktemp("models"), cache_bytes=2**30)


def ask(text: str, system: str | None = None) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": system}] if system else []
    return messages + [{"role": "user", "content": text}]
