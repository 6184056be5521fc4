"""Waiting for SQLite's write lock: SQLite's busy handler against the API driver's retry, side by side.

    .venv/bin/python -m bench.sqlite_busy [--writes 300] [--rounds 2]

A holder thread plays a busy worker: write transactions of 1–40 ms with 0.5–20 ms between them, on its own
connection. A writer (the API) then makes short write transactions, 1–10 ms apart, either with busy_timeout
10 s (SQLite's handler, which sleeps 1, 2, 5, 10 … 100 ms between tries) or with busy_timeout 0 and the retry of
app/core/sqlite_driver.py (every 0.5 → 5 ms). Rounds alternate; prints the writer's latency per transaction.
"""

import random
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

from app.core.sqlite_driver import _execute
from bench.common import bench_args, machine_note, percentile

MODES = ("busy handler", "driver retry")


def _hold_repeatedly(path: Path, stop: threading.Event) -> None:
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    pace = random.Random(1)
    while not stop.is_set():
        holder.execute("BEGIN IMMEDIATE")
        time.sleep(pace.uniform(0.001, 0.04))
        holder.execute("COMMIT")
        time.sleep(pace.uniform(0.0005, 0.02))
    holder.close()


def _write(path: Path, mode: str, writes: int) -> list[float]:
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute(f"PRAGMA busy_timeout={10_000 if mode == 'busy handler' else 0}")
    cursor, pace, latencies = writer.cursor(), random.Random(2), []
    for _ in range(writes):
        started = time.perf_counter()
        writer.execute("BEGIN")
        _execute(cursor, "INSERT INTO notes VALUES (?)", ("x",), many=False, wait_s=10)
        writer.execute("COMMIT")
        latencies.append((time.perf_counter() - started) * 1000)
        time.sleep(pace.uniform(0.001, 0.01))
    writer.close()
    return latencies


def main() -> None:
    args = bench_args(
        __doc__,
        writes={"type": int, "default": 300, "help": "writer transactions per round"},
        rounds={"type": int, "default": 2},
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "busy.db"
        setup = sqlite3.connect(path)
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE notes (text)")
        setup.close()
        stop = threading.Event()
        holder = threading.Thread(target=_hold_repeatedly, args=(path, stop))
        holder.start()
        print(f"{'mode':<13} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}")
        try:
            for _ in range(args.rounds):
                for mode in MODES:
                    latencies = _write(path, mode, args.writes)
                    cells = " ".join(f"{percentile(latencies, q):7.1f}" for q in (50, 95, 99))
                    print(f"{mode:<13} {cells} {max(latencies):7.1f}")
        finally:
            stop.set()
            holder.join()
    print(machine_note())


if __name__ == "__main__":
    main()
