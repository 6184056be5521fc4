"""The size limit every upload route enforces: on Content-Length before any byte is read, then while the body
streams, so an oversized body is refused as it arrives rather than after it was stored."""

from collections.abc import Callable

from fastapi import Request
from starlette.types import Message

from app.core.errors import AppError

MIB = 2**20


def upload_too_large(max_mb: int, setting: str = "MAX_UPLOAD_MB") -> AppError:
    return AppError(
        413,
        "payload_too_large",
        f"The upload is larger than the {max_mb} MB limit ({setting}, all files of one request together).",
        {"max_bytes": max_mb * MIB},
    )


def limited_body(request: Request, max_bytes: int, too_large: Callable[[], AppError]) -> Request:
    """`request` with a body that raises `too_large()` past `max_bytes` (checked on Content-Length at once)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large()
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > max_bytes:
            raise too_large()
        return message

    return Request(request.scope, receive)
