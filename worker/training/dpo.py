"""Preference training: a LoRA adapter trained with DPO (TRL's DPOTrainer) on prompt/chosen/rejected pairs.

TRL rather than an own loop: DPO needs the reference model's log-probabilities (with PEFT, the base with the
adapter switched off) and the sigmoid preference loss, which TRL maintains. The job system's contract is the
supervised trainer's: per-step progress, a cancel check, an adapter with `localmind_adapter.json`.
"""

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.kernel.training.config import TrainConfig, default_target_modules
from app.kernel.training.dataset import load_preference_pairs
from app.kernel.training.errors import TrainingError
from worker.training.metadata import write_adapter_metadata
from worker.training.modeling import compute_dtype, load_tokenizer, lora_config, pick_device, seed_everything
from worker.training.trainer import CANCELLED, COMPLETED, ProgressCallback, TrainResult

FINAL_METRICS = ("rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies")


def train_dpo(
    config: TrainConfig,
    paths: tuple[Path, Path, Path],
    base_model_id: str | None,
    on_progress: ProgressCallback | None,
    should_cancel: Callable[[], bool] | None,
) -> TrainResult:
    """`worker.training.trainer.train` for `method: dpo`: a validated config, then the base model, dataset and
    output paths."""
    try:
        return _run(config, *paths, base_model_id, on_progress, should_cancel)
    except TrainingError:
        raise
    except Exception as exc:
        raise TrainingError(f"DPO training failed: {type(exc).__name__}: {exc}") from exc


def _run(
    config: TrainConfig,
    base_dir: Path,
    dataset: Path,
    output_dir: Path,
    base_id: str | None,
    on_progress: ProgressCallback | None,
    should_cancel: Callable[[], bool] | None,
) -> TrainResult:
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, TrainerCallback
    from trl import DPOConfig, DPOTrainer

    started = time.perf_counter()
    seed_everything(config.seed)  # TRL seeds again before creating the LoRA layers; this covers the loading too
    pairs = load_preference_pairs(dataset)
    tokenizer = load_tokenizer(base_dir)
    device = pick_device()
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=compute_dtype(device))
    targets = config.target_modules or default_target_modules(model.config.model_type)
    history: list[float] = []
    final: dict[str, Any] = {}
    state = {"status": COMPLETED}

    class Relay(TrainerCallback):
        """Progress per optimizer step from TRL's logs; a cancel stops before the next step."""

        def on_step_begin(self, args, trainer_state, control, **kwargs):
            if should_cancel is not None and should_cancel():
                state["status"] = CANCELLED
                control.should_training_stop = True

        def on_log(self, args, trainer_state, control, logs=None, **kwargs):
            if not logs or "loss" not in logs:
                return
            history.append(float(logs["loss"]))
            final.update({key: logs[key] for key in FINAL_METRICS if key in logs})
            elapsed = time.perf_counter() - started
            step, total = trainer_state.global_step, trainer_state.max_steps
            if on_progress is not None:
                on_progress(
                    {
                        "step": step,
                        "total_steps": total,
                        "epoch": round(float(logs.get("epoch", 0.0)), 3),
                        "loss": float(logs["loss"]),
                        "learning_rate": float(logs.get("learning_rate", 0.0)),
                        "tokens_per_s": round(float(logs.get("num_tokens", 0.0)) / max(elapsed, 1e-9), 1),
                        "eta_s": round(elapsed / max(step, 1) * (total - step), 1),
                    }
                )

    with tempfile.TemporaryDirectory(prefix="dpo-") as scratch:
        args = DPOConfig(
            output_dir=scratch,
            beta=config.beta,
            learning_rate=config.learning_rate,
            per_device_train_batch_size=config.batch_size,
            gradient_accumulation_steps=config.grad_accum,
            num_train_epochs=config.epochs,
            max_steps=config.max_steps or -1,
            warmup_steps=config.warmup_steps,
            max_length=config.max_seq_len,
            seed=config.seed,
            logging_steps=1,
            save_strategy="no",
            report_to=[],
            disable_tqdm=True,
            use_cpu=device.type == "cpu",
        )
        lora = lora_config(config, targets)
        trainer = DPOTrainer(
            model=model,
            args=args,
            train_dataset=Dataset.from_list(pairs),
            processing_class=tokenizer,
            peft_config=lora,
            callbacks=[Relay()],
        )
        output = trainer.train()
        metrics = {
            "train_loss": output.training_loss,
            "final_loss": history[-1] if history else None,
            **{key.replace("/", "_"): value for key, value in final.items()},
            "steps": len(history),
            "total_steps": trainer.state.max_steps,
            "train_samples": len(pairs),
            "duration_s": round(time.perf_counter() - started, 2),
        }
        output_dir.mkdir(parents=True, exist_ok=True)
        trainer.model.save_pretrained(output_dir)
    write_adapter_metadata(
        output_dir,
        {
            "base_model": base_id or base_dir.name,
            "base_model_dir": str(base_dir),
            "method": "dpo",
            "status": state["status"],
            "config": config.to_dict() | {"target_modules": sorted(targets)},
            "metrics": metrics,
            "loss_history": history,
            "created_at": datetime.now(UTC).isoformat(),
        },
    )
    return TrainResult(state["status"], output_dir, len(history), trainer.state.max_steps, history, metrics)
