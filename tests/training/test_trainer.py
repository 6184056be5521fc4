import json

import pytest
import torch
from peft import PeftModel
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

from app.kernel.training.config import TrainConfig
from app.kernel.training.errors import ConfigError, TrainingError
from worker.training.metadata import read_adapter_metadata
from worker.training.trainer import CANCELLED, COMPLETED, train

PROGRESS_KEYS = {"step", "total_steps", "epoch", "loss", "learning_rate", "tokens_per_s", "eta_s"}


def lora_b_norm(adapter_dir) -> float:
    weights = load_file(adapter_dir / "adapter_model.safetensors")
    return sum(float(t.abs().sum()) for name, t in weights.items() if "lora_B" in name)


def test_train_reports_every_step_and_saves_adapter_with_metadata(tiny_model_dir, small_dataset, tmp_path):
    events = []
    config = TrainConfig(max_seq_len=128, max_steps=3, batch_size=4, eval_fraction=0.25, learning_rate=5e-3)
    result = train(config, tiny_model_dir, small_dataset, tmp_path / "out", on_progress=events.append)

    assert result.status == COMPLETED and result.steps == result.total_steps == 3
    assert [event["step"] for event in events] == [1, 2, 3]
    assert all(set(event) == PROGRESS_KEYS and event["total_steps"] == 3 for event in events)
    assert events[-1]["eta_s"] == 0 and events[0]["tokens_per_s"] > 0
    assert events[0]["learning_rate"] > events[-1]["learning_rate"]  # linear decay
    assert result.loss_history == [event["loss"] for event in events]

    metadata = read_adapter_metadata(tmp_path / "out")
    assert metadata["base_model"] == tiny_model_dir.name
    assert metadata["base_model_dir"] == str(tiny_model_dir)
    assert metadata["status"] == COMPLETED and metadata["method"] == "lora"
    assert metadata["config"]["target_modules"] == ["q_proj", "v_proj"]
    metrics = metadata["metrics"]
    assert (metrics["train_samples"], metrics["eval_samples"], metrics["steps"]) == (9, 3, 3)
    assert metrics["eval_loss_after"] != metrics["eval_loss_before"]
    assert metrics["eval_perplexity_before"] == pytest.approx(torch.tensor(metrics["eval_loss_before"]).exp())
    assert metrics["duration_s"] > 0 and metadata["loss_history"] == result.loss_history
    assert lora_b_norm(tmp_path / "out") > 0


def test_epochs_and_grad_accum_set_the_step_count(tiny_model_dir, small_dataset, tmp_path):
    events = []
    config = TrainConfig(max_seq_len=128, epochs=2, batch_size=3, grad_accum=2, rank=2)
    result = train(config, tiny_model_dir, small_dataset, tmp_path / "out", on_progress=events.append)
    assert result.total_steps == 4  # 12 samples / (3 * 2) per step = 2 steps per epoch
    assert [event["epoch"] for event in events] == [0.5, 1.0, 1.5, 2.0]


def test_a_step_split_into_micro_batches_reports_the_loss_of_the_whole_batch(tiny_model_dir, small_dataset, tmp_path):
    """Micro-batch losses are weighted by the step's target tokens (counted on the host) and summed."""
    first_loss = {}
    for batch_size, grad_accum in ((6, 1), (3, 2)):
        config = TrainConfig(max_seq_len=128, max_steps=1, batch_size=batch_size, grad_accum=grad_accum, dropout=0.0)
        result = train(config, tiny_model_dir, small_dataset, tmp_path / f"accum-{grad_accum}")
        first_loss[grad_accum] = result.loss_history[0]
    assert first_loss[2] == pytest.approx(first_loss[1], rel=1e-5)


def test_cancel_stops_within_a_step_and_leaves_a_loadable_adapter(tiny_model_dir, small_dataset, tmp_path):
    events, checks = [], []

    def should_cancel():
        checks.append(len(events))
        return len(events) >= 2

    config = TrainConfig(max_seq_len=128, max_steps=50, batch_size=2, grad_accum=2, learning_rate=5e-3)
    result = train(config, tiny_model_dir, small_dataset, tmp_path / "out", events.append, should_cancel)

    assert result.status == CANCELLED and result.steps == 2 and result.total_steps == 50
    assert checks[-1] == 2 and checks.count(2) == 1  # checked before every micro-batch, stopped at the first
    metadata = read_adapter_metadata(tmp_path / "out")
    assert metadata["status"] == CANCELLED and metadata["metrics"]["steps"] == 2
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    tuned = PeftModel.from_pretrained(base, tmp_path / "out")
    ids = torch.tensor([[1, 2, 3, 4]])
    with torch.no_grad():
        assert torch.isfinite(tuned(input_ids=ids).logits).all()
    assert lora_b_norm(tmp_path / "out") > 0


def test_qlora_trains_a_4bit_base_on_cpu(tiny_model_dir, small_dataset, tmp_path):
    config = TrainConfig(
        method="qlora", max_seq_len=128, max_steps=3, batch_size=4, eval_fraction=0.25, learning_rate=1e-2
    )
    result = train(config, tiny_model_dir, small_dataset, tmp_path / "out")
    metrics = result.metrics
    assert result.status == COMPLETED and result.steps == 3
    # The held-out evaluation runs before training; LoRA must still learn afterwards (bitsandbytes repacking).
    assert metrics["eval_loss_after"] < metrics["eval_loss_before"]
    assert read_adapter_metadata(tmp_path / "out")["method"] == "qlora"
    assert json.loads((tmp_path / "out" / "adapter_config.json").read_text())["r"] == 8


def test_invalid_dataset_fails_with_line_numbers(tiny_model_dir, small_dataset, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(small_dataset.read_text() + '{"messages": [{"role": "user", "content": "hi"}]}\n')
    with pytest.raises(TrainingError, match="1 invalid sample.*line 13: no assistant turn"):
        train(TrainConfig(max_seq_len=128, max_steps=1), tiny_model_dir, bad, tmp_path / "out")


@pytest.mark.parametrize(
    ("values", "field"),
    [({"target_modules": ["nonexistent_proj"]}, "target_modules"), ({"max_seq_len": 4096}, "max_seq_len")],
)
def test_settings_the_model_cannot_take_name_the_field(tiny_model_dir, small_dataset, tmp_path, values, field):
    with pytest.raises(ConfigError) as caught:
        train(
            TrainConfig(**({"max_seq_len": 128, "max_steps": 1} | values)),
            tiny_model_dir,
            small_dataset,
            tmp_path / "out",
        )
    assert caught.value.field == field


def test_out_of_memory_becomes_a_readable_training_error(tiny_model_dir, small_dataset, tmp_path):
    def exhausted(_event):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    with pytest.raises(TrainingError, match="ran out of memory; lower batch_size or max_seq_len"):
        train(
            TrainConfig(max_seq_len=128, max_steps=1),
            tiny_model_dir,
            small_dataset,
            tmp_path / "out",
            on_progress=exhausted,
        )
