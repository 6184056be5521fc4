"""The README's start command on a fresh clone: API, three workers and Flower come up, /readyz answers (every
queue with a worker), a question is answered through the real queue, and stop_all.sh leaves no process behind.

The clone reuses this checkout's virtualenv (pip would take minutes) and skips the UI build and the model
pull; the chat uses a tiny model registered through the admin API, the same path an operator uses.
"""

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tests.deploy.conftest import REPO
from tests.deploy.test_deploy_scripts import alive, free_port
from tests.deploy.test_process_groups import group_of
from tests.helpers import PASSWORD
from tests.support.live import iter_sse
from tests.support.tiny_model import build_tiny_model


def _pids(run_dir: Path) -> dict[str, int]:
    return {p.stem: int(p.read_text().split()[0]) for p in (run_dir / "pids").glob("*.pid")}


def test_start_all_then_stop_all_on_a_fresh_clone(tmp_path, redis_url):
    clone = tmp_path / "localmind"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True, timeout=120)
    (clone / ".venv").symlink_to(REPO / ".venv")
    api_port = free_port()
    env = {
        **os.environ,
        "API_PORT": str(api_port),
        "FLOWER_PORT": str(free_port()),
        "WORKER_METRICS_PORT": str(free_port()),
        "REDIS_URL": redis_url,
        "RUN_DIR": str(clone / ".run"),
        "SKIP_INSTALL": "1",
        "SKIP_FRONTEND": "1",
        "SKIP_MODEL_PULL": "1",
        "GENERATION_CONCURRENCY": "2",
        "READY_TIMEOUT": "300",
        "STOP_TIMEOUT": "20",
    }
    started = subprocess.run(["./start_all.sh"], cwd=clone, env=env, capture_output=True, text=True, timeout=900)
    pids = _pids(clone / ".run")
    try:
        assert started.returncode == 0, started.stdout[-3000:] + started.stderr[-3000:]
        workers = {"worker-generation", "worker-indexing", "worker-retrieval", "worker-training"}
        assert {"api", "flower", *workers} <= set(pids)
        assert all(alive(pid) for pid in pids.values())
        base = f"http://127.0.0.1:{api_port}"
        ready = httpx.get(f"{base}/readyz", timeout=10).json()
        assert ready["status"] == "ready"
        # start_all.sh returns once every queue has a worker taking jobs
        assert all(count >= 1 for count in ready["workers"].values()), ready
        status = subprocess.run(["./start_all.sh", "--status"], cwd=clone, env=env, capture_output=True, text=True)
        assert "running" in status.stdout
        _answer_one_question(base, build_tiny_model(tmp_path / "tiny"))
        # uvicorn's main process dies hard: its workers are reported and then stopped with it.
        uvicorn_workers = set(group_of(pids["api"])) - {pids["api"]}
        assert len(uvicorn_workers) >= 2, uvicorn_workers  # its workers (and multiprocessing's tracker)
        pids.update({f"uvicorn-worker-{pid}": pid for pid in uvicorn_workers})
        os.kill(pids["api"], signal.SIGKILL)
        deadline = time.time() + 10
        while alive(pids["api"]) and time.time() < deadline:
            time.sleep(0.1)
        status = subprocess.run(["./start_all.sh", "--status"], cwd=clone, env=env, capture_output=True, text=True)
        assert "api                orphaned" in status.stdout, status.stdout
    finally:
        stopped = subprocess.run(["./stop_all.sh"], cwd=clone, env=env, capture_output=True, text=True, timeout=120)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    deadline = time.time() + 10
    while any(alive(pid) for pid in pids.values()) and time.time() < deadline:
        time.sleep(0.2)
    assert not [name for name, pid in pids.items() if alive(pid)], "stop_all.sh left processes behind"
    assert not list((clone / ".run" / "pids").glob("*.pid"))


def _answer_one_question(base: str, model_dir: Path) -> None:
    with httpx.Client(base_url=base, timeout=120) as http:
        http.post("/api/v1/auth/register", json={"username": "ops", "email": "ops@x.io", "password": PASSWORD})
        token = http.post("/api/v1/auth/login", data={"username": "ops", "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        spec = {
            "id": "tiny",
            "display_name": "Tiny",
            "source": f"dir:{model_dir}",
            "dtype": "float32",
            "device": "cpu",
            "context_length": 256,
        }
        assert http.post("/api/v1/models", json=spec, headers=headers).status_code == 201
        conversation = http.post("/api/v1/conversations", json={"model": "tiny"}, headers=headers).json()
        body = {"content": "Hello", "params": {"temperature": 0, "max_new_tokens": 8}}
        url = f"/api/v1/conversations/{conversation['id']}/messages"
        with http.stream("POST", url, json=body, headers=headers) as response:
            events = list(iter_sse(response))
        assert events[-1].event == "done", events[-1].data
