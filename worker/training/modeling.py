"""Load a base model for fine-tuning (full precision for LoRA, 4-bit NF4 for QLoRA) and attach LoRA layers."""

from pathlib import Path

import torch
from peft import LoraConfig, PeftModel, get_peft_model, prepare_model_for_kbit_training
from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig, PreTrainedModel, set_seed

from app.kernel.training.config import TrainConfig, default_target_modules
from app.kernel.training.errors import ConfigError, TrainingError


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and GPU) before the LoRA layers are created: their initial weights, the
    batch order and the dropout masks then all follow the job's seed, so a rerun trains the same adapter."""
    set_seed(seed)


def pick_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def compute_dtype(device: torch.device) -> torch.dtype:
    """bf16 where the GPU supports it; fp32 on CPU, where half precision is slower and less stable."""
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float32


def load_tokenizer(base_model_dir: Path):
    tokenizer = AutoTokenizer.from_pretrained(base_model_dir)
    if not tokenizer.chat_template:
        raise TrainingError(f"base model {base_model_dir.name} has no chat template; use an instruct/chat model")
    return tokenizer


def load_base_model(base_model_dir: Path, method: str, device: torch.device) -> PreTrainedModel:
    dtype = compute_dtype(device)
    if method == "qlora":
        quantization = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_compute_dtype=dtype,
            bnb_4bit_use_double_quant=True,
        )
        model = AutoModelForCausalLM.from_pretrained(
            base_model_dir, quantization_config=quantization, dtype=dtype, device_map={"": device.type}
        )
        _keep_4bit_weights_differentiable(model)
        return prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    model = AutoModelForCausalLM.from_pretrained(base_model_dir, dtype=dtype)
    return model.to(device)


def _keep_4bit_weights_differentiable(model: PreTrainedModel) -> None:
    """Stop bitsandbytes repacking 4-bit weights for CPU inference on the first eval-mode forward.

    The repacked weights go through an op without a backward, so after the held-out evaluation no
    gradient would reach the LoRA layers any more and training would silently stop learning.
    """
    for module in model.modules():
        if hasattr(module, "support_avx512bf16_for_cpu"):
            module.support_avx512bf16_for_cpu = False


def lora_config(config: TrainConfig, targets: list[str]) -> LoraConfig:
    """The PEFT LoRA settings of a job (supervised and DPO alike)."""
    return LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,
        lora_dropout=config.dropout,
        target_modules=targets,
        task_type="CAUSAL_LM",
    )


def attach_lora(model: PreTrainedModel, config: TrainConfig) -> PeftModel:
    """Wrap the model with trainable LoRA layers; only they receive gradients."""
    targets = config.target_modules or default_target_modules(model.config.model_type)
    lora = lora_config(config, targets)
    try:
        return get_peft_model(model, lora)
    except ValueError as exc:
        raise ConfigError("target_modules", f"{targets} do not match the base model's layers ({exc})") from exc


def context_length(model: PreTrainedModel) -> int | None:
    config = model.config
    for name in ("max_position_embeddings", "seq_length", "n_positions"):
        value = getattr(config, name, None)
        if isinstance(value, int):
            return value
    return None
