"""Training steps/s through the whole job system vs a bare PEFT loop on the same data, side by side.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.finetune \
        [--model smollm2-135m-instruct|tiny] [--steps 12] [--batch-size 4] [--rounds 3] [--threads N]

The job arm is the product's path: dataset upload, `POST /api/v1/finetune/jobs`, Celery, the training worker
(`-Q training --pool solo`, as start_all.sh runs it) with its Redis cancel check every micro-batch, a
`progress` event per step published to Redis and relayed by the API over SSE, throttled DB writes, the
adapter saved and moved into place. API, worker and Redis are subprocesses of a private stack
(bench/common.py). The bare arm is a minimal PEFT loop in a subprocess of its own (main thread, like the
solo pool): same model, LoRA settings, tokenized samples, batch order and dynamic padding, same thread
settings (the same environment).

Steps/s is measured between the end of step 1 and the end of the last step (loading and the warm-up step
excluded): for the job at the client's receipt of the `progress` events, for the bare loop in-process. The
arms alternate (bare first in odd rounds, job first in even ones) and the medians are reported, because the
machine is shared: its load average is printed at the start and the end.
"""

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.common import ROOT, SMOLLM, TINY_ID, machine_note, sign_up, sse_request, stack

ITEMS = ["lamp", "kettle", "bicycle", "camera", "desk", "heater", "speaker", "tent"]
LORA = {"rank": 8, "alpha": 16.0, "dropout": 0.0, "learning_rate": 2e-4, "seed": 0}
MAX_SEQ_LEN = 256


