"""LOG_FORMAT=json: every process writes JSON lines. The API's access lines have method/path/status/duration_ms
and the request id; errors carry the full traceback; a real Celery worker's lines for a job carry the request id
of the API request that sent it; Flower's lines are JSON too."""

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from loguru import logger

from app.core.logging import request_id_var
from app.core.migrations import upgrade_head
from app.core.tasks import create_task_client, dispatch
from app.kernel.tasks import Finetune
from tests.conftest import make_settings
from tests.support.live import free_port

BIN = Path(sys.executable).parent


def json_lines(text: str) -> list[dict]:
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "no log lines"
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON line: {line!r}")
    return parsed


async def test_api_access_lines_and_tracebacks(sqlite_url, redis_url, redis_client, model_store, capfd):
    from app.main import create_app

    settings = make_settings(sqlite_url, redis_url, model_store, log_format="json")
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/api/v1/conversations/7", headers={"X-Request-ID": "req-access-1"})
        assert response.status_code == 401
        try:
            json.loads("{broken")
        except json.JSONDecodeError:
            logger.exception("it failed")
    lines = json_lines(capfd.readouterr().err)
    access = [line for line in lines if line.get("path") == "/api/v1/conversations/{conversation_id}"]
    assert len(access) == 1, lines
    assert access[0]["method"] == "GET" and access[0]["status"] == 401 and access[0]["duration_ms"] >= 0
    assert access[0]["request_id"] == "req-access-1" and access[0]["process"] == "api"
    failure = next(line for line in lines if line["message"] == "it failed")
    assert failure["exception"]["type"] == "JSONDecodeError"
    assert "Traceback (most recent call last)" in failure["exception"]["traceback"]
    assert 'json.loads("{broken")' in failure["exception"]["traceback"], "the frames, not only the repr"


def test_worker_and_flower_write_json_with_the_request_id(tmp_path, redis_url, redis_client, monkeypatch):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    upgrade_head(database_url)
    env = {
        **os.environ,
        "LOG_FORMAT": "json",
        "REDIS_URL": redis_url,
        "REDIS_NAMESPACE": "jsonlogs",  # a queue of its own: no other test's tasks, none of ours elsewhere
        "DATABASE_URL": database_url,
        "MODEL_STORE_DIR": str(tmp_path / "store"),
    }
    worker_log, flower_log = tmp_path / "worker.log", tmp_path / "flower.log"
    port = free_port()
    worker_args = [
        str(BIN / "celery"),
        "--quiet",
        "-A",
        "worker.celery_app",
        "worker",
        "-Q",
        "training",
        "--pool",
        "solo",
    ]
    worker_args += ["-n", "jsonlogs@test", "--without-gossip", "--without-mingle", "--loglevel", "INFO"]
    flower_args = [str(BIN / "celery"), "-A", "worker.flower_app", "flower", f"--port={port}", "--address=127.0.0.1"]
    worker_out = tmp_path / "worker.out"  # Celery prints its shutdown notice to stdout itself; logs go to stderr
    with worker_log.open("w") as wout, flower_log.open("w") as fout, worker_out.open("w") as wstdout:
        worker = subprocess.Popen(worker_args, env=env, stdout=wstdout, stderr=wout)
        flower = subprocess.Popen(flower_args, env=env, stdout=fout, stderr=subprocess.STDOUT)
    try:
        monkeypatch.setenv("REDIS_URL", redis_url)
        monkeypatch.setenv("REDIS_NAMESPACE", "jsonlogs")
        from app.kernel.settings import get_settings

        get_settings.cache_clear()
        client = create_task_client(redis_url)
        request_id_var.set("req-job-42")
        asyncio.run(dispatch(client, Finetune(job_id=999)))  # no such job: the worker logs why and skips it
        deadline = time.monotonic() + 120
        while "task finished" not in worker_log.read_text():
            assert worker.poll() is None, worker_log.read_text()[-3000:]
            assert time.monotonic() < deadline, worker_log.read_text()[-3000:]
            time.sleep(0.3)
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthcheck", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert flower.poll() is None, flower_log.read_text()[-3000:]
            assert time.monotonic() < deadline, flower_log.read_text()[-3000:]
            time.sleep(0.3)
    finally:
        for proc in (worker, flower):
            proc.terminate()
            proc.wait(30)
        get_settings.cache_clear()
    assert worker_out.read_text().strip() in ("", "worker: Warm shutdown (MainProcess)")
    worker_lines = json_lines(worker_log.read_text())
    assert {line["process"] for line in worker_lines} == {"worker"}
    job = [line for line in worker_lines if line.get("task") == Finetune.task_name]
    assert job[0]["message"] == "task started" and job[-1]["message"] == "task finished: skipped", job
    assert len(job) >= 3, "the job's own lines (why it is skipped) carry the request id too"
    assert {line["request_id"] for line in job} == {"req-job-42"}
    assert job[-1]["duration_ms"] >= 0
    assert any("ready" in line["message"] for line in worker_lines), "Celery's own lines are JSON too"
    flower_lines = json_lines(flower_log.read_text())
    assert {line["process"] for line in flower_lines} == {"flower"}
