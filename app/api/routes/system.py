"""Probes and Prometheus metrics at the root (`router`); resources and quota under /api/v1 (`api_router`)."""

import secrets

import anyio
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from app.api.deps import CurrentUser, RedisDep, SessionDep, SettingsDep
from app.core import metrics
from app.core.errors import error_response
from app.kernel.contracts import QUEUE_GENERATION, QUEUE_INDEXING, QUEUE_TRAINING
from app.kernel.schemas.system import Health, QuotaUsage, Readiness, SystemResources
from app.services import quota
from app.services.job_health import live_workers
from app.services.resources import host_stats, queue_depths, worker_reports

WORKER_QUEUES = (QUEUE_GENERATION, QUEUE_INDEXING, QUEUE_TRAINING)
router = APIRouter(tags=["system"])
api_router = APIRouter(tags=["system"])


@router.get("/healthz", response_model=Health)
async def healthz():
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=Readiness)
async def readyz(request: Request):
    """The database and Redis answer; 503 naming what is down otherwise. `workers`: how many workers consume
    each queue, `models_loaded`: the models some generation worker serves now (informational: jobs wait for a
    worker or a model load, the API serves without them)."""
    checks: dict[str, str] = {}
    try:
        async with request.app.state.sessionmaker() as session:
            await session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"unavailable: {type(exc).__name__}"
    try:
        await request.app.state.redis.ping()
        checks["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["redis"] = f"unavailable: {type(exc).__name__}"
    if all(v == "ok" for v in checks.values()):
        workers = {queue: await live_workers(request.app.state.redis, queue) for queue in WORKER_QUEUES}
        reports = await worker_reports(request.app.state.redis)
        loaded = sorted({model["model_id"] for report in reports for model in report["models"]})
        return {"status": "ready", "checks": checks, "workers": workers, "models_loaded": loaded}
    down = ", ".join(k for k, v in checks.items() if v != "ok")
    return error_response(503, "not_ready", f"Not ready: {down} unavailable.", checks)


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics(request: Request, settings: SettingsDep):
    """Prometheus text exposition of every API process plus queue depths read from Redis at scrape time.

    With METRICS_TOKEN set, only `Authorization: Bearer <token>` gets it (the Ingress does not route /metrics)."""
    if settings.metrics_token and not secrets.compare_digest(
        request.headers.get("authorization", ""), f"Bearer {settings.metrics_token}"
    ):
        return error_response(401, "metrics_token_required", "Send the METRICS_TOKEN as a Bearer token.")
    body = await metrics.render(request.app.state.redis)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


@api_router.get("/system/resources", response_model=SystemResources, response_model_exclude_unset=True)
async def resources(user: CurrentUser, redis: RedisDep, settings: SettingsDep):
    """CPU, memory and model-store disk of this host; GPUs and loaded models as workers report them; queues.

    Administrators also see per-worker detail (names, models with memory, GPUs, last control error) and paths.
    """
    host = await anyio.to_thread.run_sync(host_stats, settings.model_store_dir)
    reports = await worker_reports(redis)
    result = {
        **host,
        "gpus": [gpu for report in reports for gpu in report["gpus"]],
        "models_loaded": sorted({model["model_id"] for report in reports for model in report["models"]}),
        "queues": await queue_depths(redis),
        "active_streams": metrics.active_streams(),
    }
    if user.role == "admin":
        result["workers"] = reports
    else:
        del result["disk"]["path"]
    return result


@api_router.get("/users/me/quota", response_model=QuotaUsage)
async def my_quota(user: CurrentUser, session: SessionDep):
    """Tokens used today (UTC) against the daily quota; `limit` null means unlimited."""
    return await quota.usage(session, user)
