"""Prometheus metrics of the API process, served at /metrics (names match deploy/grafana).

Request timings and open SSE streams are measured in-process by `MetricsMiddleware`; everything that lives
elsewhere is read at scrape time by `collect()`: queue depths (Redis LLEN), job counts (database), answer
speed (finished messages), model load times and GPU memory (what generation workers push to Redis).
"""

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.kernel.contracts import JobKind
from app.kernel.keys import model_loads_key
from app.kernel.models import Document, FinetuneJob
from app.kernel.models import Message as ChatMessage
from app.services.resources import queue_depths, worker_reports

REGISTRY = CollectorRegistry()
HTTP_DURATION = Histogram(
    "localmind_http_request_duration_seconds",
    "HTTP request duration (SSE: until the stream ends)",
    ["method", "route", "status"],
    registry=REGISTRY,
)
ACTIVE_STREAMS = Gauge("localmind_active_streams", "SSE streams open on this API process", registry=REGISTRY)
TTFT = Histogram(
    "localmind_time_to_first_token_seconds",
    "Time to first token of finished answers",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
    registry=REGISTRY,
)
TOKENS_PER_SECOND = Histogram(
    "localmind_tokens_per_second",
    "Decoding speed of finished answers",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
    registry=REGISTRY,
)
MODEL_LOAD = Histogram(
    "localmind_model_load_seconds",
    "Model load time on the generation workers",
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300),
    registry=REGISTRY,
)
LOOKBACK = timedelta(minutes=10)
"""On the first scrape, answers and loads this recent are observed; later scrapes observe what is new."""


def active_streams() -> int:
    return int(ACTIVE_STREAMS.collect()[0].samples[0].value)


def route_template(scope: Scope) -> str:
    """The matched route's path template, prefixes included ("unmatched" keeps unknown paths out of labels).

    FastAPI 0.165 resolves included routers lazily: `scope["route"]` is the router-relative route and the full
    template sits on the effective route context; older versions put the full template on the route itself.
    """
    route = scope.get("fastapi", {}).get("effective_route_context") or scope.get("route")
    return getattr(route, "path_format", None) or getattr(route, "path", None) or "unmatched"


class MetricsMiddleware:
    """Times every HTTP request by route template and counts open `text/event-stream` responses."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        streaming = False

        async def send_observed(message: Message) -> None:
            nonlocal status, streaming
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = dict(message.get("headers", []))
                streaming = headers.get(b"content-type", b"").startswith(b"text/event-stream")
                if streaming:
                    ACTIVE_STREAMS.inc()
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            if streaming:
                ACTIVE_STREAMS.dec()
            HTTP_DURATION.labels(scope["method"], route_template(scope), str(status)).observe(
                time.perf_counter() - started
            )


class _ScrapeCollector:
    """Families computed asynchronously just before each exposition."""

    def __init__(self):
        self.families: list = []

    def collect(self):
        return list(self.families)


_scraped = _ScrapeCollector()
REGISTRY.register(_scraped)
_watermarks: dict[str, float] = {}


async def _job_counts(session: AsyncSession) -> CounterMetricFamily:
    family = CounterMetricFamily(
        "localmind_jobs", "Jobs by kind and status (from the database)", labels=["kind", "status"]
    )
    queries = {
        JobKind.MESSAGE: select(ChatMessage.status, func.count())
        .where(ChatMessage.role == "assistant")
        .group_by(ChatMessage.status),
        JobKind.DOCUMENT: select(Document.status, func.count()).group_by(Document.status),
        JobKind.FINETUNE: select(FinetuneJob.status, func.count()).group_by(FinetuneJob.status),
    }
    for kind, query in queries.items():
        for job_status, count in (await session.execute(query)).all():
            family.add_metric([str(kind), job_status], count)
    return family


def _since(name: str) -> float:
    return _watermarks.get(name, time.time() - LOOKBACK.total_seconds())


def _observe_new(name: str, items: list[tuple[float, Callable[[], None]]]) -> None:
    """Run the observations stamped after the watermark, then advance it.

    Called after the awaits with no await inside, so overlapping scrapes cannot observe an item twice.
    """
    since = _since(name)
    for stamp, observe in sorted(items, key=lambda item: item[0]):
        if stamp > since:
            observe()
            _watermarks[name] = since = stamp


def _answer_observation(ttft_ms: float | None, tokens_per_s: float | None) -> Callable[[], None]:
    def observe() -> None:
        if ttft_ms is not None:
            TTFT.observe(ttft_ms / 1000)
        if tokens_per_s:
            TOKENS_PER_SECOND.observe(tokens_per_s)

    return observe


async def _observe_answers(session: AsyncSession) -> None:
    since = datetime.fromtimestamp(_since("answers"), UTC)
    rows = (
        await session.execute(
            select(ChatMessage.finished_at, ChatMessage.ttft_ms, ChatMessage.tokens_per_s).where(
                ChatMessage.role == "assistant", ChatMessage.status == "done", ChatMessage.finished_at > since
            )
        )
    ).all()
    _observe_new(
        "answers",
        [
            ((at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp(), _answer_observation(ttft_ms, tokens_per_s))
            for at, ttft_ms, tokens_per_s in rows
        ],
    )


async def _observe_loads(redis: aioredis.Redis) -> None:
    entries = [json.loads(raw) for raw in await redis.lrange(model_loads_key(), 0, -1)]
    _observe_new("loads", [(e["ts"], partial(MODEL_LOAD.observe, e["seconds"])) for e in entries])


async def _cluster_gauges(redis: aioredis.Redis) -> list:
    queues = GaugeMetricFamily("localmind_queue_depth", "Tasks waiting per Celery queue", labels=["queue"])
    for queue, depth in (await queue_depths(redis)).items():
        queues.add_metric([queue], depth)
    gpu = GaugeMetricFamily("localmind_gpu_memory_bytes", "GPU memory used, per worker", labels=["worker", "device"])
    for report in await worker_reports(redis):
        for stats in report["gpus"]:
            gpu.add_metric([report["worker"], stats["device"]], stats["memory_used_bytes"])
    return [queues, gpu] if gpu.samples else [queues]


async def render(sessionmaker, redis: aioredis.Redis) -> bytes:
    """Refresh the scrape-time families and return the exposition text."""
    async with sessionmaker() as session:
        jobs = await _job_counts(session)
        await _observe_answers(session)
    await _observe_loads(redis)
    _scraped.families = [jobs, *await _cluster_gauges(redis)]
    return generate_latest(REGISTRY)
