"""One structured access line per HTTP request: `method`, `path` (the route template), `status`, `duration_ms`.

With LOG_FORMAT=json they are fields of the line (uvicorn's own access line is one string; start it with
`--no-access-log`). An SSE stream's line is written when the stream ends.
"""

import time

from loguru import logger
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.metrics import route_template

QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
"""Probes and scrapes: logged at DEBUG, or a line every few seconds per pod would drown the rest."""


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            path = route_template(scope)
            fields = {
                "method": scope["method"],
                "path": path,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            }
            level = "DEBUG" if path in QUIET_ROUTES else "INFO"
            logger.bind(**fields).log(level, "{method} {path} {status} {duration_ms}ms", **fields)
