"""Send Celery tasks by name from the API process (which never imports the worker code)."""

from typing import Any

import anyio
from celery import Celery

from app.contracts import TASK_QUEUES


def create_task_client(broker_url: str) -> Celery:
    client = Celery("localmind-api", broker=broker_url)
    client.conf.update(
        task_routes={name: {"queue": queue} for name, queue in TASK_QUEUES.items()},
        broker_connection_retry_on_startup=True,
        broker_transport_options={"socket_connect_timeout": 2},
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
    )
    return client


async def dispatch(client: Celery, task_name: str, kwargs: dict[str, Any], task_id: str | None = None) -> str:
    """Publish without blocking the event loop (kombu's publish is synchronous)."""

    def _send() -> str:
        return client.send_task(task_name, kwargs=kwargs, queue=TASK_QUEUES[task_name], task_id=task_id).id

    return await anyio.to_thread.run_sync(_send)
