"""A document's lease, owned by the job that took it: a duplicate delivery of the same task can neither take
it while the first job runs nor delete it when it finds nothing to do (unlike a plain shared key)."""

import threading
import uuid

import redis

from app.contracts import LEASE_SECONDS, JobKind, lease_key

REFRESH_SECONDS = 5
_REFRESH_IF_OWNED = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end"
_DELETE_IF_OWNED = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end"


class DocumentLease:
    def __init__(self, client: redis.Redis, document_id: int):
        self._client = client
        self._key = lease_key(JobKind.DOCUMENT, document_id)
        self._token = uuid.uuid4().hex
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._refresh, name=f"lease-{self._key}", daemon=True)

    def acquire(self) -> bool:
        """False when another live job holds the lease."""
        if not self._client.set(self._key, self._token, nx=True, ex=LEASE_SECONDS):
            return False
        self._thread.start()
        return True

    def release(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._client.eval(_DELETE_IF_OWNED, 1, self._key, self._token)

    def _refresh(self) -> None:
        while not self._stop.wait(REFRESH_SECONDS):
            try:
                self._client.eval(_REFRESH_IF_OWNED, 1, self._key, self._token, LEASE_SECONDS)
            except redis.RedisError:
                continue
