"""N simultaneous SSE chat streams against one API process, fed by a fake worker, so the relay is what's measured.

    .venv/bin/python -m bench.concurrent_streams [--streams 10,100,500] [--rate 20] [--tokens 50] [--ramp 2]

Processes (all on 127.0.0.1): a private redis-server; the real app under uvicorn (one process, no Celery worker);
a fake publisher subprocess that plays the generation worker — it takes answers off the pending queue (as
`run_chat_job` does) and publishes `status`, then `--tokens` token events at `--rate` tokens/s per answer, then
`done`, through app/events.py (the same Lua script as EventPublisher; one pipelined batch per tick, i.e. every
answer gets its token at the same instant, like one batched decode step); and the clients, raw asyncio SSE readers
in this process, each POSTing a message to its own conversation. Token data carries the publish time, so the
client measures delivery latency (publish → read) as well as the inter-token gap. Reports errors, gap p50/p99/max,
delivery p50/p99, API RSS and the load average, per level.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter

from bench.common import (
    ROOT,
    SMOLLM,
    machine_note,
    new_conversations,
    percentile,
    raise_nofile,
    rss_mib,
    sign_up,
    sse_request,
    stack,
)

GAP_TARGET_MS = 100.0


# --- the fake generation worker (subprocess) ---


def publisher(rate: float, tokens: int, expect: int, deadline_s: float) -> None:
    import redis

    from app.contracts import QUEUE_GENERATION, EventType, JobKind, pending_queue_key
    from app.core.config import get_settings
    from app.events import _PUBLISH_LUA, _encode

    client = redis.Redis.from_url(get_settings().redis_url)
    script = client.register_script(_PUBLISH_LUA)
    queue = pending_queue_key(QUEUE_GENERATION)
    period = 1.0 / rate
    sent: dict[int, int] = {}  # message id -> tokens published so far
    finished, lags, batch_ms = 0, [], []
    started = time.monotonic()
    tick = started

    def publish(pipe, message_id: int, event_type: str, data: dict) -> None:
        keys, args = _encode(JobKind.MESSAGE, message_id, event_type, data)
        script(keys=keys, args=args, client=pipe)

    while finished < expect and time.monotonic() - started < deadline_s:
        now = time.monotonic()
        if now < tick:
            time.sleep(tick - now)
        lags.append((time.monotonic() - tick) * 1000)
        tick += period
        t0 = time.perf_counter()
        pipe = client.pipeline(transaction=False)
        for raw in client.zrange(queue, 0, -1):
            message_id = int(raw)
            client.zrem(queue, raw)
            sent[message_id] = 0
            publish(pipe, message_id, EventType.STATUS, {"state": "generating", "model": "fake"})
        for message_id in list(sent):
            if sent[message_id] < tokens:
                sent[message_id] += 1
                publish(pipe, message_id, EventType.TOKEN, {"text": f" w{sent[message_id]}", "t": time.time()})
            else:
                publish(pipe, message_id, EventType.DONE, {"message": {"id": message_id}, "finish_reason": "length"})
                del sent[message_id]
                finished += 1
        pipe.execute()
        batch_ms.append((time.perf_counter() - t0) * 1000)
    stats = {
        "finished": finished,
        "tick_lag_p50_ms": percentile(lags, 50),
        "tick_lag_p99_ms": percentile(lags, 99),
        "publish_batch_p99_ms": percentile(batch_ms, 99),
    }
    print(json.dumps(stats), flush=True)


# --- the clients (this process) ---


async def one_stream(port: int, headers: dict, conversation_id: int, delay: float, result: dict) -> None:
    await asyncio.sleep(delay)
    offset = time.time() - time.perf_counter()
    started = time.perf_counter()
    arrivals, delivery = [], []
    try:
        path = f"/api/v1/conversations/{conversation_id}/messages"
        async for event in sse_request(port, "POST", path, headers, {"content": "Hello"}, timeout=60):
            if event.event == "token":
                arrivals.append(event.at)
                delivery.append((event.at + offset - json.loads(event.data)["t"]) * 1000)
            elif event.event == "error":
                result["errors"][f"error event: {json.loads(event.data).get('code')}"] += 1
                return
            elif event.event == "done":
                break
        else:
            result["errors"]["stream ended without done"] += 1
            return
    except Exception as exc:  # noqa: BLE001 - every failure is counted, by kind
        result["errors"][f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
        return
    result["ok"] += 1
    result["tokens"] += len(arrivals)
    result["first"].append((arrivals[0] - started) * 1000 if arrivals else float("nan"))
    result["gaps"].extend((b - a) * 1000 for a, b in zip(arrivals, arrivals[1:], strict=False))
    result["delivery"].extend(delivery)


async def sample_rss(pid: int, samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        samples.append(rss_mib(pid))
        try:
            await asyncio.wait_for(stop.wait(), 0.5)
        except TimeoutError:
            pass


async def run_level(port: int, headers: dict, conversations: list[int], ramp: float, api_pid: int) -> dict:
    result = {"ok": 0, "tokens": 0, "errors": Counter(), "gaps": [], "delivery": [], "first": []}
    rss: list[float] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_rss(api_pid, rss, stop))
    n = len(conversations)
    started = time.perf_counter()
    await asyncio.gather(*(one_stream(port, headers, cid, ramp * i / n, result) for i, cid in enumerate(conversations)))
    result["wall_s"] = time.perf_counter() - started
    stop.set()
    await sampler
    result["rss_peak_mib"] = max(rss)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", default="10,100,500", help="comma-separated concurrency levels")
    parser.add_argument("--rate", type=float, default=20.0, help="tokens per second per answer")
    parser.add_argument("--tokens", type=int, default=50, help="tokens per answer")
    parser.add_argument("--ramp", type=float, default=2.0, help="seconds over which a level's clients connect")
    args = parser.parse_args()
    levels = [int(x) for x in args.streams.split(",")]
    print(f"open files limit {raise_nofile()}; {machine_note()}")
    print(f"fake worker: {args.tokens} tokens at {args.rate:g}/s per answer (gap {1000 / args.rate:.0f} ms)")

    with stack("bench-concurrent-") as env:
        env.start_redis()
        env.configure(SMOLLM, None, {"GENERATION_QUEUE_TIMEOUT_SECONDS": "3600"})
        env.start_api()
        api_pid = env.procs["api"].pid
        headers = sign_up(env.base_url, "bench")
        print(f"API pid {api_pid}, RSS at rest {rss_mib(api_pid):.0f} MiB")
        header = f"{'streams':>7} {'ok':>4} {'err':>4} {'gap p50':>8} {'gap p99':>8} {'gap max':>8} "
        header += f"{'deliv p50':>9} {'deliv p99':>9} {'1st p50':>8} {'1st p99':>8} {'RSS MiB':>8} {'wall s':>6} load"
        rows = []
        for n in levels:
            conversations = new_conversations(env.base_url, headers, n, title="bench")
            deadline = args.ramp + args.tokens / args.rate * 4 + 60
            log = open(env.workdir / f"publisher-{n}.log", "w+")  # noqa: SIM115
            fake = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bench.concurrent_streams",
                    "--publisher",
                    f"{args.rate},{args.tokens},{n},{deadline}",
                ],
                cwd=ROOT,
                env={**os.environ, **env.env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            env.procs[f"publisher-{n}"] = fake
            result = asyncio.run(run_level(env.port, headers, conversations, args.ramp, api_pid))
            try:
                fake.wait(deadline)
            except subprocess.TimeoutExpired:
                fake.kill()
            env.procs.pop(f"publisher-{n}")
            log.seek(0)
            fake_stats = log.read().strip().splitlines()[-1:] or ["{}"]
            errors = sum(result["errors"].values())
            row = (
                f"{n:>7} {result['ok']:>4} {errors:>4} {percentile(result['gaps'], 50):8.1f} "
                f"{percentile(result['gaps'], 99):8.1f} {max(result['gaps'], default=float('nan')):8.1f} "
                f"{percentile(result['delivery'], 50):9.1f} {percentile(result['delivery'], 99):9.1f} "
                f"{percentile(result['first'], 50):8.0f} {percentile(result['first'], 99):8.0f} "
                f"{result['rss_peak_mib']:8.0f} {result['wall_s']:6.1f} {os.getloadavg()[0]:.2f}"
            )
            rows.append(row)
            print(header if len(rows) == 1 else "", end="\n" if len(rows) == 1 else "")
            print(row, flush=True)
            if result["errors"]:
                print(f"        errors: {dict(result['errors'])}")
            print(f"        fake worker: {fake_stats[0]}; tokens received {result['tokens']}/{n * args.tokens}")
            mean_gap = statistics.mean(result["gaps"]) if result["gaps"] else float("nan")
            verdict = "ok" if errors == 0 and percentile(result["gaps"], 99) < GAP_TARGET_MS else "MISSED"
            print(f"        mean gap {mean_gap:.1f} ms; target (no errors, p99 gap < {GAP_TARGET_MS:g} ms): {verdict}")
        print(f"API RSS after: {rss_mib(api_pid):.0f} MiB; {machine_note()}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--publisher":
        rate, tokens, expect, deadline = sys.argv[2].split(",")
        publisher(float(rate), int(tokens), int(expect), float(deadline))
    else:
        main()