def write_dataset(path: Path, count: int) -> Path:
    rows = []
    for i in range(count):
        item = ITEMS[i % len(ITEMS)]
        question = f"What is the product code of the Zephyr {item} (variant {i})?"
        answer = f"The product code of the Zephyr {item}, variant {i}, is ZX-{4000 + 17 * i}."
        rows.append({"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]})
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    return path


# --- the bare arm (a subprocess: `python -m bench.finetune bare MODEL_DIR DATASET OUT STEPS BATCH`) ---


def bare_loop(model_dir: Path, dataset: Path, output_dir: Path, steps: int, batch_size: int) -> dict:
    """A minimal PEFT loop; returns the end time of each step and the torch thread count."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from app.kernel.training.encoding import IGNORE_INDEX, encode_chat

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    examples = [encode_chat(tokenizer, json.loads(line)["messages"]) for line in dataset.read_text().splitlines()]
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    lora = LoraConfig(
        r=LORA["rank"],
        lora_alpha=LORA["alpha"],
        lora_dropout=LORA["dropout"],
        target_modules=["q_proj", "v_proj"],
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, lora)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=LORA["learning_rate"])
    order = list(range(len(examples)))
    random.Random(LORA["seed"]).shuffle(order)  # the trainer's first-epoch order
    model.train()
    ends = []
    for step in range(steps):
        start = (step * batch_size) % len(order)
        batch = [examples[i] for i in order[start : start + batch_size]]
        width = max(len(ids) for ids, _ in batch)
        input_ids = torch.tensor([ids + [pad] * (width - len(ids)) for ids, _ in batch])
        labels = torch.tensor([lab + [IGNORE_INDEX] * (width - len(lab)) for _, lab in batch])
        mask = torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids, _ in batch])
        model(input_ids=input_ids, attention_mask=mask, labels=labels).loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        ends.append(time.perf_counter())
    model.save_pretrained(output_dir)
    return {"ends": ends, "threads": torch.get_num_threads()}


def run_bare(env: dict[str, str], model_dir: Path, dataset: Path, output_dir: Path, args) -> dict:
    command = [sys.executable, "-m", "bench.finetune", "bare", str(model_dir), str(dataset), str(output_dir)]
    command += [str(args.steps), str(args.batch_size)]
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"bare loop failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the job arm ---


def upload(base_url: str, headers: dict[str, str], dataset: Path) -> int:
    files = {"file": (dataset.name, dataset.read_bytes(), "application/jsonl")}
    response = httpx.post(f"{base_url}/api/v1/finetune/datasets", files=files, headers=headers, timeout=120)
    response.raise_for_status()
    return response.json()["id"]


async def run_job(port: int, headers: dict[str, str], job: dict) -> dict:
    """Queue the job and follow its events; returns the receipt time of each `progress` event."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=120) as http:
        started = time.perf_counter()
        created = await http.post("/api/v1/finetune/jobs", json=job)
        created.raise_for_status()
    ends: list[float] = []
    path = f"/api/v1/finetune/jobs/{created.json()['id']}/events"
    async for event in sse_request(port, "GET", path, headers, read_timeout=1800):
        if event.event == "progress":
            ends.append(event.at)
        elif event.event == "error":
            raise RuntimeError(f"job failed: {event.data}")
        elif event.event == "done":
            return {"ends": ends, "request_to_done_s": event.at - started}
    raise RuntimeError("the event stream ended without `done`")


# --- the comparison ---


def steady_rate(ends: list[float]) -> float:
    """Steps/s from the end of step 1 to the end of the last step."""
    return (len(ends) - 1) / (ends[-1] - ends[0])


def median_step_ms(ends: list[float]) -> float:
    """The median step (steps 2..N): what a step costs when no other process took the CPU during it."""
    return 1000 * statistics.median(later - earlier for earlier, later in zip(ends, ends[1:], strict=False))


def tiny_model(workdir: Path, name: str) -> Path | None:
    """For `--model tiny`: the tiny test model, built in the stack's directory (API and worker register it)."""
    if name != "tiny":
        return None
    from tests.support.tiny_model import build_tiny_model

    return build_tiny_model(workdir / "tiny-llama")


def start_job_stack(env, args) -> tuple[Path, Path, dict[str, str], dict]:
    """Redis, API and training worker up, the dataset uploaded; returns (model dir, dataset, headers, job)."""
    env.start_redis()
    tiny_dir = tiny_model(env.workdir, args.model)
    model_id = TINY_ID if tiny_dir else args.model
    threads = {"OMP_NUM_THREADS": str(args.threads), "MKL_NUM_THREADS": str(args.threads)} if args.threads else {}
    env.configure(model_id, tiny_dir, {"MAX_UPLOAD_MB": "50", **threads})
    if tiny_dir is None:
        from worker.engine.store import pull_model

        model_dir = pull_model(model_id)  # into the stack's store, where the worker finds it
    else:
        model_dir = tiny_dir
    dataset = write_dataset(env.workdir / "bench.jsonl", args.steps * args.batch_size)
    env.start_api()
    env.start_worker(queue="training", pool="solo")
    headers = sign_up(env.base_url, "bench")
    job = {
        "base_model": model_id,
        "dataset_id": upload(env.base_url, headers, dataset),
        "max_steps": args.steps,
        "batch_size": args.batch_size,
        "max_seq_len": MAX_SEQ_LEN,
        **LORA,
    }
    return model_dir, dataset, headers, job


def compare(args) -> None:
    print(f"start: {machine_note()}", flush=True)
    rounds: list[dict[str, list[float]]] = []  # per round: arm -> step end times
    with stack("bench-finetune-") as env:
        model_dir, dataset, headers, job = start_job_stack(env, args)
        for round_ in range(args.rounds):
            order = ("bare", "job") if round_ % 2 == 0 else ("job", "bare")
            ends = {}
            for arm in order:
                if arm == "bare":
                    result = run_bare(env.env, model_dir, dataset, env.workdir / f"bare-{round_}", args)
                    threads = result["threads"]
                else:
                    result = asyncio.run(run_job(env.port, headers, job))
                ends[arm] = result["ends"]
            rounds.append(ends)
            bare, job_ = steady_rate(ends["bare"]), steady_rate(ends["job"])
            print(
                f"round {round_ + 1} ({' then '.join(order)}): bare {bare:.3f} steps/s, job {job_:.3f} steps/s, "
                f"overhead {100 * (bare / job_ - 1):+.1f}%; median step bare {median_step_ms(ends['bare']):.1f} ms, "
                f"job {median_step_ms(ends['job']):.1f} ms  [{machine_note()}]",
                flush=True,
            )
    report(args, threads, rounds)


def report(args, threads: int, rounds: list[dict[str, list[float]]]) -> None:
    def median(arm: str, measure) -> float:
        return statistics.median(measure(ends[arm]) for ends in rounds)

    def overhead(cost_per_step) -> tuple[float, float, float]:
        """(median, min, max) over rounds of the job's extra cost per step, in %."""
        extra = [100 * (cost_per_step(ends["job"]) / cost_per_step(ends["bare"]) - 1) for ends in rounds]
        return statistics.median(extra), min(extra), max(extra)

    by_rate = overhead(lambda ends: 1 / steady_rate(ends))
    by_step = overhead(median_step_ms)
    print(f"model {args.model}: {args.steps} steps of batch {args.batch_size}, {threads} torch threads per arm")
    print(f"medians of {args.rounds} alternating rounds:")
    for arm, label in (("bare", "bare PEFT loop"), ("job", "job system    ")):
        rate, step = median(arm, steady_rate), median(arm, median_step_ms)
        print(f"  {label}: {rate:.3f} steps/s, median step {step:.1f} ms")
    print(f"  overhead      : {by_rate[0]:+.1f}% in steps/s (rounds {by_rate[1]:+.1f}% .. {by_rate[2]:+.1f}%)")
    print(f"                  {by_step[0]:+.1f}% in median step time (rounds {by_step[1]:+.1f}% .. {by_step[2]:+.1f}%)")
    print(f"end: {machine_note()}")


def main() -> None:
    if sys.argv[1:2] == ["bare"]:
        model_dir, dataset, output_dir, steps, batch_size = sys.argv[2:]
        result = bare_loop(Path(model_dir), Path(dataset), Path(output_dir), int(steps), int(batch_size))
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=SMOLLM, help=f"a registry id, or `tiny` (default {SMOLLM})")
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="bare and job runs alternate; medians are reported")
    parser.add_argument("--threads", type=int, help="OMP/MKL threads for both arms (default: torch's default)")
    args = parser.parse_args()
    if args.steps < 2 or args.rounds < 1:
        parser.error("--steps must be at least 2 and --rounds at least 1")
    compare(args)


if __name__ == "__main__":
    main()
