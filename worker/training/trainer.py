"""The fine-tuning run: a plain PyTorch loop over a PEFT model with progress, cancellation and metrics.

A bare loop rather than HF Trainer: per-step callbacks and a cancel check are all the job system needs.
Nothing in a step waits on I/O or on the device more than once; bench/finetune.py compares the whole job
path with a minimal PEFT loop.
"""

import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch
from peft import PeftModel

from app.kernel.training.config import TrainConfig
from app.kernel.training.dataset import load_samples, split_indices, validate_dataset
from app.kernel.training.encoding import IGNORE_INDEX, encode_chat
from app.kernel.training.errors import TrainingError
from worker.training.metadata import write_adapter_metadata
from worker.training.modeling import (
    attach_lora,
    context_length,
    load_base_model,
    load_tokenizer,
    pick_device,
    seed_everything,
)

COMPLETED = "completed"
CANCELLED = "cancelled"

Example = tuple[list[int], list[int]]
ProgressCallback = Callable[[dict[str, Any]], None]


@dataclass
class TrainResult:
    status: str  # COMPLETED or CANCELLED
    output_dir: Path
    steps: int
    total_steps: int
    loss_history: list[float]  # training loss of optimizer step i+1
    metrics: dict[str, Any] = field(default_factory=dict)


def train(
    config: TrainConfig,
    base_model_dir: str | Path,
    dataset_path: str | Path,
    output_dir: str | Path,
    on_progress: ProgressCallback | None = None,
    should_cancel: Callable[[], bool] | None = None,
    base_model_id: str | None = None,
) -> TrainResult:
    """Train a LoRA adapter on `dataset_path` and save it with `localmind_adapter.json` in `output_dir`.

    Raises ConfigError (a TrainingError) for bad settings and TrainingError with a readable reason for
    any other failure, out-of-memory included. A cancelled run saves the adapter so far. `method: dpo` trains
    on preference pairs instead (worker/training/dpo.py).
    """
    config.validate()
    if config.method == "dpo":
        from worker.training.dpo import train_dpo  # TRL is imported for DPO jobs only

        paths = Path(base_model_dir), Path(dataset_path), Path(output_dir)
        return train_dpo(config, paths, base_model_id, on_progress, should_cancel)
    try:
        return _Run(config, Path(base_model_dir), Path(dataset_path), Path(output_dir), base_model_id).execute(
            on_progress or (lambda _: None), should_cancel or (lambda: False)
        )
    except TrainingError:
        raise
    except Exception as exc:
        if _is_out_of_memory(exc):
            raise TrainingError("ran out of memory; lower batch_size or max_seq_len, or use method qlora") from exc
        raise TrainingError(f"training failed: {type(exc).__name__}: {exc}") from exc


