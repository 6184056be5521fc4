"""Redis names shared by the API and the workers: model control, generation workers' status reports, and which
queues have a live worker."""

CONTROL_ACTIONS = ("load", "unload", "sync")

REPORT_PREFIX = "workers:models:"
REPORT_INTERVAL_SECONDS = 5.0
REPORT_TTL_SECONDS = 15
"""A worker's hash `workers:models:<hostname>` expires soon after the worker stops reporting."""

MODEL_LOADS_KEY = "metrics:model_loads"
"""Recent model load durations (JSON {"model_id", "seconds", "ts"}), newest first, read by the API's /metrics."""
MODEL_LOADS_KEPT = 200


def control_channel(client) -> str:
    """Pub/sub channel every generation worker listens on: {"action": "load"|"unload"|"sync", "model_id"}.

    Pub/sub ignores the database number, so it is part of the name: deployments (and test runs) sharing one
    Redis server on different databases must not control each other's workers.
    """
    return f"models:control:db{client.connection_pool.connection_kwargs.get('db', 0)}"


def report_key(hostname: str) -> str:
    return f"{REPORT_PREFIX}{hostname}"


QUEUE_BEAT_SECONDS = 5.0
QUEUE_BEAT_STALE_SECONDS = 20
"""A worker counts as consuming a queue while its last beat is younger than this (Redis server time)."""


def queue_workers_key(queue: str) -> str:
    """Sorted set of the workers consuming `queue`: member = hostname, score = last beat (Redis TIME)."""
    return f"workers:queue:{queue}"
