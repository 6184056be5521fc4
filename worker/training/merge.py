"""Merge a LoRA adapter into its base model and save a standalone model for export."""

import json
from collections.abc import Callable
from pathlib import Path

from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

from app.kernel.training.errors import TrainingError
from worker.training.metadata import read_adapter_metadata

QLORA_REFUSAL = (
    "adapter {name} was trained with QLoRA on a 4-bit base; merging into 4-bit weights would round the "
    "adapter away, so it is not supported. Serve it as an adapter on top of the base model, or retrain "
    "with method lora to export a merged model."
)


Stage = Callable[[str, float], None]
"""Called with a stage description and the fraction of the merge done (0..1) when a step starts."""


def merge_adapter(
    adapter_dir: str | Path,
    output_dir: str | Path,
    base_model_dir: str | Path | None = None,
    on_stage: Stage | None = None,
) -> Path:
    """Save base + adapter as one full-precision model (weights, config, tokenizer) in `output_dir`."""
    adapter_dir, output_dir = Path(adapter_dir), Path(output_dir)
    on_stage = on_stage or _ignore
    metadata = read_adapter_metadata(adapter_dir)
    base_dir = Path(base_model_dir or metadata["base_model_dir"])
    if metadata.get("method") == "qlora" or _is_4bit_checkpoint(base_dir):
        raise TrainingError(QLORA_REFUSAL.format(name=adapter_dir.name))
    if not (base_dir / "config.json").exists():
        raise TrainingError(f"base model directory {base_dir} not found; pass base_model_dir")

    on_stage("loading the base model", 0.0)
    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype="auto")
    on_stage("merging the adapter into the weights", 0.4)
    merged = PeftModel.from_pretrained(base, adapter_dir).merge_and_unload()
    on_stage("saving the merged model", 0.6)
    output_dir.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(output_dir)
    AutoTokenizer.from_pretrained(base_dir).save_pretrained(output_dir)
    return output_dir


def _ignore(_stage: str, _fraction: float) -> None:
    return None


def _is_4bit_checkpoint(base_dir: Path) -> bool:
    """A base saved already quantized (e.g. a bitsandbytes 4-bit export) cannot take merged weights either."""
    config_path = base_dir / "config.json"
    if not config_path.exists():
        return False
    quantization = json.loads(config_path.read_text()).get("quantization_config") or {}
    return bool(quantization.get("load_in_4bit")) or quantization.get("quant_method") in {"gptq", "awq"}
