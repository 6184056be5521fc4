"""/metrics of the API and of the generation worker after one real answer; every Grafana query resolves there."""

import json
import re
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY, generate_latest

from tests.chat.conftest import TINY_MODEL, sign_up
from tests.ops.test_metrics_multiprocess import parse
from tests.ops.test_models import wait_for
from tests.support.live import free_port
from worker.engine.engine import get_engine

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "localmind-dashboard.json"
SUFFIXES = {"_bucket": "histogram", "_count": "histogram", "_sum": "histogram", "_total": "counter"}


def loaded_here() -> list[str]:
    return [info.model_id for info in get_engine().loaded_models()]


def sample(text: str, name: str, **labels) -> float:
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no sample {name} {labels}")


def dashboard_queries() -> list[str]:
    def walk(panels):
        for panel in panels:
            yield from (target["expr"] for target in panel.get("targets", []) if target.get("expr"))
            yield from walk(panel.get("panels", []))

    return list(walk(json.loads(DASHBOARD.read_text())["panels"]))


def resolve(name: str, types: dict[str, str]) -> str:
    """The type of the family a query's series name belongs to ("" when no live /metrics declares it)."""
    if name in types:
        return types[name]
    for suffix, kind in SUFFIXES.items():
        if name.endswith(suffix) and types.get(name.removesuffix(suffix)) == kind:
            return kind
    return ""


@pytest.fixture
def fast_gauges(chat_settings):
    object.__setattr__(chat_settings, "metrics_refresh_seconds", 0.2)


def test_metrics_after_a_chat_and_dashboard_queries_resolve(fast_gauges, http):
    headers = sign_up(http, "root")
    assert http.post(f"/api/v1/models/{TINY_MODEL}/unload", headers=headers).status_code == 202
    wait_for(lambda: TINY_MODEL not in loaded_here())
    assert http.post(f"/api/v1/models/{TINY_MODEL}/load", headers=headers).status_code == 202
    wait_for(lambda: TINY_MODEL in loaded_here())
    conversation = http.post("/api/v1/conversations", json={}, headers=headers).json()["id"]
    body = {"content": "Hello", "stream": False, "params": {"temperature": 0, "max_new_tokens": 8}}
    answer = http.post(f"/api/v1/conversations/{conversation}/messages", json=body, headers=headers)
    assert answer.status_code == 200 and answer.json()["status"] == "done", answer.text
    wait_for(lambda: 'localmind_jobs{kind="message",status="done"} 1.0' in http.get("/metrics").text)

    api = http.get("/metrics").text
    route = "/api/v1/conversations/{conversation_id}/messages"
    assert sample(api, "localmind_http_request_duration_seconds_count", route=route, status="200") >= 1
    assert sample(api, "localmind_jobs", kind="message", status="pending") == 0
    assert sample(api, "localmind_queue_depth", queue="generation") >= 0
    assert sample(api, "localmind_active_streams") == 0
    assert sample(api, "localmind_api_process_resident_memory_bytes") > 0
    assert "localmind_time_to_first_token" not in api, "answers are observed by the worker, once"
    assert "localmind_gpu_memory_bytes{" not in api, "no GPU on this machine"

    worker = generate_latest(REGISTRY).decode()  # the in-process generation worker's registry
    tokens = answer.json()["completion_tokens"]
    assert sample(worker, "localmind_generated_tokens_total", model=TINY_MODEL) >= tokens > 0
    assert sample(worker, "localmind_model_requests_total", model=TINY_MODEL) >= 1
    assert sample(worker, "localmind_answers_total", model=TINY_MODEL) >= 1
    assert sample(worker, "localmind_time_to_first_token_seconds_count", model=TINY_MODEL) >= 1
    assert sample(worker, "localmind_tokens_per_second_count", model=TINY_MODEL) >= 1
    assert sample(worker, "localmind_worker_model_load_seconds_count") >= 1

    types = {**parse(api)[0], **parse(worker)[0]}
    for query in dashboard_queries():
        for name in set(re.findall(r"\blocalmind_\w+", query)):
            assert resolve(name, types), f"{name} in {query!r} is in no live /metrics"
        for name in re.findall(r"\b(?:rate|increase)\((\w+)", query):
            assert resolve(name, types) in ("counter", "histogram"), f"rate() of the gauge {name}: {query!r}"


def test_metrics_token(fast_gauges, chat_settings, http):
    object.__setattr__(chat_settings, "metrics_token", "s3cret")
    refused = http.get("/metrics")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "metrics_token_required"
    assert http.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert "localmind_http" in http.get("/metrics", headers={"Authorization": "Bearer s3cret"}).text


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
