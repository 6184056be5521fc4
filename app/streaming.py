"""Redis → SSE relay: subscribe first, replay what the client missed, then forward live events.

Events carry `seq`; anything at or below the client's `Last-Event-ID` (or already sent) is skipped, so
replay and live delivery can overlap without duplicates. Heartbeat comments come from sse-starlette's ping.
"""

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import redis.asyncio as aioredis
from sse_starlette.event import ServerSentEvent
from sse_starlette.sse import EventSourceResponse

from app.contracts import TERMINAL_EVENTS, channel_name, replay_key

IdleHook = Callable[[], Awaitable[dict[str, Any] | None]]
SSE_HEADERS = {"X-Accel-Buffering": "no", "Cache-Control": "no-cache"}


class JobEventStream:
    """The events of one job. `open()` subscribes; call it before dispatching so nothing is missed."""

    def __init__(self, client: aioredis.Redis, kind: str, job_id: int | str):
        self._client = client
        self._kind = kind
        self._job_id = job_id
        self._pubsub = client.pubsub()

    async def open(self) -> "JobEventStream":
        await self._pubsub.subscribe(channel_name(self._kind, self._job_id))
        return self

    async def close(self) -> None:
        await self._pubsub.aclose()

    async def has_history(self) -> bool:
        return bool(await self._client.exists(replay_key(self._kind, self._job_id)))

    async def events(
        self, after_seq: int = 0, on_idle: IdleHook | None = None, idle_seconds: float = 1.0
    ) -> AsyncIterator[dict[str, Any]]:
        """Events with seq > after_seq until a terminal one.

        `on_idle` runs when nothing arrived for `idle_seconds`; it may return a seq-less status event (queue
        position) or publish a terminal event itself (which then arrives through the subscription).
        """
        last = after_seq
        try:
            for raw in await self._client.lrange(replay_key(self._kind, self._job_id), 0, -1):
                event = json.loads(raw)
                if event["seq"] > last:
                    last = event["seq"]
                    yield event
                    if event["type"] in TERMINAL_EVENTS:
                        return
            while True:
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=idle_seconds)
                if message is None:
                    injected = await on_idle() if on_idle else None
                    if injected is not None:
                        yield injected
                    continue
                event = json.loads(message["data"])
                if event["seq"] <= last:
                    continue
                last = event["seq"]
                yield event
                if event["type"] in TERMINAL_EVENTS:
                    return
        finally:
            with anyio.CancelScope(shield=True):
                await self.close()


def to_sse(event: dict[str, Any]) -> dict[str, str]:
    sse = {"event": event["type"], "data": json.dumps(event["data"], ensure_ascii=False)}
    if event.get("seq") is not None:
        sse["id"] = str(event["seq"])
    return sse


def sse_response(events: AsyncIterator[dict[str, Any]], heartbeat_seconds: float) -> EventSourceResponse:
    async def body():
        async for event in events:
            yield to_sse(event)

    return EventSourceResponse(
        body(),
        ping=heartbeat_seconds,
        ping_message_factory=lambda: ServerSentEvent(comment="ping"),
        headers=SSE_HEADERS,
    )


SSE_DOC = {200: {"content": {"text/event-stream": {}}, "description": "Server-sent events (see docs/api.md)"}}
