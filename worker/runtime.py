"""Process-wide clients for worker code: one sync DB session factory and one Redis client per process."""

import threading
import uuid
from functools import lru_cache

import redis
from sqlalchemy.orm import Session, sessionmaker

from app.kernel.contracts import JobKind
from app.kernel.db import sync_session_factory
from app.kernel.events import EventPublisher
from app.kernel.keys import LEASE_SECONDS, lease_key
from app.kernel.settings import get_settings

LEASE_REFRESH_SECONDS = 5
_REFRESH_IF_OWNED = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end"
_DELETE_IF_OWNED = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end"


def db_sessions() -> sessionmaker[Session]:
    return sync_session_factory(get_settings().database_url)


@lru_cache
def _redis_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=3, health_check_interval=30)


def redis_client() -> redis.Redis:
    return _redis_for(get_settings().redis_url)


class JobLease:
    """A Redis key kept alive while a job runs; when a worker dies the key expires and the API fails the job.

    The lease is owned by a token: a duplicate delivery of the same task can neither take it while the first
    job runs nor delete it on its way out. Use `acquire`/`release`, or `with JobLease(...) as lease` (then
    `lease.held` says whether this job owns it).
    """

    def __init__(self, client: redis.Redis, kind: str, job_id: int | str):
        self._client = client
        self._key = lease_key(kind, job_id)
        self._token = uuid.uuid4().hex
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._refresh, name=f"lease-{self._key}", daemon=True)
        self.held = False

    def acquire(self) -> bool:
        """False when another live job holds the lease."""
        self.held = bool(self._client.set(self._key, self._token, nx=True, ex=LEASE_SECONDS))
        if self.held:
            self._thread.start()
        return self.held

    def release(self) -> None:
        if not self.held:
            return
        self._stop.set()
        self._thread.join(timeout=2)
        self._client.eval(_DELETE_IF_OWNED, 1, self._key, self._token)
        self.held = False

    def __enter__(self) -> "JobLease":
        self.acquire()
        return self

    def __exit__(self, *_exc) -> None:
        self.release()

    def _refresh(self) -> None:
        while not self._stop.wait(LEASE_REFRESH_SECONDS):
            try:
                self._client.eval(_REFRESH_IF_OWNED, 1, self._key, self._token, LEASE_SECONDS)
            except redis.RedisError:
                continue


def publisher(kind: JobKind, job_id: int) -> EventPublisher:
    return EventPublisher(redis_client(), kind, job_id)
