"""One JSON error shape for every failure: {"error": {"code", "message", "details"}}; no stack traces."""

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from kombu.exceptions import OperationalError as BrokerOperationalError
from loguru import logger
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError as DatabaseOperationalError
from sqlalchemy.exc import TimeoutError as DatabasePoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException


class AppError(Exception):
    def __init__(self, status_code: int, code: str, message: str, details: Any = None, headers: dict | None = None):
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers


def not_found(what: str) -> AppError:
    return AppError(404, "not_found", f"{what} not found")


QUEUE_ERRORS = (RedisError, BrokerOperationalError, OSError)
"""What a dispatch raises while Redis, the broker, is down."""


def queue_unavailable(consequence: str = "please retry shortly.") -> AppError:
    """The 503 of every dispatch while the task queue is down; `consequence` tells what became of the request."""
    return AppError(503, "queue_unavailable", f"The task queue (Redis) is unavailable; {consequence}")


def error_response(status_code: int, code: str, message: str, details: Any = None, headers=None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details}}
    return JSONResponse(body, status_code=status_code, headers=headers)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path")]
        details.append(
            {"field": ".".join(loc) or "body", "message": err.get("msg", "invalid"), "type": err.get("type")}
        )
    return details


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_request: Request, exc: AppError) -> JSONResponse:
        return error_response(exc.status_code, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = _validation_details(exc)
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5])
        return error_response(422, "validation_error", f"Invalid request: {summary}", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        phrase = HTTPStatus(exc.status_code).phrase if exc.status_code in HTTPStatus._value2member_map_ else "Error"
        message = exc.detail if isinstance(exc.detail, str) else phrase
        code = getattr(exc, "code", None) or phrase.lower().replace(" ", "_").replace("-", "_")
        return error_response(exc.status_code, code, message, None, getattr(exc, "headers", None))

    @app.exception_handler(DatabaseOperationalError)
    async def _database_unavailable(request: Request, exc: DatabaseOperationalError) -> JSONResponse:
        # e.g. SQLite "database is locked" past busy_timeout, or PostgreSQL down: the transaction rolled back.
        logger.warning("database unavailable on {} {}: {}", request.method, request.url.path, exc.orig)
        message = "The database is busy or unavailable; nothing was saved. Please retry shortly."
        return error_response(503, "database_unavailable", message, None, {"Retry-After": "5"})

    @app.exception_handler(DatabasePoolTimeout)
    async def _database_saturated(request: Request, _exc: DatabasePoolTimeout) -> JSONResponse:
        logger.warning("no free database connection for {} {}", request.method, request.url.path)
        message = "The server is at capacity (all database connections busy); nothing was saved. Please retry."
        return error_response(503, "database_busy", message, None, {"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        logger.opt(exception=exc).error("unhandled error on {} {}", request.method, request.url.path)
        return error_response(500, "internal_error", "Internal server error; the request id is in X-Request-ID.")
