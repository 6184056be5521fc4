"""Celery application: queues generation, indexing, training, retrieval.

`celery -A worker.celery_app worker -Q <queue>`.
"""

from collections.abc import Callable
from typing import TypeVar

from celery import Celery
from kombu import Queue

from app.kernel.contracts import QUEUES, TASK_QUEUES
from app.kernel.settings import get_settings
from app.kernel.tasks import TaskPayload
from worker.ops.liveness import QueueBeatStep

TASK_MODULES = [
    "worker.tasks.system",
    "worker.tasks.generation",
    "worker.tasks.indexing",
    "worker.tasks.retrieval",
    "worker.tasks.training",
    "worker.tasks.models",
]


def create_celery(broker_url: str | None = None) -> Celery:
    app = Celery(
        "localmind",
        broker=broker_url or get_settings().redis_url,
        include=TASK_MODULES,
        amqp="worker.ops.broker:BrokerAMQP",  # survives a broker restart mid-task (see that module)
    )
    app.conf.update(
        task_queues=[Queue(name) for name in QUEUES],
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


celery_app = create_celery()
app = celery_app


P = TypeVar("P", bound=TaskPayload)


def payload_task(payload: type[P]) -> Callable[[Callable[[P], str]], Callable[..., str]]:
    """Register `run(payload) -> status` as the Celery task `payload.task_name`: the task's keyword arguments
    (what the API's `dispatch` sent) are validated into `payload` first, so both sides share one typed contract."""

    def register(run: Callable[[P], str]) -> Callable[..., str]:
        def task(**kwargs: object) -> str:
            return run(payload.model_validate(kwargs))

        task.__name__ = task.__qualname__ = run.__name__
        task.__doc__ = run.__doc__
        return celery_app.task(name=payload.task_name)(task)

    return register
