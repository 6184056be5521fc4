"""Every Redis key and pub/sub channel LocalMind uses, each under the deployment's namespace.

Two deployments can share one Redis server: their databases separate keys, but pub/sub channels ignore the
database number, so every name starts with `REDIS_NAMESPACE` (default `db<n>`, the database of REDIS_URL).
Deployments sharing one database set different namespaces. Celery's own keys and channels (queue lists,
`unacked`, bindings, pidbox and event channels) carry it too, through kombu's `global_keyprefix`
(`celery_prefix`, used by worker/celery_app.py and app/core/tasks.py). The job event layout and the replay
buffer are described in contracts.py.
"""

from functools import lru_cache

from app.kernel.settings import get_settings

REPLAY_TTL_SECONDS = 3600
LEASE_SECONDS = 20

CONTROL_ACTIONS = ("load", "unload", "sync")
REPORT_INTERVAL_SECONDS = 5.0
REPORT_TTL_SECONDS = 15
"""A worker's report hash expires soon after the worker stops reporting."""
QUEUE_BEAT_SECONDS = 5.0
QUEUE_BEAT_STALE_SECONDS = 20
"""A worker counts as consuming a queue while its last beat is younger than this (Redis server time)."""


def namespace() -> str:
    return namespace_for(get_settings().redis_namespace, get_settings().redis_url)


@lru_cache
def namespace_for(configured: str, redis_url: str) -> str:
    """REDIS_NAMESPACE if set, else `db<n>` for the database number of the Redis URL."""
    if configured:
        return configured
    from urllib.parse import urlparse

    path = urlparse(redis_url).path.strip("/")
    return f"db{path or 0}"


def _name(*parts: object) -> str:
    return ":".join([namespace(), *map(str, parts)])


def channel_name(kind: str, job_id: int | str) -> str:
    """Pub/sub channel of one job's events."""
    return _name("events", kind, job_id)


def replay_key(kind: str, job_id: int | str) -> str:
    """List of every event a job published, for clients that reconnect with Last-Event-ID."""
    return _name("events", kind, job_id, "log")


def seq_key(kind: str, job_id: int | str) -> str:
    return _name("events", kind, job_id, "seq")


def payload_key(kind: str, job_id: int | str) -> str:
    """Request bodies of jobs with no database row (OpenAI-compatible calls), kept briefly."""
    return _name("payload", kind, job_id)


def cancel_key(kind: str, job_id: int | str) -> str:
    return _name("cancel", kind, job_id)


def lease_key(kind: str, job_id: int | str) -> str:
    """Kept alive by the worker running the job; its expiry means the worker died."""
    return _name("lease", kind, job_id)


def pending_queue_key(queue: str) -> str:
    """Sorted set of jobs dispatched to `queue` and not yet started (score = dispatch time), for queue positions."""
    return _name("waiting", queue)


def listeners_key(kind: str, job_id: int | str) -> str:
    """How many SSE clients follow a job (a stream without listeners is stopped after a grace period)."""
    return _name("listeners", kind, job_id)


def semantic_cache_key(owner_id: int, scope: str) -> str:
    """List of one user's cached answers for one scope (model, knowledge bases, settings), newest first."""
    return _name("semcache", owner_id, scope)


def ratelimit_key(limit: str, subject: str) -> str:
    return _name("ratelimit", limit, subject)


def control_channel() -> str:
    """Pub/sub channel every generation worker listens on: {"action": "load"|"unload"|"sync", "model_id"}."""
    return _name("models", "control")


def report_prefix() -> str:
    """Hashes `<prefix><hostname>`: what each generation worker has loaded (worker/ops/report.py)."""
    return _name("workers", "models", "")


def report_key(hostname: str) -> str:
    return report_prefix() + hostname


def queue_workers_key(queue: str) -> str:
    """Sorted set of the workers consuming `queue`: member = hostname, score = last beat (Redis TIME)."""
    return _name("workers", "queue", queue)


def celery_prefix() -> str:
    """kombu's `global_keyprefix` for the broker: every key and channel Celery uses starts with it."""
    return _name("celery", "")


def celery_queue_key(queue: str) -> str:
    """The Redis list holding the tasks waiting in a Celery queue (its length is the queue depth)."""
    return celery_prefix() + queue


def broker_transport_options() -> dict[str, object]:
    """Options both Celery apps (API client, workers) pass to the Redis transport."""
    return {"global_keyprefix": celery_prefix()}
