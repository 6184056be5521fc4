"""Redis → SSE relay: subscribe first, replay what the client missed, then forward live events.

Events carry `seq`; anything at or below the client's `Last-Event-ID` (or already sent) is skipped, so
replay and live delivery can overlap without duplicates. Heartbeat comments come from sse-starlette's ping.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import redis.asyncio as aioredis
from sse_starlette.event import ServerSentEvent
from sse_starlette.sse import EventSourceResponse

from app.contracts import TERMINAL_EVENTS, channel_name, replay_key
from app.event_hub import RESYNC, event_hub

IdleHook = Callable[[], Awaitable[dict[str, Any] | None]]
SSE_HEADERS = {"X-Accel-Buffering": "no", "Cache-Control": "no-cache"}


class JobEventStream:
    """The events of one job. `open()` subscribes; call it before dispatching so nothing is missed."""

    def __init__(self, client: aioredis.Redis, kind: str, job_id: int | str):
        self._client = client
        self._kind = kind
        self._job_id = job_id
        self._channel = channel_name(kind, job_id)
        self._queue: asyncio.Queue | None = None

    async def open(self) -> "JobEventStream":
        self._queue = await event_hub(self._client).subscribe(self._channel)
        return self

    async def close(self) -> None:
        if self._queue is not None:
            queue, self._queue = self._queue, None
            await event_hub(self._client).unsubscribe(self._channel, queue)

    async def has_history(self) -> bool:
        return bool(await self._client.exists(replay_key(self._kind, self._job_id)))

    async def events(
        self, after_seq: int = 0, on_idle: IdleHook | None = None, idle_seconds: float = 1.0
    ) -> AsyncIterator[dict[str, Any]]:
        """Events with seq > after_seq until a terminal one (see `batches`)."""
        async for batch in self.batches(after_seq, on_idle, idle_seconds):
            for event in batch:
                yield event

    async def batches(
        self, after_seq: int = 0, on_idle: IdleHook | None = None, idle_seconds: float = 1.0
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Events with seq > after_seq until a terminal one, grouped as they arrived, so a reader that fell
        behind catches up in one write.

        `on_idle` runs when nothing arrived for `idle_seconds`; it may return a seq-less event (a queue position,
        or the stored outcome of a job whose terminal event was lost) or publish a terminal event itself (which
        then arrives through the subscription).
        """
        if self._queue is None:
            await self.open()
        last = after_seq
        try:
            raws = await self._replayed()
            while True:
                batch = []
                for raw in raws:
                    if raw is RESYNC:
                        raws.extend(await self._replayed())
                        continue
                    event = json.loads(raw)
                    if event["seq"] <= last:
                        continue
                    last = event["seq"]
                    batch.append(event)
                    if event["type"] in TERMINAL_EVENTS:
                        yield batch
                        return
                if batch:
                    yield batch
                raws = await self._next_raws(idle_seconds)
                if raws is None:
                    injected = await on_idle() if on_idle else None
                    raws = []
                    if injected is not None:
                        yield [injected]
                        if injected["type"] in TERMINAL_EVENTS:
                            return
        finally:
            with anyio.CancelScope(shield=True):
                await self.close()

    async def _replayed(self) -> list[str]:
        return await self._client.lrange(replay_key(self._kind, self._job_id), 0, -1)

    async def _next_raws(self, idle_seconds: float) -> list[str | None] | None:
        """Everything queued for this stream, waiting up to `idle_seconds` for the first; None when idle."""
        queue = self._queue
        if queue.empty():
            try:
                async with asyncio.timeout(idle_seconds):
                    first = await queue.get()
            except TimeoutError:
                return None
        else:
            first = queue.get_nowait()
        raws = [first]
        while not queue.empty():
            raws.append(queue.get_nowait())
        return raws


async def just(event: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    """A one-event stream: the stored outcome of a job whose events have expired."""
    yield event


async def relay(
    stream: JobEventStream, first: dict[str, Any], after_seq: int = 0, on_idle: IdleHook | None = None
) -> AsyncIterator[dict[str, Any]]:
    """`first` (the job's current state), then its events; unsubscribes however the client leaves."""
    try:
        yield first
        async for event in stream.events(after_seq, on_idle):
            yield event
    finally:
        with anyio.CancelScope(shield=True):
            await stream.close()


def encode_sse(event: dict[str, Any]) -> str:
    """One SSE frame; json.dumps never emits a raw newline, so `data` is always a single line."""
    frame = f"event: {event['type']}\ndata: {json.dumps(event['data'], ensure_ascii=False)}\n"
    if event.get("seq") is not None:
        frame = f"id: {event['seq']}\n{frame}"
    return frame + "\n"


def sse_response(
    events: AsyncIterator[dict[str, Any] | list[dict[str, Any]]], heartbeat_seconds: float
) -> EventSourceResponse:
    """SSE of single events or batches; a batch goes out as one write."""

    async def body():
        async for item in events:
            yield "".join(map(encode_sse, item)).encode() if isinstance(item, list) else encode_sse(item).encode()

    return EventSourceResponse(
        body(),
        ping=heartbeat_seconds,
        ping_message_factory=lambda: ServerSentEvent(comment="ping"),
        headers=SSE_HEADERS,
    )


SSE_DOC = {200: {"content": {"text/event-stream": {}}, "description": "Server-sent events (see docs/api.md)"}}
