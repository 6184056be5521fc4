"""Overhead of the fine-tuning job path vs a bare PEFT loop, same model, data, settings and step count.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.finetune [--model ID] [--steps 20] [--batch-size 8]

The job path is `worker.training.trainer.train` with everything the Celery task uses: dataset
validation, progress callbacks (serialized as an event would be), a cancel check every micro-batch,
adapter + metadata saving. The bare loop loads the model, wraps it with the same LoRA config, trains on
the same tokenized samples and saves the adapter. Both are timed end to end (model load included).
"""

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer

from worker.engine.store import pull_model
from worker.training.config import TrainConfig
from worker.training.encoding import IGNORE_INDEX, encode_chat
from worker.training.trainer import train

ITEMS = ["lamp", "kettle", "bicycle", "camera", "desk", "heater", "speaker", "tent"]


def write_dataset(path: Path, count: int) -> Path:
    rows = []
    for i in range(count):
        item = ITEMS[i % len(ITEMS)]
        question = f"What is the product code of the Zephyr {item} (variant {i})?"
        answer = f"The product code of the Zephyr {item}, variant {i}, is ZX-{4000 + 17 * i}."
        rows.append(
            {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}
        )
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    return path


def run_job(config: TrainConfig, model_dir: Path, dataset: Path, output_dir: Path) -> tuple[float, float]:
    """Returns (wall seconds, seconds inside the training loop)."""

    def publish(event: dict) -> None:
        json.dumps(event)  # what the task does before handing the event to Redis

    started = time.perf_counter()
    result = train(config, model_dir, dataset, output_dir, on_progress=publish, should_cancel=lambda: False)
    return time.perf_counter() - started, result.metrics["train_s"]


def run_bare(config: TrainConfig, model_dir: Path, dataset: Path, output_dir: Path) -> tuple[float, float]:
    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    samples = [json.loads(line)["messages"] for line in dataset.read_text().splitlines()]
    examples = [encode_chat(tokenizer, messages) for messages in samples]
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    lora = LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,
        lora_dropout=config.dropout,
        target_modules=["q_proj", "v_proj"],
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, lora)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.learning_rate)
    order = list(range(len(examples)))
    random.Random(config.seed).shuffle(order)
    model.train()
    loop_started = time.perf_counter()
    for step in range(config.max_steps):
        start = (step * config.batch_size) % len(order)
        batch = [examples[i] for i in order[start : start + config.batch_size]]
        width = max(len(ids) for ids, _ in batch)
        input_ids = torch.tensor([ids + [tokenizer.pad_token_id] * (width - len(ids)) for ids, _ in batch])
        labels = torch.tensor([lab + [IGNORE_INDEX] * (width - len(lab)) for _, lab in batch])
        mask = torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids, _ in batch])
        loss = model(input_ids=input_ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    loop = time.perf_counter() - loop_started
    model.save_pretrained(output_dir)
    return time.perf_counter() - started, loop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()

    model_dir = pull_model(args.model)
    config = TrainConfig(max_steps=args.steps, batch_size=args.batch_size, dropout=0.0, max_seq_len=256)
    with tempfile.TemporaryDirectory() as tmp:
        dataset = write_dataset(Path(tmp) / "bench.jsonl", args.steps * args.batch_size)
        bare_wall, bare_loop = run_bare(config, model_dir, dataset, Path(tmp) / "bare")
        job_wall, job_loop = run_job(config, model_dir, dataset, Path(tmp) / "job")

    threads = torch.get_num_threads()
    print(f"model {args.model}, {args.steps} steps of batch {args.batch_size}, {threads} threads")
    print(
        f"bare PEFT loop : {args.steps / bare_wall:.3f} steps/s end to end ({bare_wall:.1f} s), "
        f"{args.steps / bare_loop:.3f} steps/s in the loop"
    )
    print(
        f"train() job    : {args.steps / job_wall:.3f} steps/s end to end ({job_wall:.1f} s), "
        f"{args.steps / job_loop:.3f} steps/s in the loop"
    )
    print(
        f"overhead       : {100 * (job_wall / bare_wall - 1):+.1f}% end to end, "
        f"{100 * (job_loop / bare_loop - 1):+.1f}% in the loop"
    )


if __name__ == "__main__":
    main()
