"""Publish job events: bump `seq`, append to the replay list, then PUBLISH, atomically in one Lua call.

Workers publish through `EventPublisher`; the API publishes the few events it owns (queue timeout,
a dead worker, a stop before the job started) through `publish_async`.
"""

import json
import time
from typing import Any

import redis
import redis.asyncio as aioredis

from app.kernel.contracts import EventType
from app.kernel.event_types import validate_event_data
from app.kernel.keys import REPLAY_TTL_SECONDS, cancel_key, channel_name, replay_key, seq_key

_PUBLISH_LUA = """
local seq = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
local event = string.format('{"seq": %d, %s', seq, ARGV[1])
redis.call('RPUSH', KEYS[2], event)
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[2], event)
return seq
"""


def _encode(kind: str, job_id: int | str, event_type: str, data: dict[str, Any]) -> tuple[list[str], list[Any]]:
    # The body after `seq` is serialised here so the Lua side only prefixes the counter. `data` comes last: the
    # API's relay cuts its JSON text out as is instead of decoding and re-encoding it (app/events/relay.py).
    body = json.dumps({"type": str(event_type), "ts": time.time(), "data": data}, ensure_ascii=False)[1:]
    keys = [seq_key(kind, job_id), replay_key(kind, job_id)]
    return keys, [body, channel_name(kind, job_id), REPLAY_TTL_SECONDS]


async def publish_async(
    client: aioredis.Redis, kind: str, job_id: int | str, event_type: str, data: dict[str, Any]
) -> int:
    validate_event_data(event_type, data)
    keys, args = _encode(kind, job_id, event_type, data)
    return int(await client.eval(_PUBLISH_LUA, len(keys), *keys, *args))


class EventPublisher:
    """Publishes the events of one job (`kind`, `job_id`) and reads its cancel flag."""

    def __init__(self, client: redis.Redis, kind: str, job_id: int | str):
        self._client = client
        self._kind = kind
        self._job_id = job_id
        self._script = client.register_script(_PUBLISH_LUA)

    def publish(self, event_type: EventType | str, data: dict[str, Any]) -> int:
        validate_event_data(event_type, data)
        keys, args = _encode(self._kind, self._job_id, event_type, data)
        return int(self._script(keys=keys, args=args))

    def cancelled(self) -> bool:
        return bool(self._client.exists(cancel_key(self._kind, self._job_id)))
