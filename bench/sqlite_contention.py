"""Concurrent writers on SQLite: N clients POSTing messages, renaming and listing conversations, one API process.

    .venv/bin/python -m bench.sqlite_contention [--clients 50] [--seconds 20] [--modes before,four-trips,after]
        [--writer-hz 20]

Per mode, a fresh private stack (bench/common.py): a redis-server, the real app under uvicorn on its own SQLite
file, no generation worker. Each client owns a conversation and loops: POST a message (SSE; the `queued` status
event is the first event, sent once the question and the pending answer are committed, then the client hangs up),
PATCH the conversation's title, GET the conversation list. A second process plays a worker: short write
transactions (claim a pending answer, like worker/jobs/generation/job.py) `--writer-hz` times a second through the sync
engine of app/core/db.py, so writers of two processes contend as they do in production.
Mode `after` is the product as it is; mode `before` swaps in the engine setup this benchmark was written against
(QueuePool of 5+10 aiosqlite connections, the driver's implicit deferred BEGIN), in the benchmark's processes only;
mode `four-trips` is the product with SQLAlchemy's stock aiosqlite adapter instead of app/core/sqlite_driver.py
(four trips to the connection's thread per statement instead of one).
Prints, per mode and operation: requests, errors by kind, p50/p95/p99/max latency in ms.
"""

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict

from bench.common import (
    ROOT,
    SMOLLM,
    free_port,
    machine_note,
    new_conversations,
    percentile,
    raise_nofile,
    sign_up,
    sse_request,
    stack,
    stock_aiosqlite_adapter,
)

MODES = ("before", "four-trips", "after")


# --- the engine setup of mode `before` (selected inside the benchmark's own subprocesses only) ---


def _use_engine_before() -> None:
    """Replace the engine factories (the API's and the workers') with the setup this benchmark was written against."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.ext.asyncio import create_async_engine

    from app.core import db
    from app.kernel import db as kernel_db

    def configure(engine) -> None:
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):  # noqa: ANN001
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    def api_engine(url: str):
        engine = create_async_engine(kernel_db.async_url(url), pool_pre_ping=True)
        configure(engine.sync_engine)
        return engine

    def sync_engine(url: str):
        engine = create_engine(kernel_db.sync_url(url), pool_pre_ping=True)
        configure(engine)
        return engine

    db.create_api_engine = api_engine
    kernel_db.create_sync_engine = sync_engine


def _serve_api(port: int, mode: str) -> None:
    if mode == "before":
        _use_engine_before()
    elif mode == "four-trips":
        stock_aiosqlite_adapter().__enter__()  # for the life of this API process
    raise_nofile()
    import uvicorn

    from app.main import create_app

    uvicorn.run(create_app(), host="127.0.0.1", port=port, log_level="warning", lifespan="on")


def _write_like_a_worker(mode: str, hz: float, seconds: float) -> None:
    """Short write transactions through the sync engine, as generation workers make them; prints one JSON line."""
    if mode == "before":
        _use_engine_before()
    from sqlalchemy import select, update

    from app.kernel.db import sync_session_factory
    from app.kernel.models import Message
    from app.kernel.settings import get_settings

    sessions = sync_session_factory(get_settings().database_url)
    latencies, errors = [], Counter()
    period, end = 1.0 / hz, time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.perf_counter()
        try:
            with sessions() as session:
                pending = session.scalar(select(Message.id).where(Message.status == "pending").limit(1))
                if pending is not None:
                    session.execute(update(Message).where(Message.id == pending).values(status="streaming"))
                    session.commit()
            latencies.append((time.perf_counter() - started) * 1000)
        except Exception as exc:  # noqa: BLE001 - every failure is counted, by kind
            errors[f"{type(exc).__name__}: {str(exc)[:60]}"] += 1
        time.sleep(max(0.0, period - (time.perf_counter() - started)))
    print(json.dumps({"latencies": latencies, "errors": dict(errors)}), flush=True)


# --- the clients (this process) ---


async def _timed(results: dict, op: str, call) -> None:
    started = time.perf_counter()
    try:
        await call()
    except Exception as exc:  # noqa: BLE001 - every failure is counted, by kind
        results["errors"][op][f"{type(exc).__name__}: {str(exc)[:90]}"] += 1
        return
    results["latency"][op].append((time.perf_counter() - started) * 1000)


async def _first_event(port: int, headers: dict, conversation: int) -> None:
    path = f"/api/v1/conversations/{conversation}/messages"
    events = sse_request(port, "POST", path, headers, {"content": "Hello there"}, read_timeout=60)
    async with contextlib.aclosing(events):
        async for event in events:
            if event.event != "status":
                raise RuntimeError(f"first event {event.event}: {event.data[:80]}")
            return
    raise RuntimeError("stream ended before its first event")


async def _checked(request) -> None:
    """Await an httpx request; a 4xx/5xx is an error, named by its status and error code."""
    response = await request
    if response.status_code >= 400:
        raise RuntimeError(f"{response.status_code} {response.json().get('error', {}).get('code')}")


async def client_loop(http, port: int, headers: dict, conversation: int, until: float, results: dict) -> None:
    url, turn = f"/api/v1/conversations/{conversation}", 0
    while time.perf_counter() < until:
        turn += 1
        await _timed(results, "POST message", lambda: _first_event(port, headers, conversation))
        await _timed(results, "PATCH title", lambda t=turn: _checked(http.patch(url, json={"title": f"t{t}"})))
        await _timed(results, "GET list", lambda: _checked(http.get("/api/v1/conversations?limit=20")))


async def run_clients(base_url: str, port: int, owners: list[dict], conversations: list[int], seconds: float) -> dict:
    """One client per conversation, each with its owner's headers, until `seconds` have passed."""
    import httpx

    results = {"latency": defaultdict(list), "errors": defaultdict(Counter)}
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=1000)
    clients = {id(h): httpx.AsyncClient(base_url=base_url, headers=h, timeout=60, limits=limits) for h in owners}
    until = time.perf_counter() + seconds
    await asyncio.gather(
        *(
            client_loop(clients[id(owner)], port, owner, conversation, until, results)
            for owner, conversation in zip(owners, conversations, strict=True)
        )
    )
    for client in clients.values():
        await client.aclose()
    return results


