"""Redis names shared by the API and the generation workers for model control and worker status reports."""

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
