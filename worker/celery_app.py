"""Celery application: queues generation, indexing, training, retrieval.

`celery -A worker.celery_app worker -Q <queue>`.
"""

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from celery import Celery
from celery.signals import setup_logging, worker_process_init, worker_ready
from kombu import Queue
from loguru import logger

from app.kernel.contracts import QUEUES, TASK_QUEUES
from app.kernel.keys import broker_transport_options
from app.kernel.logs import configure_process_logging
from app.kernel.private_files import keep_files_private
from app.kernel.settings import get_settings
from app.kernel.tasks import RowlessJob, TaskPayload
from worker.ops.liveness import QueueBeatStep
from worker.ops.time_limits import hard_limit_seconds, soft_limit_seconds, soft_time_limit
from worker.sandbox import warm

TASK_MODULES = [
    "worker.tasks.system",
    "worker.tasks.generation",
    "worker.tasks.indexing",
    "worker.tasks.retrieval",
    "worker.tasks.training",
    "worker.tasks.models",
]


def create_celery(broker_url: str | None = None) -> Celery:
    keep_files_private(get_settings())  # indexes, adapters, the SQLite database: 0600 files, 0700 directories
    app = Celery(
        "localmind",
        broker=broker_url or get_settings().redis_url,
        include=TASK_MODULES,
        amqp="worker.ops.broker:BrokerAMQP",  # survives a broker restart mid-task (see that module)
    )
    app.conf.update(
        task_queues=[Queue(name) for name in QUEUES],
        broker_transport_options=broker_transport_options(),  # REDIS_NAMESPACE on every Celery key
        task_routes={name: {"queue": queue} for name, queue in TASK_QUEUES.items()},
        task_default_queue="generation",
        # A job whose worker dies is redelivered, and the task itself refuses to run it twice.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        worker_send_task_events=True,
        task_send_sent_event=True,
    )
    app.steps["worker"].add(QueueBeatStep)
    return app


@setup_logging.connect
def _configure_logging(**_kwargs: object) -> None:
    """A worker logs like the API (LOG_FORMAT=json: JSON lines) instead of Celery's own text format."""
    settings = get_settings()
    configure_process_logging("worker", settings.log_level, settings.log_format)


if get_settings().log_format == "json":
    _configure_logging()  # now, before the task modules' imports (torch, bitsandbytes) log their warnings


celery_app = create_celery()
app = celery_app


@worker_process_init.connect
def _warm_sandbox_in_pool_process(**_kwargs: Any) -> None:
    """Prefork children and the solo pool start the tool/parser sandbox now, not on their first hostile file."""
    threading.Thread(target=warm, name="sandbox-warmup", daemon=True).start()


@worker_ready.connect
def _warm_sandbox_in_threads_worker(sender: Any, **_kwargs: Any) -> None:
    if type(sender.pool).__module__.endswith(".thread"):  # the threads pool sends no worker_process_init
        threading.Thread(target=warm, name="sandbox-warmup", daemon=True).start()


P = TypeVar("P", bound=TaskPayload)


def payload_task(payload: type[P], **options: object) -> Callable[[Callable[[P], str]], Callable[..., str]]:
    """Register `run(payload) -> status` as the Celery task `payload.task_name`: the task's keyword arguments
    (what the API's `dispatch` sent) are validated into `payload` first, so both sides share one typed contract.
    Every task runs under its kind's time limits (worker/ops/time_limits.py); a task without a kind fails here.
    `options` go to Celery's task decorator."""

    def register(run: Callable[[P], str]) -> Callable[..., str]:
        name = payload.task_name

        def task(**kwargs: object) -> str:
            job = payload.model_validate(kwargs)
            with logger.contextualize(request_id=job.request_id, task=name), soft_time_limit(soft_limit_seconds(name)):
                started = time.perf_counter()
                logger.info("task started")
                status = run(job)
                logger.bind(duration_ms=round((time.perf_counter() - started) * 1000, 1), status=status).info(
                    "task finished: {}", status
                )
                return status

        task.__name__ = task.__qualname__ = run.__name__
        task.__doc__ = run.__doc__
        return celery_app.task(name=name, time_limit=hard_limit_seconds(name), **options)(task)

    return register


def rowless_task(payload: type[RowlessJob], run_job: Callable[[str], str]) -> Callable[..., str]:
    """Register the task of a row-less job (`payload`): `run_job(job_id)` reads the request body waiting in Redis."""

    def run(task: RowlessJob) -> str:
        return run_job(task.job_id)

    run.__name__ = run.__qualname__ = run_job.__name__
    return payload_task(payload)(run)
