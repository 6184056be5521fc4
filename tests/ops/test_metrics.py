"""/metrics exposes the series the Grafana dashboard reads, after one real answer through the API."""

import re

import httpx

from tests.chat.conftest import TINY_MODEL, sign_up
from tests.ops.test_models import wait_for
from tests.support.live import free_port
from worker.engine.engine import get_engine

SERIES = (
    "localmind_http_request_duration_seconds_bucket",
    "localmind_active_streams",
    "localmind_queue_depth",
    "localmind_jobs_total",
    "localmind_time_to_first_token_seconds_bucket",
    "localmind_tokens_per_second_bucket",
    "localmind_model_load_seconds_bucket",
)


def loaded_here() -> list[str]:
    return [info.model_id for info in get_engine().loaded_models()]


def sample(text: str, name: str, **labels) -> float:
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no sample {name} {labels}")


def test_metrics_after_a_chat(http):
    headers = sign_up(http, "root")
    assert http.post(f"/api/v1/models/{TINY_MODEL}/unload", headers=headers).status_code == 202
    wait_for(lambda: TINY_MODEL not in loaded_here())
    assert http.post(f"/api/v1/models/{TINY_MODEL}/load", headers=headers).status_code == 202
    wait_for(lambda: TINY_MODEL in loaded_here())
    conversation = http.post("/api/v1/conversations", json={}, headers=headers).json()["id"]
    body = {"content": "Hello", "stream": False, "params": {"temperature": 0, "max_new_tokens": 8}}
    answer = http.post(f"/api/v1/conversations/{conversation}/messages", json=body, headers=headers)
    assert answer.status_code == 200 and answer.json()["status"] == "done", answer.text

    text = http.get("/metrics").text
    for name in SERIES:
        assert re.search(rf"^{name}[{{ ]", text, re.MULTILINE), name
    route = "/api/v1/conversations/{conversation_id}/messages"
    assert sample(text, "localmind_http_request_duration_seconds_count", route=route, status="200") >= 1
    assert sample(text, "localmind_jobs_total", kind="message", status="done") == 1
    assert sample(text, "localmind_time_to_first_token_seconds_count") >= 1
    assert sample(text, "localmind_tokens_per_second_count") >= 1
    assert sample(text, "localmind_model_load_seconds_count") >= 1
    assert sample(text, "localmind_queue_depth", queue="generation") >= 0
    assert sample(text, "localmind_active_streams") == 0
    assert "localmind_gpu_memory_bytes" not in text, "no GPU on this machine"


def test_resources_without_gpu(http):
    admin = sign_up(http, "root")
    user = sign_up(http, "uma")
    assert http.get("/api/v1/system/resources").status_code == 401
    mine = http.get("/api/v1/system/resources", headers=user).json()
    assert 0 <= mine["cpu"]["percent"] <= 100 and mine["memory"]["total_bytes"] > 0
    assert mine["disk"]["total_bytes"] > 0 and "path" not in mine["disk"]
    assert mine["gpus"] == [] and set(mine["queues"]) == {"generation", "indexing", "training", "retrieval"}
    assert "workers" not in mine
    full = http.get("/api/v1/system/resources", headers=admin).json()
    assert full["disk"]["path"] and full["workers"], "admins see the reporting workers"


def test_worker_metrics_server():
    from worker.ops import metrics

    port = free_port()
    metrics.start_server(port)
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    assert "localmind_worker_model_load_seconds_bucket" in text and "localmind_worker_model_memory_bytes" in text
