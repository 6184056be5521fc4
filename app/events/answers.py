"""The event stream a client reads for one answer: queue positions, live events, disconnect handling."""

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
from fastapi import FastAPI

from app.events.relay import JobEventStream
from app.kernel.contracts import TERMINAL_EVENTS, JobKind
from app.kernel.keys import listeners_key
from app.kernel.models import Message
from app.kernel.schemas.conversation import MessagePublic
from app.kernel.states import message as message_state
from app.kernel.states.message import MessageStatus
from app.services.chat import request_stop
from app.services.job_health import check_message, queued_status

# A waiting stream refreshes its queue position from Redis every idle second; the database check (queue timeout,
# dead worker) runs every few seconds only: 500 waiting streams polling SQLite each second starved the POSTs.
DATABASE_CHECK_EVERY_IDLE_ROUNDS = 5


# A final answer whose terminal event has not arrived this long after it was stored lost it; younger ones may
# still be on the way (stored, then published), with a more precise error code than the stored row has.
LOST_EVENT_GRACE = timedelta(seconds=3)


def _final_long_ago(message: Message) -> bool:
    finished = message.finished_at
    return is_final(message) and (finished is None or finished < datetime.now(UTC) - LOST_EVENT_GRACE)


async def answer_events(
    app: FastAPI, stream: JobEventStream, message_id: int, after_seq: int = 0, first: list[dict] | None = None
) -> AsyncIterator[list[dict[str, Any]]]:
    """Relay one answer's events in batches; if every client leaves before the end, cancel after a grace period."""
    redis, settings = app.state.redis, app.state.settings
    await redis.incr(listeners_key(JobKind.MESSAGE, message_id))
    await redis.expire(listeners_key(JobKind.MESSAGE, message_id), 3600)
    last_shown: list[tuple | None] = [None]  # (queue position, no-worker message) the client last saw
    idle_rounds = itertools.count(1)

    async def on_idle() -> dict | None:
        if next(idle_rounds) % DATABASE_CHECK_EVERY_IDLE_ROUNDS == 0:
            async with app.state.sessionmaker() as session:
                message = await session.get(Message, message_id)
                if message is not None and _final_long_ago(message):  # its terminal event was lost (Redis restarted)
                    return stored_final_event(message)
                status = await check_message(session, redis, settings, message_id)
        else:
            status = await queued_status(redis, message_id)
        if status is None:
            return None
        shown = (status["data"]["queue_position"], status["data"].get("message"))
        if shown == last_shown[0]:
            return None
        last_shown[0] = shown
        return status

    finished = False
    try:
        if first:
            yield first
        async for batch in stream.batches(after_seq, on_idle):
            yield batch
            finished = batch[-1]["type"] in TERMINAL_EVENTS
    finally:
        with anyio.CancelScope(shield=True):
            await stream.close()
            await redis.decr(listeners_key(JobKind.MESSAGE, message_id))
        if not finished:
            task = asyncio.get_running_loop().create_task(_cancel_if_abandoned(app, message_id))
            app.state.background_tasks.add(task)
            task.add_done_callback(app.state.background_tasks.discard)


async def _cancel_if_abandoned(app: FastAPI, message_id: int) -> None:
    """A client that drops and resumes within the grace period keeps its answer; otherwise it is stopped."""
    await anyio.sleep(app.state.settings.sse_disconnect_grace_seconds)
    if int(await app.state.redis.get(listeners_key(JobKind.MESSAGE, message_id)) or 0) > 0:
        return
    async with app.state.sessionmaker() as session:
        message = await session.get(Message, message_id)
        if message is not None:
            await request_stop(session, app.state.redis, message)


def stored_final_event(message: Message) -> dict[str, Any]:
    """The terminal event for an answer whose replay buffer has expired."""
    if message.status == MessageStatus.FAILED:
        return {"type": "error", "data": {"code": "failed", "message": message.error or "Generation failed."}}
    return {"type": "done", "data": {"message": MessagePublic.model_validate(message).model_dump(mode="json")}}


def is_final(message: Message) -> bool:
    return message.status in message_state.FINAL
