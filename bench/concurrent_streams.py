"""N simultaneous SSE chat streams against one API process, fed by a fake worker, so the relay is what's measured.

    .venv/bin/python -m bench.concurrent_streams [--streams 10,100,500] [--rate 20] [--tokens 50] [--ramp 5]

Processes (all on 127.0.0.1): a private redis-server; the real app under uvicorn (one process, no Celery worker);
a fake publisher subprocess that plays the generation worker — it waits until all N answers of a level are
queued (clients connect over `--ramp` seconds; so N streams really are open at once), takes them off the
pending queue (as `run_chat_job` does) and publishes `status`, then `--tokens` token events at `--rate`
tokens/s per answer, then `done`, through app/kernel/events.py (the same Lua script as EventPublisher; one pipelined
batch per tick, i.e. every answer gets its token at the same instant, like one batched decode step); and the
clients, raw asyncio SSE readers in this process, each POSTing a message to its own conversation. Token data
carries the publish time, so the client measures delivery latency (publish → read) and the inter-token gap.
Per level: errors, gap p50/p99/max, the gap the relay added (arrival gap − publish gap of the same two tokens),
delivery p50/p99, POST → first SSE event p50/p99, API peak RSS,
API CPU (cores, and µs per token event delivered) during the token phase, and the load average.
BENCH_KEEP=1 keeps the logs and the database.
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
    cpu_seconds,
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

    from app.kernel.contracts import QUEUE_GENERATION, EventType, JobKind
    from app.kernel.events import _PUBLISH_LUA, _encode
    from app.kernel.keys import pending_queue_key
    from app.kernel.settings import get_settings

    client = redis.Redis.from_url(get_settings().redis_url)
    script = client.register_script(_PUBLISH_LUA)
    queue = pending_queue_key(QUEUE_GENERATION)
    period = 1.0 / rate
    sent: dict[int, int] = {}  # message id -> tokens published so far
    finished, lags, batch_ms = 0, [], []
    started = time.monotonic()
    # Start together: wait until all `expect` answers are queued, so `expect` streams really run at once.
    # (Or until no new answer arrived for 5 s: clients whose POST failed never queue one.)
    queued, changed = 0, started
    while queued < expect and time.monotonic() - started < deadline_s / 2:
        time.sleep(0.05)
        if (now := client.zcard(queue)) != queued:
            queued, changed = now, time.monotonic()
        elif queued and time.monotonic() - changed > 5:
            break
    tick = time.monotonic()

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
        "waited_for_clients_s": round(tick - started, 1),
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
    arrivals, published, delivery, queued_at = [], [], [], None
    try:
        path = f"/api/v1/conversations/{conversation_id}/messages"
        async for event in sse_request(port, "POST", path, headers, {"content": "Hello"}, read_timeout=60):
            if queued_at is None:
                queued_at = event.at
            if event.event == "token":
                arrivals.append(event.at)
                published.append(json.loads(event.data)["t"])
                delivery.append((event.at + offset - published[-1]) * 1000)
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
    result["first"].append((queued_at - started) * 1000)
    if arrivals:
        result["span"].append((arrivals[0], arrivals[-1]))
    result["gaps"].extend((b - a) * 1000 for a, b in zip(arrivals, arrivals[1:], strict=False))
    # The relay's own share of a gap: the arrival gap minus the gap at which the fake worker published the pair.
    publish_gaps = [(b - a) * 1000 for a, b in zip(published, published[1:], strict=False)]
    result["added_gaps"].extend(g - p for g, p in zip(result["gaps"][-len(publish_gaps) :], publish_gaps, strict=False))
    result["delivery"].extend(delivery)
    result["delivery_late"].extend(delivery[10:])  # steady state: after the start-up burst


async def sample_api(pid: int, samples: list[tuple[float, float, float]], stop: asyncio.Event) -> None:
    """(perf_counter, CPU seconds, RSS MiB) of the API process every 0.25 s."""
    while not stop.is_set():
        samples.append((time.perf_counter(), cpu_seconds(pid), rss_mib(pid)))
        try:
            await asyncio.wait_for(stop.wait(), 0.25)
        except TimeoutError:
            pass


async def run_level(port: int, headers: dict, conversations: list[int], ramp: float, api_pid: int) -> dict:
    result = {
        "ok": 0,
        "tokens": 0,
        "errors": Counter(),
        "gaps": [],
        "delivery": [],
        "first": [],
        "span": [],
        "delivery_late": [],
        "added_gaps": [],
    }
    samples: list[tuple[float, float, float]] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_api(api_pid, samples, stop))
    n = len(conversations)
    started, client_cpu = time.perf_counter(), cpu_seconds(os.getpid())
    await asyncio.gather(*(one_stream(port, headers, cid, ramp * i / n, result) for i, cid in enumerate(conversations)))
    result["wall_s"] = time.perf_counter() - started
    result["client_cpu_s"] = cpu_seconds(os.getpid()) - client_cpu
    stop.set()
    await sampler
    result["rss_peak_mib"] = max(rss for _, _, rss in samples)
    result["cpu_per_token_us"] = float("nan")
    if result["span"]:
        begin, end = min(a for a, _ in result["span"]), max(b for _, b in result["span"])
        inside = [(t, cpu) for t, cpu, _ in samples if begin <= t <= end]
        if len(inside) >= 2 and result["tokens"]:
            (t0, c0), (t1, c1) = inside[0], inside[-1]
            rate = result["tokens"] / (end - begin)  # token events per second over the token phase
            result["cpu_per_token_us"] = (c1 - c0) / (rate * (t1 - t0)) * 1e6 if t1 > t0 else float("nan")
            result["api_cpu_share"] = (c1 - c0) / (t1 - t0)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", default="10,100,500", help="comma-separated concurrency levels")
    parser.add_argument("--rate", type=float, default=20.0, help="tokens per second per answer")
    parser.add_argument("--tokens", type=int, default=50, help="tokens per answer")
    parser.add_argument("--ramp", type=float, default=5.0, help="seconds over which a level's clients connect")
    parser.add_argument(
        "--api-redis-pool",
        type=int,
        default=0,
        help="REDIS_MAX_CONNECTIONS for the API (default: the product's setting)",
    )
    args = parser.parse_args()
    levels = [int(x) for x in args.streams.split(",")]
    print(f"open files limit {raise_nofile()}; {machine_note()}")
    print(f"fake worker: {args.tokens} tokens at {args.rate:g}/s per answer (gap {1000 / args.rate:.0f} ms)")

    with stack("bench-concurrent-") as env:
        env.start_redis()
        extra = {"GENERATION_QUEUE_TIMEOUT_SECONDS": "3600"}
        if args.api_redis_pool:
            extra["REDIS_MAX_CONNECTIONS"] = str(args.api_redis_pool)
            print(f"API Redis pool max_connections={args.api_redis_pool}")
        env.configure(SMOLLM, None, extra)
        env.start_api()
        api_pid = env.procs["api"].pid
        headers = sign_up(env.base_url, "bench")
        print(f"API pid {api_pid}, RSS at rest {rss_mib(api_pid):.0f} MiB")
        header = f"{'streams':>7} {'ok':>4} {'err':>4} {'gap p50':>8} {'gap p99':>8} {'gap max':>8} "
        header += f"{'deliv p50':>9} {'deliv p99':>9} {'POST p50':>8} {'POST p99':>8} {'RSS MiB':>8} {'wall s':>6} load"
        rows = []
        for n in levels:
            conversations = new_conversations(env.base_url, headers, n, title="bench")
            deadline = 2 * (args.ramp + 60) + args.tokens / args.rate * 4
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
            added = result["added_gaps"]
            print(
                f"        gap added by the relay (arrival gap - publish gap): p50 {percentile(added, 50):.1f} ms, "
                f"p99 {percentile(added, 99):.1f} ms (the rest of the gap is the fake worker's own tick jitter)"
            )
            late = result["delivery_late"]
            print(
                f"        delivery after each stream's 10th token: p50 {percentile(late, 50):.1f} ms, "
                f"p99 {percentile(late, 99):.1f} ms"
            )
            print(
                f"        API CPU during the token phase: {result.get('api_cpu_share', float('nan')):.2f} cores, "
                f"{result['cpu_per_token_us']:.0f} us per token event delivered; "
                f"client process CPU {result['client_cpu_s']:.1f} s over {result['wall_s']:.1f} s"
            )
            verdict = "ok" if errors == 0 and percentile(result["gaps"], 99) < GAP_TARGET_MS else "MISSED"
            print(f"        mean gap {mean_gap:.1f} ms; target (no errors, p99 gap < {GAP_TARGET_MS:g} ms): {verdict}")
        print(f"API RSS after: {rss_mib(api_pid):.0f} MiB; {machine_note()}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--publisher":
        rate, tokens, expect, deadline = sys.argv[2].split(",")
        publisher(float(rate), int(tokens), int(expect), float(deadline))
    else:
        main()
