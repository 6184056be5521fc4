"""Redis → SSE relay: subscribe first, replay what the client missed, then forward live events.

Events carry `seq`; anything at or below the client's `Last-Event-ID` (or already sent) is skipped, so
replay and live delivery can overlap without duplicates. Heartbeat comments come from sse-starlette's ping.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import redis.asyncio as aioredis
from sse_starlette.event import ServerSentEvent
from sse_starlette.sse import EventSourceResponse
from starlette.types import Send

from app.core.openapi import EVENT_SCHEMA_REF
from app.events.hub import RESYNC, event_hub
from app.kernel.contracts import TERMINAL_EVENTS
from app.kernel.keys import channel_name, replay_key

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

        `on_idle` runs when nothing arrived for `idle_seconds` (noticed within half of it again); it may return a
        seq-less event (a queue position, or the stored outcome of a job whose terminal event was lost) or
        publish a terminal event itself (which then arrives through the subscription).
        """
        if self._queue is None:
            await self.open()
        last = after_seq
        ticker = _IdleTicker(self._queue, idle_seconds / 2)
        try:
            raws = await self._replayed()
            while True:
                batch = []
                for raw in raws:
                    if raw is _IDLE_TICK:
                        continue
                    if raw is RESYNC:
                        raws.extend(await self._replayed())
                        continue
                    event = parse_event(raw)
                    if event["seq"] <= last:
                        continue
                    last = event["seq"]
                    batch.append(event)
                    if event["type"] in TERMINAL_EVENTS:
                        yield batch
                        return
                if batch:
                    yield batch
                raws = await self._next_raws()
                if all(raw is _IDLE_TICK for raw in raws):
                    if time.monotonic() - ticker.last_activity < idle_seconds:
                        continue
                    ticker.last_activity = time.monotonic()
                    injected = await on_idle() if on_idle else None
                    raws = []
                    if injected is not None:
                        yield [injected]
                        if injected["type"] in TERMINAL_EVENTS:
                            return
                else:
                    ticker.last_activity = time.monotonic()
        finally:
            ticker.cancel()
            with anyio.CancelScope(shield=True):
                await self.close()

    async def _replayed(self) -> list[str]:
        return await self._client.lrange(replay_key(self._kind, self._job_id), 0, -1)

    async def _next_raws(self) -> list:
        """Everything queued for this stream, waiting for the first (an idle tick comes at the latest)."""
        queue = self._queue
        raws = [queue.get_nowait() if not queue.empty() else await queue.get()]
        while not queue.empty():
            raws.append(queue.get_nowait())
        return raws


_IDLE_TICK = object()


class _IdleTicker:
    """Puts `_IDLE_TICK` into a stream's queue every `period` seconds.

    One timer per stream and period, instead of a timeout around every wait for the next event: at 500 streams
    of 20 tokens/s, arming and cancelling 10,000 timers a second was ~5 % of the API's CPU."""

    def __init__(self, queue: asyncio.Queue, period: float):
        self.last_activity = time.monotonic()
        self._queue, self._period = queue, period
        self._loop = asyncio.get_running_loop()
        self._handle = self._loop.call_later(period, self._tick)

    def _tick(self) -> None:
        self._queue.put_nowait(_IDLE_TICK)
        self._handle = self._loop.call_later(self._period, self._tick)

    def cancel(self) -> None:
        self._handle.cancel()


class RelayedEvent(dict):
    """An event as read from Redis: `seq` and `type` parsed, `data` decoded only when someone reads it, and
    the SSE frame built from the JSON text as published (json.loads + json.dumps were ~12 % of the API's CPU at
    500 streams)."""

    __slots__ = ("data_json",)

    def __missing__(self, key: str) -> Any:
        if key != "data":
            raise KeyError(key)
        value = self["data"] = json.loads(self.data_json)
        return value


_SEQ, _TYPE, _TS, _DATA = '{"seq": ', ', "type": "', '", "ts": ', ', "data": '


def parse_event(raw: str) -> dict[str, Any]:
    """Cut `seq`, `type` and the `data` text out of app/kernel/events.py's layout; anything else is decoded whole."""
    if raw.startswith(_SEQ):
        type_at = raw.find(_TYPE, len(_SEQ))
        ts_at = raw.find(_TS, type_at + len(_TYPE)) if type_at > 0 else -1
        data_at = raw.find(_DATA, ts_at + len(_TS)) if ts_at > 0 else -1
        if data_at > 0:
            event = RelayedEvent(seq=int(raw[len(_SEQ) : type_at]), type=raw[type_at + len(_TYPE) : ts_at])
            event.data_json = raw[data_at + len(_DATA) : -1]
            return event
    return json.loads(raw)


async def subscribe_unless_expired(
    client: aioredis.Redis, kind: str, job_id: int | str, finished: bool
) -> JobEventStream | None:
    """Subscribe to a job's events; None for a finished job whose events have expired: send its stored outcome
    (`just(...)`) instead."""
    stream = await JobEventStream(client, kind, job_id).open()
    if finished and not await stream.has_history():
        await stream.close()
        return None
    return stream


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
    if type(event) is RelayedEvent and not dict.__contains__(event, "data"):
        data = event.data_json
    else:
        data = json.dumps(event["data"], ensure_ascii=False)
    frame = f"event: {event['type']}\ndata: {data}\n"
    if event.get("seq") is not None:
        frame = f"id: {event['seq']}\n{frame}"
    return frame + "\n"


class _FrameResponse(EventSourceResponse):
    """sse-starlette's response (pings, disconnect and shutdown handling) with a leaner hot path: our body
    yields finished frames as bytes, so each is sent as is — no per-chunk timeout scope (there is no
    send_timeout), debug log call or re-encoding, which cost ~5 % of the API's CPU at 500 streams. Written
    against the pinned sse-starlette 3.7; its own `_stream_response` is the model."""

    async def _stream_response(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        try:
            async for chunk in self.body_iterator:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except BaseException:  # a failed send leaves the body suspended at `yield`: run its cleanup now
            with anyio.move_on_after(self._cleanup_timeout, shield=True):
                await self.body_iterator.aclose()
            raise
        async with self._send_lock:
            self.active = False
            await send({"type": "http.response.body", "body": b"", "more_body": False})


def sse_response(
    events: AsyncIterator[dict[str, Any] | list[dict[str, Any]]], heartbeat_seconds: float
) -> EventSourceResponse:
    """SSE of single events or batches; a batch goes out as one write."""

    async def body():
        async for item in events:
            yield "".join(map(encode_sse, item)).encode() if isinstance(item, list) else encode_sse(item).encode()

    return _FrameResponse(
        body(),
        ping=heartbeat_seconds,
        ping_message_factory=lambda: ServerSentEvent(comment="ping"),
        headers=SSE_HEADERS,
    )


SSE_DOC = {
    200: {
        "content": {"text/event-stream": {"schema": EVENT_SCHEMA_REF}},
        "description": "Server-sent events; each `data:` line is a JobEvent (see docs/api.md). "
        "Routes that also answer JSON do so when the request asks for `stream: false`.",
    }
}
