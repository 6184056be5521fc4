"""loguru logging: text for people, `LOG_FORMAT=json` for machines; every line carries the request id."""

import logging
import re
import uuid
from contextvars import ContextVar

from loguru import logger

from app.kernel.logs import add_sink

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


class _InterceptHandler(logging.Handler):
    """Route stdlib logging (uvicorn, celery, sqlalchemy) through loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.opt(depth=6, exception=record.exc_info).log(level, record.getMessage())


def _add_request_id(record) -> None:  # noqa: ANN001
    # "-" is the worker's default extra (app/kernel/logs.py): in a process that has both, the request's id wins
    if record["extra"].get("request_id", "-") == "-":
        record["extra"]["request_id"] = request_id_var.get()
    redact_secrets(record)


# Credentials that must never reach a log line: API keys, JWTs, `Authorization` values, and the values of
# query parameters that carry keys (uvicorn's access log writes the full request target).
_SECRET_PATTERNS = [
    (re.compile(r"\blm_[A-Za-z0-9_-]{8,}"), "lm_[redacted]"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "[redacted-jwt]"),
    (re.compile(r"(?i)\b(bearer|basic)\s+[^\s'\",]+"), r"\1 [redacted]"),
    (
        re.compile(r"(?i)([?&](?:api[_-]?key|key|token|access_token|refresh_token|password|secret)=)[^&\s\"']*"),
        r"\1[redacted]",
    ),
]


def redact(text: str) -> str:
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_secrets(record) -> None:  # noqa: ANN001
    """Scrub credentials from the message. Tracebacks are logged without variable values (`diagnose=False`):
    with them, a 500 printed the request's locals, `Authorization` header and API key included."""
    record["message"] = redact(record["message"])


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    logger.remove()
    logger.configure(patcher=_add_request_id)
    # the fields every process's JSON lines share (app/kernel/logs.py), the exception's texts redacted
    add_sink("api", level, fmt, scrub=redact)
    logging.basicConfig(handlers=[_InterceptHandler()], level=level, force=True)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers = [_InterceptHandler()]
        logging.getLogger(name).propagate = False


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]
