"""Process-wide clients for worker code: one sync DB session factory and one Redis client per process."""

import threading
from functools import lru_cache

import redis
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import get_settings
from app.core.db import sync_session_factory
from app.contracts import LEASE_SECONDS, JobKind, lease_key
from app.events import EventPublisher

LEASE_REFRESH_SECONDS = 5


def db_sessions() -> sessionmaker[Session]:
    return sync_session_factory(get_settings().database_url)


@lru_cache
def _redis_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=3, health_check_interval=30)


def redis_client() -> redis.Redis:
    return _redis_for(get_settings().redis_url)


class JobLease:
    """A Redis key kept alive while a job runs; when a worker dies the key expires and the API fails the job."""

    def __init__(self, client: redis.Redis, kind: str, job_id: int | str):
        self._client = client
        self._key = lease_key(kind, job_id)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._refresh, name=f"lease-{self._key}", daemon=True)

    def __enter__(self) -> "JobLease":
        self._client.set(self._key, "1", ex=LEASE_SECONDS)
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._client.delete(self._key)

    def _refresh(self) -> None:
        while not self._stop.wait(LEASE_REFRESH_SECONDS):
            try:
                self._client.set(self._key, "1", ex=LEASE_SECONDS)
            except redis.RedisError:
                continue


def publisher(kind: JobKind, job_id: int) -> EventPublisher:
    return EventPublisher(redis_client(), kind, job_id)
