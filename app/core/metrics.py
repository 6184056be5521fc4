"""Prometheus metrics of the API, served at /metrics (names match deploy/grafana).

Several API processes (`uvicorn --workers N`) add up: with `PROMETHEUS_MULTIPROC_DIR` set (`python -m app.serve`
and start_all.sh set it) every process writes its samples to files there and a scrape of any process sums them,
so counters never go backwards whichever process answers. Answers' speed, tokens and model loads are observed by
the generation workers when they happen (worker/ops/metrics.py), not rebuilt from the database here. Job states
are gauges refreshed every `metrics_refresh_seconds` by each process (`refresh_forever`); a scrape reads only
Redis (queue depths, GPU memory the workers report).
"""

import os
import resource
import time

import anyio
import psutil
import redis.asyncio as aioredis
from loguru import logger
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import Message, Receive, Scope, Send

from app.core.access_log import log_access
from app.core.middleware import HttpMiddleware
from app.kernel.contracts import JobKind
from app.kernel.models import Document, FinetuneJob
from app.kernel.models import Message as ChatMessage
from app.kernel.states.document import DocumentStatus
from app.kernel.states.finetune_job import JobStatus
from app.kernel.states.message import MessageStatus
from app.services.resources import queue_depths, worker_reports

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
REGISTRY = CollectorRegistry()
HTTP_DURATION = Histogram(
    "localmind_http_request_duration_seconds",
    "HTTP request duration (SSE: until the stream ends)",
    ["method", "route", "status"],
    registry=REGISTRY,
)
ACTIVE_STREAMS = Gauge(
    "localmind_active_streams",
    "SSE streams open on the API processes",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
JOBS = Gauge(
    "localmind_jobs",
    "Jobs by kind and current status (the database, refreshed every METRICS_REFRESH_SECONDS)",
    ["kind", "status"],
    registry=REGISTRY,
    multiprocess_mode="mostrecent",
)
PROCESS_MEMORY = Gauge(
    "localmind_api_process_resident_memory_bytes",
    "Resident memory of each API process",
    registry=REGISTRY,
    multiprocess_mode="liveall",
)
PROCESS_CPU = Counter(
    "localmind_api_process_cpu_seconds", "CPU time used by the API processes (exited ones included)", registry=REGISTRY
)
PROCESS_FDS = Gauge(
    "localmind_api_process_open_fds",
    "Open file descriptors of each API process",
    registry=REGISTRY,
    multiprocess_mode="liveall",
)
JOB_STATUSES = {JobKind.MESSAGE: MessageStatus, JobKind.DOCUMENT: DocumentStatus, JobKind.FINETUNE: JobStatus}


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def active_streams() -> int:
    """Open SSE streams of this process (the gauge's local value, whatever the multiprocess mode)."""
    return int(ACTIVE_STREAMS._value.get())


def route_template(scope: Scope) -> str:
    """The matched route's path template, prefixes included ("unmatched" keeps unknown paths out of labels).

    FastAPI 0.165 resolves included routers lazily: `scope["route"]` is the router-relative route and the full
    template sits on the effective route context; older versions put the full template on the route itself.
    """
    route = scope.get("fastapi", {}).get("effective_route_context") or scope.get("route")
    return getattr(route, "path_format", None) or getattr(route, "path", None) or "unmatched"


class MetricsMiddleware(HttpMiddleware):
    """Times every HTTP request once, by route template, for the histogram and the access line, and counts open
    `text/event-stream` responses. Runs inside RequestIdMiddleware, so the access line carries the request id."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
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
            seconds, path = time.perf_counter() - started, route_template(scope)
            HTTP_DURATION.labels(scope["method"], path, str(status)).observe(seconds)
            log_access(scope["method"], path, status, seconds)


async def refresh_job_gauges(session: AsyncSession) -> None:
    """Set `localmind_jobs` from one grouped count per table; every known status is set, zeros included."""
    queries = {
        JobKind.MESSAGE: select(ChatMessage.status, func.count())
        .where(ChatMessage.role == "assistant")
        .group_by(ChatMessage.status),
        JobKind.DOCUMENT: select(Document.status, func.count()).group_by(Document.status),
        JobKind.FINETUNE: select(FinetuneJob.status, func.count()).group_by(FinetuneJob.status),
    }
    for kind, query in queries.items():
        counts = dict((await session.execute(query)).tuples().all())
        for status in {*JOB_STATUSES[kind], *counts}:
            JOBS.labels(str(kind), status).set(counts.get(status, 0))


_cpu_counted = 0.0


def refresh_process_gauges() -> None:
    global _cpu_counted
    process = psutil.Process()
    PROCESS_MEMORY.set(process.memory_info().rss)
    PROCESS_FDS.set(process.num_fds())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    PROCESS_CPU.inc(max(used - _cpu_counted, 0))
    _cpu_counted = used


async def refresh_forever(sessions: async_sessionmaker[AsyncSession], interval: float) -> None:
    """Background duty of every API process: job-state and process gauges, so no scrape touches the database."""
    while True:
        try:
            refresh_process_gauges()
            async with sessions() as session:
                await refresh_job_gauges(session)
        except Exception as exc:  # noqa: BLE001 - metrics must outlive a database outage
            logger.warning("metrics refresh skipped: {}", exc)
        await anyio.sleep(interval)


def mark_process_dead() -> None:
    """Drop this process's live gauges (streams, memory) from the shared files when it stops."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(os.getpid())


class ClusterCollector:
    """Gauges read from Redis just before each exposition: queue depths and the GPU memory workers report."""

    def __init__(self, families: list[GaugeMetricFamily]):
        self.families = families

    def collect(self):
        return list(self.families)


async def _cluster_gauges(redis: aioredis.Redis) -> list[GaugeMetricFamily]:
    queues = GaugeMetricFamily("localmind_queue_depth", "Tasks waiting per Celery queue", labels=["queue"])
    for queue, depth in (await queue_depths(redis)).items():
        queues.add_metric([queue], depth)
    gpu = GaugeMetricFamily("localmind_gpu_memory_bytes", "GPU memory used, per worker", labels=["worker", "device"])
    for report in await worker_reports(redis):
        for stats in report["gpus"]:
            gpu.add_metric([report["worker"], stats["device"]], stats["memory_used_bytes"])
    return [queues, gpu]


async def render(redis: aioredis.Redis) -> bytes:
    """The exposition text: every API process's samples (multiprocess mode) or this one's, plus Redis gauges."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_LocalCollector())
    registry.register(ClusterCollector(await _cluster_gauges(redis)))
    return generate_latest(registry)


class _LocalCollector:
    """This process's metrics, for a single API process without a multiprocess directory."""

    def collect(self):
        return REGISTRY.collect()
