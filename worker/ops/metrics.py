"""Worker-side metrics: served by prometheus_client on `worker_metrics_port` when set, plus model load
durations pushed to Redis so the API's /metrics can publish `localmind_model_load_seconds` cluster-wide.

Names here carry `localmind_worker_` so a Prometheus scraping both the API and the workers counts nothing twice.
"""

import json
import time

import redis
from loguru import logger
from prometheus_client import Gauge, Histogram, start_http_server

from app.kernel.keys import MODEL_LOADS_KEPT, model_loads_key
from worker.engine.cache import LoadedModelInfo

MODEL_MEMORY = Gauge("localmind_worker_model_memory_bytes", "Memory held by a loaded model", ["model"])
MODEL_REQUESTS = Gauge("localmind_worker_model_requests", "Requests on a loaded model", ["model", "state"])
MODEL_LOAD = Histogram(
    "localmind_worker_model_load_seconds",
    "Model load time in this worker",
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300),
)

_server_started = False


def start_server(port: int | None) -> None:
    """Serve this process's metrics once (several Celery workers may start in one test process)."""
    global _server_started
    if not port or _server_started:
        return
    start_http_server(port)
    _server_started = True
    logger.info("worker metrics on :{}/metrics", port)


def update_loaded(infos: list[LoadedModelInfo]) -> None:
    MODEL_MEMORY.clear()
    MODEL_REQUESTS.clear()
    for info in infos:
        MODEL_MEMORY.labels(info.model_id).set(info.memory_bytes)
        MODEL_REQUESTS.labels(info.model_id, "running").set(info.running)
        MODEL_REQUESTS.labels(info.model_id, "waiting").set(info.waiting)


def record_model_load(client: redis.Redis, model_id: str, seconds: float) -> None:
    MODEL_LOAD.observe(seconds)
    entry = json.dumps({"model_id": model_id, "seconds": seconds, "ts": time.time()})
    with client.pipeline() as pipe:
        pipe.lpush(model_loads_key(), entry)
        pipe.ltrim(model_loads_key(), 0, MODEL_LOADS_KEPT - 1)
        pipe.execute()
