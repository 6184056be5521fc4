"""Publish job events: bump `seq`, append to the replay list, then PUBLISH, atomically in one Lua call."""

import json
import time
from typing import Any

import redis

from app.contracts import REPLAY_TTL_SECONDS, EventType, cancel_key, channel_name, replay_key, seq_key

_PUBLISH_LUA = """
local seq = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
local event = string.format('{"seq": %d, %s', seq, ARGV[1])
redis.call('RPUSH', KEYS[2], event)
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[2], event)
return seq
"""


class EventPublisher:
    """Publishes the events of one job (`kind`, `job_id`) and reads its cancel flag."""

    def __init__(self, client: redis.Redis, kind: str, job_id: int | str):
        self._client = client
        self._kind = kind
        self._job_id = job_id
        self._script = client.register_script(_PUBLISH_LUA)

    def publish(self, event_type: EventType | str, data: dict[str, Any]) -> int:
        # The body after `seq` is serialised here so the Lua side only prefixes the counter.
        body = json.dumps({"type": str(event_type), "data": data, "ts": time.time()})[1:]
        keys = [seq_key(self._kind, self._job_id), replay_key(self._kind, self._job_id)]
        args = [body, channel_name(self._kind, self._job_id), REPLAY_TTL_SECONDS]
        return int(self._script(keys=keys, args=args))

    def cancelled(self) -> bool:
        return bool(self._client.exists(cancel_key(self._kind, self._job_id)))
