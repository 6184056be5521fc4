"""What the streaming path adds on top of the engine: (a) tokens timed straight from `get_engine().stream()` in
this process vs (b) the same prompt through API → Celery → Redis pub/sub → SSE on loopback.

    .venv/bin/python -m bench.stream_overhead [--model tiny|smollm2-135m-instruct] [--runs 20] [--tokens 64]

(b) runs the real app under uvicorn and the real Celery worker (`--pool threads`, as start_all.sh) as two
subprocesses, with a private redis-server and SQLite database; the client is a raw asyncio SSE reader in this
process. Runs alternate a/b (and b/a) so machine noise hits both alike; greedy decoding, same prompt, and the
texts are compared. Prints TTFT p50 and inter-token gap p50/p99 of each path and the differences (b − a).
"""

import argparse
import asyncio
import json
import statistics
import time
from dataclasses import dataclass

from bench.common import SMOLLM, machine_note, new_conversations, percentile, sign_up, sse_request, stack

PROMPT = "Write a long, detailed story about a lighthouse keeper and the sea."
TARGETS = {"ttft_ms": 50.0, "gap_p50_ms": 2.0, "gap_p99_ms": 10.0}


@dataclass
class Run:
    ttft: float  # seconds from the request to the first token
    times: list[float]  # perf_counter() of each token
    text: str

    @property
    def gaps(self) -> list[float]:
        return [b - a for a, b in zip(self.times, self.times[1:], strict=False)]

    @property
    def total(self) -> float:
        return self.times[-1] - self.times[0] + self.ttft


def run_engine(model: str, tokens: int) -> Run:
    from worker.engine.engine import get_engine
    from worker.engine.generation import GenerationParams

    params = GenerationParams(max_new_tokens=tokens, temperature=0.0)
    started = time.perf_counter()
    times, text = [], []
    for event in get_engine().stream(model, [{"role": "user", "content": PROMPT}], params):
        if event.text:
            times.append(time.perf_counter())
            text.append(event.text)
    return Run(times[0] - started, times, "".join(text))


async def _run_api(port: int, headers: dict[str, str], conversation_id: int, model: str, tokens: int) -> Run:
    body = {"content": PROMPT, "model": model, "params": {"max_new_tokens": tokens, "temperature": 0.0}}
    started = time.perf_counter()
    times, text = [], []
    async for event in sse_request(port, "POST", f"/api/v1/conversations/{conversation_id}/messages", headers, body):
        if event.event == "token":
            times.append(event.at)
            text.append(json.loads(event.data)["text"])
        elif event.event == "error":
            raise RuntimeError(f"generation failed: {event.data}")
        elif event.event == "done":
            break
    return Run(times[0] - started, times, "".join(text))


def run_api(port: int, headers: dict[str, str], conversation_id: int, model: str, tokens: int) -> Run:
    return asyncio.run(_run_api(port, headers, conversation_id, model, tokens))


def ms(seconds: float) -> float:
    return seconds * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=SMOLLM, help=f"a registry id, or 'tiny' (default {SMOLLM})")
    parser.add_argument("--runs", type=int, default=20, help="measured runs per path (after one warm-up each)")
    parser.add_argument("--tokens", type=int, default=64, help="max_new_tokens per run")
    args = parser.parse_args()

    with stack("bench-stream-") as env:
        env.start_redis()
        model = env.serve_model(args.model)
        headers = sign_up(env.base_url, "bench")
        conversations = new_conversations(env.base_url, headers, args.runs + 1)
        print(f"model {model}, {args.tokens} tokens max, {args.runs} runs per path; {machine_note()}")

        run_engine(model, args.tokens)  # warm-up: load the model in this process
        run_api(env.port, headers, conversations[0], model, args.tokens)  # ... and in the worker
        direct: list[Run] = []
        relayed: list[Run] = []
        for i in range(args.runs):
            pair = [lambda: direct.append(run_engine(model, args.tokens))]
            pair.append(
                lambda i=i: relayed.append(run_api(env.port, headers, conversations[i + 1], model, args.tokens))
            )
            for step in pair if i % 2 == 0 else reversed(pair):
                step()
        note_after = machine_note()

    same_text = sum(a.text == b.text for a, b in zip(direct, relayed, strict=True))
    ttft_a = [ms(r.ttft) for r in direct]
    ttft_b = [ms(r.ttft) for r in relayed]
    paired = [b - a for a, b in zip(ttft_a, ttft_b, strict=True)]
    gaps_a = [ms(g) for r in direct for g in r.gaps]
    gaps_b = [ms(g) for r in relayed for g in r.gaps]
    total_paired = [ms(b.total - a.total) for a, b in zip(direct, relayed, strict=True)]
    tokens = statistics.mean(len(r.times) for r in direct)
    rows = [
        ("TTFT p50 (ms)", percentile(ttft_a, 50), percentile(ttft_b, 50)),
        ("inter-token gap p50 (ms)", percentile(gaps_a, 50), percentile(gaps_b, 50)),
        ("inter-token gap p99 (ms)", percentile(gaps_a, 99), percentile(gaps_b, 99)),
        ("inter-token gap mean (ms)", statistics.mean(gaps_a), statistics.mean(gaps_b)),
    ]
    print(f"identical text in {same_text}/{len(direct)} pairs; {tokens:.0f} tokens per run on average")
    print(f"{'':28} {'(a) engine':>11} {'(b) API+SSE':>12} {'added b-a':>10}")
    for name, a, b in rows:
        print(f"{name:28} {a:11.2f} {b:12.2f} {b - a:10.2f}")
    print(f"added TTFT, paired per run: p50 {percentile(paired, 50):.2f} ms, max {max(paired):.2f} ms")
    print(f"added time to last token, paired per run: p50 {percentile(total_paired, 50):.2f} ms")
    added = {
        "ttft_ms": percentile(ttft_b, 50) - percentile(ttft_a, 50),
        "gap_p50_ms": percentile(gaps_b, 50) - percentile(gaps_a, 50),
        "gap_p99_ms": percentile(gaps_b, 99) - percentile(gaps_a, 99),
    }
    verdict = ", ".join(
        f"{k} {v:+.2f} {'<' if v < TARGETS[k] else '>='} {TARGETS[k]:g} {'ok' if v < TARGETS[k] else 'MISSED'}"
        for k, v in added.items()
    )
    print(f"targets: {verdict}")
    print(f"after: {note_after}")


if __name__ == "__main__":
    main()
