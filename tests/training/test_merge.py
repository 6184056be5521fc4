import pytest
import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM

from app.kernel.training.config import TrainConfig
from app.kernel.training.errors import TrainingError
from worker.training.merge import merge_adapter
from worker.training.trainer import train


def test_merged_model_matches_base_plus_adapter(tiny_model_dir, small_dataset, tmp_path):
    config = TrainConfig(max_seq_len=128, max_steps=2, batch_size=4, learning_rate=1e-2)
    adapter = train(config, tiny_model_dir, small_dataset, tmp_path / "adapter").output_dir

    stages = []
    merged_dir = merge_adapter(adapter, tmp_path / "merged", on_stage=lambda stage, done: stages.append(done))

    assert stages == sorted(stages) and stages[0] == 0.0 and len(stages) == 3
    assert not (merged_dir / "adapter_config.json").exists()
    assert (merged_dir / "tokenizer.json").exists()
    ids = torch.tensor([[5, 17, 42, 99, 7]])
    with torch.no_grad():
        merged = AutoModelForCausalLM.from_pretrained(merged_dir)(input_ids=ids).logits
        base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
        plain = base(input_ids=ids).logits
        adapted = PeftModel.from_pretrained(base, adapter)(input_ids=ids).logits
    assert torch.allclose(merged, adapted, atol=1e-4)
    assert not torch.allclose(merged, plain, atol=1e-4)


def test_merge_refuses_a_qlora_adapter(tiny_model_dir, small_dataset, tmp_path):
    config = TrainConfig(method="qlora", max_seq_len=128, max_steps=1, batch_size=4)
    adapter = train(config, tiny_model_dir, small_dataset, tmp_path / "adapter").output_dir

    with pytest.raises(TrainingError, match="trained with QLoRA on a 4-bit base.*Serve it as an adapter"):
        merge_adapter(adapter, tmp_path / "merged")
    assert not (tmp_path / "merged").exists()


def test_merge_needs_a_localmind_adapter(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a LocalMind adapter"):
        merge_adapter(tmp_path, tmp_path / "merged")
