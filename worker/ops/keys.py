"""Redis names shared by the API and the generation workers for model control and worker status reports."""

CONTROL_CHANNEL = "models:control"
"""Pub/sub channel every generation worker listens on: {"action": "load"|"unload"|"sync", "model_id"}."""

REPORT_PREFIX = "workers:models:"
REPORT_INTERVAL_SECONDS = 5.0
REPORT_TTL_SECONDS = 15
"""A worker's hash `workers:models:<hostname>` expires soon after the worker stops reporting."""

MODEL_LOADS_KEY = "metrics:model_loads"
"""Recent model load durations (JSON {"model_id", "seconds", "ts"}), newest first, read by the API's /metrics."""
MODEL_LOADS_KEPT = 200

CONTROL_ACTIONS = ("load", "unload", "sync")


def report_key(hostname: str) -> str:
    return f"{REPORT_PREFIX}{hostname}"
