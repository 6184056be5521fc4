"""Send Celery tasks by name from the API process (which never imports the worker code)."""

import anyio
from celery import Celery
from kombu.exceptions import OperationalError
from loguru import logger

from app.core.logging import request_id_var
from app.kernel.contracts import TASK_QUEUES
from app.kernel.keys import broker_transport_options
from app.kernel.tasks import TaskPayload


def create_task_client(broker_url: str) -> Celery:
    client = Celery("localmind-api", broker=broker_url)
    client.conf.update(
        task_routes={name: {"queue": queue} for name, queue in TASK_QUEUES.items()},
        broker_connection_retry_on_startup=True,
        broker_transport_options={**broker_transport_options(), "socket_connect_timeout": 2},
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
    )
    return client


def open_broker_connection(client: Celery) -> None:
    """Load the broker transport and pool a connection at startup, not in the first request that sends a task
    (~90 ms there, much of it imports holding the GIL). Redis down is not fatal: /readyz reports it."""
    try:
        with client.producer_pool.acquire(block=True, timeout=2) as producer:
            producer.connection.ensure_connection(max_retries=1)
    except (OSError, OperationalError) as exc:
        logger.warning("task queue unreachable at startup ({}); the first task sent connects", exc)


async def dispatch(client: Celery, payload: TaskPayload, task_id: str | None = None) -> str:
    """Publish without blocking the event loop (kombu's publish is synchronous)."""
    if payload.request_id == "-":
        payload = payload.model_copy(update={"request_id": request_id_var.get()})
    kwargs = payload.model_dump(mode="json")

    def _send() -> str:
        return client.send_task(payload.task_name, kwargs=kwargs, queue=payload.queue(), task_id=task_id).id

    return await anyio.to_thread.run_sync(_send)
