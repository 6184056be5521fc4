"""One Redis pub/sub connection per API process, shared by every open event stream.

A subscription per SSE stream cost a Redis connection each and ~110 µs of API CPU per token event with 500
streams (bench/concurrent_streams.py). Here one reader task parses the single connection and drops each
message into the queues of the streams listening on its channel.
"""

import asyncio
import contextlib
import math
import weakref

import redis.asyncio as aioredis
from loguru import logger
from redis.exceptions import RedisError

SUBSCRIBE_CONFIRM_SECONDS = 5.0
RECONNECT_PAUSE_SECONDS = 0.5
RESYNC = None  # put in every queue after a reconnect: events published meanwhile are only in the replay list

_hubs: "weakref.WeakKeyDictionary[aioredis.Redis, EventHub]" = weakref.WeakKeyDictionary()


def event_hub(client: aioredis.Redis) -> "EventHub":
    """The hub of this Redis client (one per API process: the app's client)."""
    hub = _hubs.get(client)
    if hub is None:
        hub = _hubs[client] = EventHub(client)
    return hub


async def close_event_hub(client: aioredis.Redis) -> None:
    hub = _hubs.pop(client, None)
    if hub is not None:
        await hub.close()


def _pubsub_pool(client: aioredis.Redis) -> aioredis.ConnectionPool:
    """The client's connection settings without health checks: redis-py's health check PINGs and reads the reply
    from the task sending SUBSCRIBE, while the reader task is blocked reading the same socket ("readuntil()
    called while another coroutine is already waiting"). A dropped connection still shows up as EOF to the
    reader; keepalive covers a silent network."""
    pool = client.connection_pool
    kwargs = {**pool.connection_kwargs, "health_check_interval": 0, "socket_keepalive": True}
    return aioredis.ConnectionPool(connection_class=pool.connection_class, max_connections=2, **kwargs)


class EventHub:
    def __init__(self, client: aioredis.Redis):
        self._pool = _pubsub_pool(client)
        self._pubsub = aioredis.Redis(connection_pool=self._pool).pubsub()
        self._listeners: dict[str, set[asyncio.Queue]] = {}
        self._confirmations: dict[str, asyncio.Future] = {}
        self._send_lock = asyncio.Lock()
        self._reader: asyncio.Task | None = None

    async def subscribe(self, channel: str) -> asyncio.Queue:
        """A queue receiving the channel's raw messages; returns once Redis confirmed the subscription."""
        queue: asyncio.Queue = asyncio.Queue()
        listeners = self._listeners.setdefault(channel, set())
        listeners.add(queue)
        if len(listeners) == 1:
            self._confirmations[channel] = asyncio.get_running_loop().create_future()
            try:
                async with self._send_lock:
                    await self._pubsub.subscribe(channel)
                self._start_reader()
            except BaseException:
                self._confirmations.pop(channel, None)
                self._drop(channel, queue)
                raise
        confirmed = self._confirmations.get(channel)
        if confirmed is not None:
            with contextlib.suppress(TimeoutError):  # the replay list still covers a slow confirmation
                async with asyncio.timeout(SUBSCRIBE_CONFIRM_SECONDS):
                    await asyncio.shield(confirmed)
        return queue

    async def unsubscribe(self, channel: str, queue: asyncio.Queue) -> None:
        if self._drop(channel, queue):
            async with self._send_lock:
                with contextlib.suppress(RedisError, OSError):  # reconciled after the reconnect otherwise
                    await self._pubsub.unsubscribe(channel)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._pubsub.aclose()
        await self._pool.aclose()

    def _drop(self, channel: str, queue: asyncio.Queue) -> bool:
        """Forget a listener; True when it was the channel's last one."""
        listeners = self._listeners.get(channel)
        if listeners is None:
            return False
        listeners.discard(queue)
        if listeners:
            return False
        del self._listeners[channel]
        return True

    def _start_reader(self) -> None:
        if self._reader is None or self._reader.done():
            self._pubsub.connection.register_connect_callback(self._on_reconnect)
            self._reader = asyncio.get_running_loop().create_task(self._read_forever(), name="event-hub")

    async def _read_forever(self) -> None:
        connection = self._pubsub.connection
        while True:
            try:
                if not connection.is_connected:
                    await connection.connect()  # its callbacks resubscribe (redis-py) and resync the streams (ours)
                # Straight from the connection: PubSub.parse_response's retry, health-check and timing layers were
                # ~8 % of the API's CPU at 500 streams, and this loop reconnects on its own anyway.
                response = await connection.read_response(
                    timeout=math.inf, disconnect_on_error=False, push_request=True
                )
            except (RedisError, OSError) as exc:
                logger.warning("event hub lost Redis ({}); reconnecting", exc)
                with contextlib.suppress(RedisError, OSError):
                    await connection.disconnect()
                await asyncio.sleep(RECONNECT_PAUSE_SECONDS)
                continue
            except Exception:  # one bad frame must not end every stream of the process
                logger.exception("event hub could not read a message")
                await asyncio.sleep(RECONNECT_PAUSE_SECONDS)
                continue
            if response is None:
                continue
            if response[0] == "message":
                for queue in self._listeners.get(response[1], ()):
                    queue.put_nowait(response[2])
                continue
            await self._pubsub.handle_message(response)  # keeps redis-py's subscription bookkeeping right
            if response[0] == "subscribe":
                confirmed = self._confirmations.pop(response[1], None)
                if confirmed is not None and not confirmed.done():
                    confirmed.set_result(None)

    async def _on_reconnect(self, _connection) -> None:
        """redis-py resubscribes on reconnect; drop channels nobody reads, tell readers to re-read replays."""
        stale = [channel for channel in self._pubsub.channels if channel not in self._listeners]
        if stale:
            await self._pubsub.unsubscribe(*stale)
        for listeners in self._listeners.values():
            for queue in listeners:
                queue.put_nowait(RESYNC)
