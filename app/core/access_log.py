"""One structured access line per HTTP request: `method`, `path` (the route template), `status`, `duration_ms`.

With LOG_FORMAT=json they are fields of the line (uvicorn's own access line is one string; start it with
`--no-access-log`). An SSE stream's line is written when the stream ends.
"""

from loguru import logger

QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
"""Probes and scrapes: logged at DEBUG, or a line every few seconds per pod would drown the rest."""


def log_access(method: str, path: str, status: int, seconds: float) -> None:
    """Write the request's access line (MetricsMiddleware calls it once the response, or the stream, ended)."""
    fields = {"method": method, "path": path, "status": status, "duration_ms": round(seconds * 1000, 1)}
    level = "DEBUG" if path in QUIET_ROUTES else "INFO"
    logger.bind(**fields).log(level, "{method} {path} {status} {duration_ms}ms", **fields)