class _Run:
    def __init__(self, config: TrainConfig, base_dir: Path, dataset: Path, output_dir: Path, base_id: str | None):
        self.config = config
        self.base_dir = base_dir
        self.dataset = dataset
        self.output_dir = output_dir
        self.base_id = base_id or base_dir.name
        self.device = pick_device()

    def execute(self, on_progress: ProgressCallback, should_cancel: Callable[[], bool]) -> TrainResult:
        started = time.perf_counter()
        config = self.config
        seed_everything(config.seed)
        tokenizer = load_tokenizer(self.base_dir)
        train_set, eval_set = self._load_examples(tokenizer)
        model = load_base_model(self.base_dir, config.method, self.device)
        config.validate(max_context=context_length(model))
        model = attach_lora(model, config)
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        steps_per_epoch = math.ceil(len(train_set) / (config.batch_size * config.grad_accum))
        total_steps = config.max_steps or steps_per_epoch * config.epochs

        eval_before = self._evaluate(model, eval_set, pad_id)
        loop_started = time.perf_counter()
        status, loss_history, tokens = self._loop(model, train_set, pad_id, total_steps, on_progress, should_cancel)
        train_seconds = time.perf_counter() - loop_started
        eval_after = self._evaluate(model, eval_set, pad_id) if status == COMPLETED else None

        metrics = {
            "train_loss": sum(loss_history) / len(loss_history) if loss_history else None,
            "final_loss": loss_history[-1] if loss_history else None,
            "eval_loss_before": eval_before,
            "eval_loss_after": eval_after,
            "eval_perplexity_before": _perplexity(eval_before),
            "eval_perplexity_after": _perplexity(eval_after),
            "steps": len(loss_history),
            "total_steps": total_steps,
            "train_samples": len(train_set),
            "eval_samples": len(eval_set),
            "tokens_per_s": round(tokens / train_seconds, 1) if train_seconds > 0 else None,
            "train_s": round(train_seconds, 2),
            "duration_s": round(time.perf_counter() - started, 2),
        }
        self._save(model, status, metrics, loss_history)
        return TrainResult(status, self.output_dir, len(loss_history), total_steps, loss_history, metrics)

    def _loop(
        self,
        model: PeftModel,
        train_set: list[Example],
        pad_id: int,
        total_steps: int,
        on_progress: ProgressCallback,
        should_cancel: Callable[[], bool],
    ) -> tuple[str, list[float], int]:
        """Run the optimizer steps; returns (status, loss per step, tokens seen)."""
        config = self.config
        optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.learning_rate)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _linear_schedule(config.warmup_steps, total_steps))
        batches = _micro_batches(train_set, config.batch_size, config.seed, pad_id, self.device)
        loss_history: list[float] = []
        tokens = 0
        started = time.perf_counter()
        model.train()
        for step in range(1, total_steps + 1):
            group = [next(batches) for _ in range(config.grad_accum)]
            targets = sum(batch.targets for _, batch in group)
            step_loss = torch.zeros((), device=self.device)
            for _, batch in group:
                if should_cancel():
                    optimizer.zero_grad(set_to_none=True)
                    return CANCELLED, loss_history, tokens
                output = model(**batch.tensors, num_items_in_batch=max(targets, 1))
                output.loss.backward()
                step_loss += output.loss.detach()
                tokens += batch.tokens
            loss = step_loss.item()  # the step's one wait for the device
            if not math.isfinite(loss):
                raise TrainingError(f"loss became {loss} at step {step}; lower learning_rate")
            learning_rate = scheduler.get_last_lr()[0]
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            loss_history.append(loss)
            elapsed = time.perf_counter() - started
            on_progress(
                {
                    "step": step,
                    "total_steps": total_steps,
                    "epoch": round(group[-1][0], 3),
                    "loss": loss,
                    "learning_rate": learning_rate,
                    "tokens_per_s": round(tokens / elapsed, 1),
                    "eta_s": round(elapsed / step * (total_steps - step), 1),
                }
            )
        return COMPLETED, loss_history, tokens

    def _load_examples(self, tokenizer) -> tuple[list[Example], list[Example]]:
        config = self.config
        report = validate_dataset(self.dataset, tokenizer, config.max_seq_len, config.eval_fraction, config.seed)
        if not report.valid:
            shown = "; ".join(f"line {issue.line}: {issue.message}" for issue in report.errors[:5])
            raise TrainingError(f"the dataset has {report.error_count} invalid sample(s): {shown}")
        examples = [encode_chat(tokenizer, messages) for messages in load_samples(self.dataset)]
        train_indices, eval_indices = split_indices(len(examples), config.eval_fraction, config.seed)
        return [examples[i] for i in train_indices], [examples[i] for i in eval_indices]

    @torch.no_grad()
    def _evaluate(self, model: PeftModel, examples: list[Example], pad_id: int) -> float | None:
        """Mean loss per assistant token over the held-out samples."""
        if not examples:
            return None
        model.eval()
        total, count = 0.0, 0
        for start in range(0, len(examples), self.config.batch_size):
            batch = _collate(examples[start : start + self.config.batch_size], pad_id, self.device)
            total += model(**batch.tensors, num_items_in_batch=1).loss.item()
            count += batch.targets
        model.train()
        return total / max(count, 1)

    def _save(self, model: PeftModel, status: str, metrics: dict[str, Any], loss_history: list[float]) -> None:
        self.output_dir.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(self.output_dir)
        write_adapter_metadata(
            self.output_dir,
            {
                "base_model": self.base_id,
                "base_model_dir": str(self.base_dir),
                "method": self.config.method,
                "status": status,
                "config": self.config.to_dict()
                | {"target_modules": sorted(model.peft_config["default"].target_modules)},
                "metrics": metrics,
                "loss_history": loss_history,
                "created_at": datetime.now(UTC).isoformat(),
            },
        )


@dataclass(frozen=True)
class _Batch:
    tensors: dict[str, torch.Tensor]  # the model's keyword arguments, on the device
    tokens: int  # tokens that are not padding
    targets: int  # tokens the loss is computed on (assistant tokens after the causal shift)


def _micro_batches(
    examples: list[Example], batch_size: int, seed: int, pad_id: int, device: torch.device
) -> Iterator[tuple[float, _Batch]]:
    """Endless (epoch progress, batch) pairs, reshuffled deterministically each epoch."""
    rng = random.Random(seed)
    epoch = 0
    while True:
        order = list(range(len(examples)))
        rng.shuffle(order)
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            progress = epoch + min(start + batch_size, len(order)) / len(order)
            yield progress, _collate([examples[i] for i in chosen], pad_id, device)
        epoch += 1


def _collate(examples: list[Example], pad_id: int, device: torch.device) -> _Batch:
    """Right-pad to the longest sample; padding is masked out of attention and loss.

    The counts are taken on the host, before the copy to the device, so reading them never waits for it.
    """
    width = max(len(ids) for ids, _ in examples)
    # One tensor per field from padded lists: cheaper than a slice copy per row.
    input_ids = torch.tensor([ids + [pad_id] * (width - len(ids)) for ids, _ in examples])
    labels = torch.tensor([target + [IGNORE_INDEX] * (width - len(target)) for _, target in examples])
    attention_mask = torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids, _ in examples])
    tensors = {"input_ids": input_ids, "labels": labels, "attention_mask": attention_mask}
    return _Batch(
        tensors={name: tensor.to(device) for name, tensor in tensors.items()},
        tokens=sum(len(ids) for ids, _ in examples),
        targets=int((labels[:, 1:] != IGNORE_INDEX).sum()),
    )


def _linear_schedule(warmup_steps: int, total_steps: int) -> Callable[[int], float]:
    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / (warmup_steps + 1)
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))

    return factor


def _perplexity(loss: float | None) -> float | None:
    return None if loss is None else math.exp(min(loss, 50.0))


def _is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError | torch.OutOfMemoryError):
        return True
    text = str(exc).lower()
    return "out of memory" in text or "can't allocate memory" in text
