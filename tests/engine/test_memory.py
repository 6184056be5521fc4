"""Memory: unloading really returns memory to the OS; 4-bit weights take a fraction of fp32."""

import gc

import psutil
import pytest

from app.kernel.registry.registry import ModelRegistry
from tests.engine.conftest import GREEDY, ask
from tests.support.tiny_model import build_tiny_model, tiny_spec
from worker.engine.engine import Engine

MB = 2**20


@pytest.fixture(scope="module")
def wide_dir(tmp_path_factory):
    """~150 MB of fp32 weights: big enough that RSS changes are unmistakable, small enough to build fast."""
    return build_tiny_model(tmp_path_factory.mktemp("wide") / "wide", hidden=1024, layers=4)


def _rss() -> int:
    gc.collect()
    return psutil.Process().memory_info().rss


def test_unload_returns_rss_near_baseline(wide_dir, tmp_path):
    registry = ModelRegistry(catalog_path=None)
    registry.add(tiny_spec("wide", wide_dir))
    engine = Engine(registry, models_dir=tmp_path, cache_bytes=2**30)
    # The first load pays one-off costs (kernels, allocator arenas) that are not the model's.
    engine.complete("wide", ask("warm up"), GREEDY)
    assert engine.unload("wide")
    baseline = _rss()
    engine.complete("wide", ask("hello"), GREEDY)
    footprint = engine.loaded_models()[0].memory_bytes
    loaded = _rss()
    assert engine.unload("wide") and engine.loaded_models() == []
    after = _rss()
    assert footprint > 100 * MB
    assert loaded - baseline > 0.8 * footprint
    assert after - baseline < 0.15 * footprint, f"baseline {baseline / MB:.0f} MB, after unload {after / MB:.0f} MB"


def test_4bit_load_on_cpu_is_a_fraction_of_fp32(wide_dir, tmp_path):
    registry = ModelRegistry(catalog_path=None)
    registry.add(tiny_spec("wide-fp32", wide_dir))
    registry.add(tiny_spec("wide-nf4", wide_dir, quantization="4bit"))
    engine = Engine(registry, models_dir=tmp_path, cache_bytes=2**31)
    fp32 = engine.load("wide-fp32").memory_bytes
    nf4 = engine.load("wide-nf4").memory_bytes
    assert nf4 < 0.3 * fp32
    assert engine.complete("wide-nf4", ask("hello"), GREEDY).completion_tokens > 0
    engine.unload("wide-fp32")
    engine.unload("wide-nf4")


def test_cache_evicts_least_recently_used_idle_model(wide_dir, tiny_dirs, tmp_path):
    registry = ModelRegistry(catalog_path=None)
    registry.add(tiny_spec("small", tiny_dirs["llama"]))
    registry.add(tiny_spec("wide", wide_dir))
    # "wide" alone exceeds the budget: the newest model is kept, the idle older one evicted.
    engine = Engine(registry, models_dir=tmp_path, cache_bytes=100 * MB)
    engine.complete("small", ask("hi"), GREEDY)
    engine.complete("wide", ask("hi"), GREEDY)
    assert [i.model_id for i in engine.loaded_models()] == ["wide"]
    engine.unload("wide")


def test_8bit_load_on_cpu_generates(tiny_dirs, tmp_path):
    registry = ModelRegistry(catalog_path=None)
    registry.add(tiny_spec("tiny-fp32", tiny_dirs["llama"]))
    registry.add(tiny_spec("tiny-int8", tiny_dirs["llama"], quantization="8bit"))
    engine = Engine(registry, models_dir=tmp_path, cache_bytes=2**30)
    assert engine.load("tiny-int8").memory_bytes < engine.load("tiny-fp32").memory_bytes
    assert engine.complete("tiny-int8", ask("hello"), GREEDY).completion_tokens > 0
