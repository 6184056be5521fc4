"""Two API processes (`python -m app.serve --workers 2`, a real uvicorn) answer /metrics as one: every counter
and histogram is monotonic across scrapes, and request counts add up to the requests actually made."""

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.core.migrations import upgrade_head
from tests.support.live import free_port

REPO = Path(__file__).resolve().parents[2]
SCRAPES = 20
PINGS_PER_SCRAPE = 3
SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?P<labels>\{.*\})? (?P<value>\S+)$")


def parse(text: str) -> tuple[dict[str, str], dict[str, float]]:
    """({family: type}, {series: value}) of a Prometheus text exposition."""
    types: dict[str, str] = {}
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, family, kind = line.split(" ", 3)
            types[family] = kind
        elif line and not line.startswith("#"):
            match = SAMPLE.match(line)
            assert match, line
            samples[match["name"] + (match["labels"] or "")] = float(match["value"])
    return types, samples


def monotonic_series(types: dict[str, str], samples: dict[str, float]) -> dict[str, float]:
    """The samples of counters and histograms (which must never decrease)."""
    cumulative = {family for family, kind in types.items() if kind in ("counter", "histogram")}
    suffixes = ("_total", "_bucket", "_count", "_sum", "_created")
    kept = {}
    for series, value in samples.items():
        name = series.split("{", 1)[0]
        family = next((name.removesuffix(s) for s in suffixes if name.endswith(s)), name)
        if family in cumulative and not name.endswith("_created"):
            kept[series] = value
    return kept


@pytest.fixture
def two_process_api(tmp_path, redis_url, redis_client) -> Iterator[str]:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'localmind.db'}"
    upgrade_head(database_url)
    port = free_port()
    env = {
        **os.environ,
        "ENV": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MODEL_STORE_DIR": str(tmp_path / "store"),
        "SECRET_KEY": "metrics-test-secret",
        "MIGRATE_ON_STARTUP": "false",
        "METRICS_REFRESH_SECONDS": "0.5",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "counter_999999.db").write_bytes(b"stale")  # a previous run's file is removed
    log = (tmp_path / "api.log").open("w")
    args = [sys.executable, "-m", "app.serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "api.log").read_text()
            assert time.time() < deadline, (tmp_path / "api.log").read_text()
            try:
                text = httpx.get(f"{base}/metrics", timeout=2).text
                if text.count("localmind_api_process_resident_memory_bytes{") == 2:
                    break  # both processes started and wrote their gauges
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(20)
        log.close()


def test_counters_add_up_across_two_api_processes(two_process_api):
    previous: dict[str, float] = {}
    pings = 0
    for _ in range(SCRAPES):
        for _ in range(PINGS_PER_SCRAPE):  # a new connection each: the kernel spreads them over both processes
            assert httpx.get(f"{two_process_api}/healthz", timeout=5).status_code == 200
            pings += 1
        types, samples = parse(httpx.get(f"{two_process_api}/metrics", timeout=5).text)
        current = monotonic_series(types, samples)
        went_down = {s: (previous[s], v) for s, v in current.items() if s in previous and v < previous[s]}
        assert not went_down, went_down
        assert not set(previous) - set(current), "a series vanished"
        healthz = [v for s, v in samples.items() if 'route="/healthz"' in s and "_count{" in s]
        assert sum(healthz) == pings, (healthz, pings)
        previous = current
    pids = re.findall(r'localmind_api_process_resident_memory_bytes\{pid="(\d+)"\}', "\n".join(samples))
    assert len(set(pids)) == 2, pids
    assert samples['localmind_jobs{kind="message",status="done"}'] == 0
    assert samples["localmind_api_process_cpu_seconds_total"] > 0
