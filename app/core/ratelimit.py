"""Request limits as route dependencies: Redis sliding-window rate limits and the daily token quota.

Both answer 429 + `Retry-After` in the one JSON error shape.

Limits come from the settings `RATE_LIMIT_LOGIN_PER_WINDOW` (per client IP + username),
`RATE_LIMIT_MESSAGES_PER_WINDOW` and `RATE_LIMIT_UPLOADS_PER_WINDOW` (per user), all over
`RATE_LIMIT_WINDOW_SECONDS`. A limit of 0 is off.
Redis being down lets requests through: rate limiting must not turn an outage into a total one.
"""

import math
import time
import uuid
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from loguru import logger
from redis.exceptions import RedisError

from app.api.deps import CurrentUser, SessionDep
from app.core.errors import AppError
from app.kernel.keys import ratelimit_key
from app.services.quota import check_quota

# Accepted requests are members of a sorted set scored by time; refused ones are not counted, so a client
# that keeps hammering is let in again exactly `Retry-After` after the oldest accepted request leaves the window.
_SLIDING_WINDOW_LUA = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window - now
"""
WHAT = {"login": "login attempts", "messages": "messages", "uploads": "uploads"}


def _limits(request: Request, name: str) -> tuple[int, float]:
    settings = request.app.state.settings
    return getattr(settings, f"rate_limit_{name}_per_window"), settings.rate_limit_window_seconds


async def hit(request: Request, name: str, subject: str) -> None:
    """Count one request of `subject` against limit `name`; raise 429 while the window's budget is spent."""
    limit, window = _limits(request, name)
    if limit <= 0:
        return
    now_ms = int(time.time() * 1000)
    key = ratelimit_key(name, subject)
    try:
        wait_ms = int(
            await request.app.state.redis.eval(
                _SLIDING_WINDOW_LUA, 1, key, now_ms, int(window * 1000), limit, f"{now_ms}:{uuid.uuid4().hex[:8]}"
            )
        )
    except RedisError as exc:
        logger.warning("rate limit {} not enforced, Redis unavailable: {}", name, exc)
        return
    if wait_ms > 0:
        retry_after = max(1, math.ceil(wait_ms / 1000))
        raise AppError(
            429,
            "rate_limited",
            f"Too many {WHAT[name]}: at most {limit} per {window:g} s. Retry in {retry_after} s.",
            {"limit": limit, "window_seconds": window, "retry_after": retry_after},
            headers={"Retry-After": str(retry_after)},
        )


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def limit_login(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> None:
    await hit(request, "login", f"{client_ip(request)}:{form.username.strip().lower()}")


async def limit_messages(request: Request, user: CurrentUser) -> None:
    await hit(request, "messages", f"user:{user.id}")


async def limit_uploads(request: Request, user: CurrentUser) -> None:
    await hit(request, "uploads", f"user:{user.id}")


async def require_quota(user: CurrentUser, session: SessionDep) -> None:
    await check_quota(session, user)
