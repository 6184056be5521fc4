"""Metrics of a generation worker, served by prometheus_client on `worker_metrics_port` when set.

Answers are observed here, when the worker finishes them, so each is counted once however many API processes or
pods there are. The worker runs its jobs in threads of one process (`--pool threads`), so one registry holds them.
"""

from loguru import logger
from prometheus_client import Counter, Gauge, Histogram, start_http_server

from worker.engine.cache import LoadedModelInfo
from worker.engine.generation import Completion

MODEL_MEMORY = Gauge("localmind_worker_model_memory_bytes", "Memory held by a loaded model", ["model"])
MODEL_REQUESTS = Gauge("localmind_worker_model_requests", "Requests on a loaded model", ["model", "state"])
MODEL_LOAD = Histogram(
    "localmind_worker_model_load_seconds",
    "Model load time in this worker",
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300),
)
REQUESTS = Counter("localmind_model_requests", "Generation requests a worker started, per model", ["model"])
ANSWERS = Counter(
    "localmind_answers", "Generation requests a worker finished, per model and outcome", ["model", "finish_reason"]
)
GENERATED_TOKENS = Counter("localmind_generated_tokens", "Tokens generated, per model", ["model"])
PROMPT_TOKENS = Counter("localmind_prompt_tokens", "Prompt tokens read, per model", ["model"])
TTFT = Histogram(
    "localmind_time_to_first_token_seconds",
    "Time to first token of finished answers",
    ["model"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
TOKENS_PER_SECOND = Histogram(
    "localmind_tokens_per_second",
    "Decoding speed of finished answers",
    ["model"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
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


def record_model_load(model_id: str, seconds: float) -> None:
    MODEL_LOAD.observe(seconds)
    logger.info("model {} loaded in {:.1f} s", model_id, seconds)


def record_request(model_id: str) -> None:
    REQUESTS.labels(model_id).inc()


def record_answer(model_id: str, completion: Completion | None, failed: bool = False) -> None:
    """Count one finished request; a completed one also feeds the token counters and the speed histograms."""
    if completion is None:
        ANSWERS.labels(model_id, "failed" if failed else "cancelled").inc()
        return
    ANSWERS.labels(model_id, completion.finish_reason).inc()
    GENERATED_TOKENS.labels(model_id).inc(completion.completion_tokens)
    PROMPT_TOKENS.labels(model_id).inc(completion.prompt_tokens)
    if completion.completion_tokens:
        TTFT.labels(model_id).observe(completion.ttft_ms / 1000)
    if completion.tokens_per_s:
        TOKENS_PER_SECOND.labels(model_id).observe(completion.tokens_per_s)
