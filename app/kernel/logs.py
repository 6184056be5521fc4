"""Log lines every process shares the shape of: the API (app/core/logging.py), the Celery workers and Flower.

`LOG_FORMAT=json` writes one JSON object a line: `ts`, `level`, `message`, `logger`, `process`, `request_id`,
the structured fields a line was bound with (an access line's `method`, `path`, `status`, `duration_ms`; a task's
`task`), and for an error `exception` with its type, message and full `traceback`. A job's worker lines carry the
request id of the API request that dispatched it (`TaskPayload.request_id`).
"""

import json
import logging
import sys
import traceback
from collections.abc import Callable
from typing import Any

from loguru import logger

RESERVED = {"request_id"}
TEXT_FORMAT = "<green>{time:HH:mm:ss.SSS}</green> {level: <7} [{extra[request_id]}] {name}: {message}"


def exception_fields(record: Any) -> dict[str, Any]:
    """`{"exception": {type, message, traceback}}` for a record with an exception, else {}."""
    exception = record["exception"]
    if not exception or exception.type is None:
        return {}
    lines = traceback.format_exception(exception.type, exception.value, exception.traceback)
    return {
        "exception": {"type": exception.type.__name__, "message": str(exception.value), "traceback": "".join(lines)}
    }


def structured_fields(record: Any) -> dict[str, Any]:
    """What the line was bound with (`logger.bind(...)` / `contextualize`), besides the request id."""
    return {key: value for key, value in record["extra"].items() if key not in RESERVED}


def json_line(record: Any, process: str, scrub: Callable[[str], str] | None = None) -> str:
    """The line's JSON object; `scrub` (credential redaction) is applied to the exception's texts."""
    exception = exception_fields(record)
    if scrub is not None and exception:
        exception["exception"] = {key: scrub(value) for key, value in exception["exception"].items()}
    payload = {
        "ts": record["time"].isoformat(),
        "level": record["level"].name,
        "message": record["message"],
        "logger": record["name"],
        "process": process,
        "request_id": record["extra"].get("request_id", "-"),
        **structured_fields(record),
        **exception,
    }
    return json.dumps(payload, default=str)


class InterceptHandler(logging.Handler):
    """Route stdlib logging (celery, kombu, tornado, sqlalchemy) through loguru, exception info included."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.bind(logger_name=record.name).opt(depth=6, exception=record.exc_info).log(level, record.getMessage())


def add_sink(process: str, level: str, fmt: str, scrub: Callable[[str], str] | None = None) -> None:
    """JSON lines (`fmt` json) or text on stderr. Text tracebacks show no variable values: they can hold
    credentials (RELIABILITY.md)."""
    if fmt == "json":

        def sink(message: Any) -> None:
            sys.stderr.write(json_line(message.record, process, scrub) + "\n")

        logger.add(sink, level=level)
    else:
        logger.add(sys.stderr, level=level, format=TEXT_FORMAT, diagnose=False)


def configure_process_logging(process: str, level: str = "INFO", fmt: str = "text") -> None:
    """Loguru for a worker or Flower process: JSON lines or text, stdlib logging routed through it."""
    logger.remove()
    add_sink(process, level, fmt)
    logger.configure(extra={"request_id": "-"})
    logging.basicConfig(handlers=[InterceptHandler()], level=level, force=True)
    logging.captureWarnings(True)  # warnings.warn (Celery's, libraries') become log lines too
