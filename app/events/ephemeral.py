"""Jobs with no database row (OpenAI-compatible calls): body parked in Redis, events on the usual channel."""

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import redis.asyncio as aioredis

from app.core.errors import QUEUE_ERRORS, queue_unavailable
from app.core.tasks import dispatch
from app.events.relay import JobEventStream
from app.kernel.contracts import EventType
from app.kernel.events import publish_async
from app.kernel.keys import REPLAY_TTL_SECONDS, cancel_key, payload_key
from app.kernel.tasks import RowlessJob
from app.services.usage_meter import UsageMeter


async def start_job(
    redis: aioredis.Redis, tasks, kind: str, task: type[RowlessJob], payload: dict
) -> tuple[str, JobEventStream]:
    job_id = uuid.uuid4().hex
    stream = JobEventStream(redis, kind, job_id)
    try:
        await redis.set(payload_key(kind, job_id), json.dumps(payload), ex=REPLAY_TTL_SECONDS)
        await stream.open()
        await dispatch(tasks, task(job_id=job_id))
    except QUEUE_ERRORS as exc:
        await stream.close()
        raise queue_unavailable() from exc
    return job_id, stream


async def job_events(
    redis: aioredis.Redis, meter: UsageMeter, kind: str, job_id: str, stream: JobEventStream, timeout_seconds: float
) -> AsyncIterator[dict[str, Any]]:
    """The job's events; past the deadline it is cancelled and ends with an `error` event.

    The tokens its `done` event reports are recorded for `meter`'s user before the event is passed on."""
    deadline = time.monotonic() + timeout_seconds
    finished = False

    async def on_idle() -> None:
        if time.monotonic() > deadline:
            await redis.set(cancel_key(kind, job_id), "1", ex=REPLAY_TTL_SECONDS)
            message = f"No answer within {timeout_seconds:.0f} s; the generation workers are busy or not running."
            await publish_async(redis, kind, job_id, EventType.ERROR, {"code": "timeout", "message": message})

    try:
        async for event in stream.events(0, on_idle):
            finished = event["type"] in (EventType.DONE, EventType.ERROR)
            if event["type"] == EventType.DONE:
                await meter.record(event["data"])
            yield event
    finally:
        if not finished:
            await redis.set(cancel_key(kind, job_id), "1", ex=REPLAY_TTL_SECONDS)
