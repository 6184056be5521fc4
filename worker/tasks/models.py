"""Model management tasks, and the operations threads every generation worker runs (see worker/ops)."""

import threading

import redis
from celery.signals import worker_init, worker_ready, worker_shutdown
from loguru import logger

from app.kernel.contracts import QUEUE_GENERATION
from app.kernel.settings import get_settings
from app.kernel.tasks import PullModel
from worker.celery_app import payload_task
from worker.engine.engine import get_engine
from worker.ops import metrics
from worker.ops.control import WorkerOps
from worker.ops.pull import run_pull
from worker.ops.registry_sync import sync_registry

_ops: dict[int, WorkerOps] = {}


@payload_task(PullModel)
def pull_model(task: PullModel) -> str:
    return run_pull(task.job_id, task.model_id)


def _serves_generation(app) -> bool:
    return QUEUE_GENERATION in app.amqp.queues.consume_from


@worker_init.connect
def _start_ops(sender, **_kwargs) -> None:
    if not _serves_generation(sender.app):
        return
    metrics.start_server(getattr(get_settings(), "worker_metrics_port", None))
    # The broker's Redis: the API reads reports from the same server (its REDIS_URL is the broker URL).
    client = redis.Redis.from_url(sender.app.conf.broker_url, decode_responses=True, socket_connect_timeout=3)
    ops = WorkerOps(client, sender.hostname)
    ops.start()
    _ops[id(sender)] = ops


@worker_shutdown.connect
def _stop_ops(sender, **_kwargs) -> None:
    ops = _ops.pop(id(sender), None)
    if ops is not None:
        ops.stop()
        get_engine().close()  # vLLM server processes end with the worker that started them


@worker_ready.connect
def _load_admin_models(sender, **_kwargs) -> None:
    """Join admin-added models (sent by `celery worker`, not by in-process test workers, which get a `sync`)."""
    if not _serves_generation(sender.app):
        return
    try:
        logger.info("{} admin-added model entries loaded", sync_registry())
    except Exception as exc:  # noqa: BLE001 - a database hiccup must not keep the worker from serving
        logger.warning("could not load admin-added models: {}", exc)
    threading.Thread(target=_warm_default_model, name="engine-warmup", daemon=True).start()


def _warm_default_model() -> None:
    """Load the default model now, not on the first question: a vLLM server takes 30-90 s to start on a CPU."""
    model_id = get_settings().default_model
    try:
        get_engine().load(model_id)
    except Exception as exc:  # noqa: BLE001 - the first request retries the load and reports the error
        logger.warning("could not load the default model {}: {}", model_id, exc)
