"""The same job with the same seed trains the same adapter, bit for bit: LoRA initialisation, batch order and
dropout all follow the job's seed (supervised and DPO alike); another seed gives another adapter."""

import json

import pytest
import torch
from safetensors.torch import load_file

from app.kernel.training.config import TrainConfig
from worker.training.trainer import train

PAIRS = [
    {
        "prompt": [{"role": "user", "content": f"What is {i} plus {i}?"}],
        "chosen": [{"role": "assistant", "content": f"{2 * i}."}],
        "rejected": [{"role": "assistant", "content": "I do not know."}],
    }
    for i in range(4)
]


@pytest.fixture
def pairs_dataset(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(pair) + "\n" for pair in PAIRS))
    return path


def adapter_weights(adapter_dir) -> dict[str, torch.Tensor]:
    return load_file(adapter_dir / "adapter_model.safetensors")


def identical(first: dict[str, torch.Tensor], second: dict[str, torch.Tensor]) -> bool:
    return first.keys() == second.keys() and all(torch.equal(first[name], second[name]) for name in first)


def test_supervised_training_is_reproducible_per_seed(tiny_model_dir, small_dataset, tmp_path):
    # Dropout on and batches smaller than the set: the shuffle and the dropout masks must follow the seed too.
    config = {"max_seq_len": 128, "max_steps": 3, "batch_size": 4, "dropout": 0.1, "learning_rate": 5e-3}
    runs = {
        name: train(TrainConfig(**config, seed=seed), tiny_model_dir, small_dataset, tmp_path / name)
        for name, seed in (("a", 7), ("b", 7), ("c", 8))
    }
    weights = {name: adapter_weights(run.output_dir) for name, run in runs.items()}

    assert runs["a"].loss_history == runs["b"].loss_history
    assert identical(weights["a"], weights["b"])
    assert not identical(weights["a"], weights["c"])


def test_dpo_training_is_reproducible_per_seed(tiny_model_dir, pairs_dataset, tmp_path):
    config = {"method": "dpo", "max_seq_len": 64, "max_steps": 2, "batch_size": 2, "dropout": 0.1}
    runs = {
        name: train(TrainConfig(**config, seed=seed), tiny_model_dir, pairs_dataset, tmp_path / name)
        for name, seed in (("a", 3), ("b", 3), ("c", 4))
    }
    weights = {name: adapter_weights(run.output_dir) for name, run in runs.items()}

    assert runs["a"].loss_history == runs["b"].loss_history
    assert identical(weights["a"], weights["b"])
    assert not identical(weights["a"], weights["c"])
