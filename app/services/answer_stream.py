"""The event stream a client reads for one answer: queue positions, live events, disconnect handling."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import anyio
from fastapi import FastAPI

from app.contracts import FINAL_MESSAGE_STATUSES, TERMINAL_EVENTS, JobKind
from app.models import Message
from app.schemas.conversation import MessagePublic
from app.services.chat import request_stop
from app.services.job_health import check_message
from app.streaming import JobEventStream


def listeners_key(message_id: int) -> str:
    return f"listeners:{JobKind.MESSAGE}:{message_id}"


async def answer_events(
    app: FastAPI, stream: JobEventStream, message_id: int, after_seq: int = 0, first: list[dict] | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Relay one answer's events; if every client leaves before the end, cancel after a grace period."""
    redis, settings = app.state.redis, app.state.settings
    await redis.incr(listeners_key(message_id))
    await redis.expire(listeners_key(message_id), 3600)
    last_position: list[int | None] = [-1]

    async def on_idle() -> dict | None:
        async with app.state.sessionmaker() as session:
            status = await check_message(session, redis, settings, message_id)
        if status is None or status["data"]["queue_position"] == last_position[0]:
            return None
        last_position[0] = status["data"]["queue_position"]
        return status

    finished = False
    try:
        for event in first or []:
            yield event
        async for event in stream.events(after_seq, on_idle):
            yield event
            finished = event["type"] in TERMINAL_EVENTS
    finally:
        with anyio.CancelScope(shield=True):
            await stream.close()
            await redis.decr(listeners_key(message_id))
        if not finished:
            task = asyncio.get_running_loop().create_task(_cancel_if_abandoned(app, message_id))
            app.state.background_tasks.add(task)
            task.add_done_callback(app.state.background_tasks.discard)


async def _cancel_if_abandoned(app: FastAPI, message_id: int) -> None:
    """A client that drops and resumes within the grace period keeps its answer; otherwise it is stopped."""
    await anyio.sleep(app.state.settings.sse_disconnect_grace_seconds)
    if int(await app.state.redis.get(listeners_key(message_id)) or 0) > 0:
        return
    async with app.state.sessionmaker() as session:
        message = await session.get(Message, message_id)
        if message is not None:
            await request_stop(session, app.state.redis, message)


def stored_final_event(message: Message) -> dict[str, Any]:
    """The terminal event for an answer whose replay buffer has expired."""
    if message.status == "failed":
        return {"type": "error", "data": {"code": "failed", "message": message.error or "Generation failed."}}
    return {"type": "done", "data": {"message": MessagePublic.model_validate(message).model_dump(mode="json")}}


def is_final(message: Message) -> bool:
    return message.status in FINAL_MESSAGE_STATUSES