def run_mode(mode: str, args) -> dict:
    with stack(f"bench-sqlite-{mode}-") as env:
        env.start_redis()
        env.configure(SMOLLM, None, {"LOG_LEVEL": "WARNING"})
        env.port = free_port()
        env.base_url = f"http://127.0.0.1:{env.port}"
        log = open(env.workdir / "api.log", "w")  # noqa: SIM115 - closed with the process
        env.procs["api"] = subprocess.Popen(
            [sys.executable, "-m", "bench.sqlite_contention", "--serve-api", f"{env.port},{mode}"],
            cwd=ROOT,
            env={**os.environ, **env.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while not _answers(env.base_url):
            if time.time() > deadline or env.procs["api"].poll() is not None:
                raise RuntimeError(f"API did not start:\n{(env.workdir / 'api.log').read_text()[-3000:]}")
            time.sleep(0.2)
        users = [sign_up(env.base_url, f"user{i}") for i in range(args.users)]
        owners = [users[i % len(users)] for i in range(args.clients)]
        conversations = [new_conversations(env.base_url, owner, 1, title="bench")[0] for owner in owners]
        writer = None
        if args.writer_hz > 0:
            role = f"{mode},{args.writer_hz},{args.seconds}"
            writer = subprocess.Popen(
                [sys.executable, "-m", "bench.sqlite_contention", "--writer", role],
                cwd=ROOT,
                env={**os.environ, **env.env},
                stdout=subprocess.PIPE,
                text=True,
            )
        started = time.perf_counter()
        results = asyncio.run(run_clients(env.base_url, env.port, owners, conversations, args.seconds))
        results["wall_s"] = time.perf_counter() - started
        if writer is not None:
            out, _ = writer.communicate(timeout=args.seconds + 120)
            stats = json.loads(out.strip().splitlines()[-1])
            results["latency"]["worker write"] = stats["latencies"]
            results["errors"]["worker write"].update(stats["errors"])
        api_log = (env.workdir / "api.log").read_text()
        results["locked_in_log"] = api_log.count("database is locked")
        return results


def _answers(base_url: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{base_url}/docs", timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


def report(mode: str, results: dict) -> None:
    print(f"\nmode {mode}: {results['wall_s']:.1f} s; 'database is locked' in the API log: {results['locked_in_log']}")
    print(f"  {'operation':<14} {'done':>6} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for op in ("POST message", "PATCH title", "GET list", "worker write"):
        latencies, errors = results["latency"].get(op, []), results["errors"].get(op, Counter())
        if not latencies and not errors:
            continue
        cells = " ".join(f"{percentile(latencies, q):8.0f}" for q in (50, 95, 99))
        print(f"  {op:<14} {len(latencies):>6} {sum(errors.values()):>6} {cells} {max(latencies, default=0):8.0f}")
        for kind, count in errors.most_common(4):
            print(f"      {count} x {kind}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients, one conversation each")
    parser.add_argument("--users", type=int, default=10, help="accounts the clients are spread over")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the clients loop")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated: " + ", ".join(MODES))
    parser.add_argument("--writer-hz", type=float, default=20.0, help="worker-like write transactions per second")
    args = parser.parse_args()
    print(f"open files limit {raise_nofile()}; {machine_note()}")
    print(f"{args.clients} clients, {args.users} users, {args.seconds:g} s; worker-like writes {args.writer_hz:g}/s")
    for mode in args.modes.split(","):
        report(mode, run_mode(mode, args))
    print(f"\n{machine_note()}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve-api":
        port, mode = sys.argv[2].split(",")
        _serve_api(int(port), mode)
    elif len(sys.argv) == 3 and sys.argv[1] == "--writer":
        mode, hz, seconds = sys.argv[2].split(",")
        _write_like_a_worker(mode, float(hz), float(seconds))
    else:
        main()
