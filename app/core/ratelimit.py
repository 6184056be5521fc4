"""Redis sliding-window rate limits, answering 429 + `Retry-After` in the one JSON error shape.

Which limit a route gets is decided in one place, app/core/admission.py. Logins count per account (a username
and its email share one budget) and, for failed attempts, per client IP across all names; registrations count
per client IP. All over `RATE_LIMIT_WINDOW_SECONDS`; a limit of 0 is off. The client IP is the socket peer
unless uvicorn was told to trust a proxy (`FORWARDED_ALLOW_IPS`, default none).
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
from sqlalchemy import func, or_, select

from app.api.deps import SessionDep
from app.core.errors import AppError
from app.kernel.keys import ratelimit_key
from app.kernel.models import User

# Accepted requests are members of a sorted set scored by time; refused ones are not counted, so a client
# that keeps hammering is let in again exactly `Retry-After` after the oldest accepted request leaves the window.
_SLIDING_WINDOW_LUA = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  if ARGV[5] == 'peek' then return 0 end
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window - now
"""
WHAT = {
    "login": "login attempts for this account",
    "login_failures_per_ip": "failed login attempts from this address",
    "register": "registrations from this address",
    "messages": "messages",
    "requests": "embedding and search requests",
    "uploads": "uploads and worker jobs",
}


def _limits(request: Request, name: str) -> tuple[int, float]:
    settings = request.app.state.settings
    return getattr(settings, f"rate_limit_{name}_per_window"), settings.rate_limit_window_seconds


async def hit(request: Request, name: str, subject: str, peek: bool = False) -> None:
    """Count one request of `subject` against limit `name`; raise 429 while the window's budget is spent.

    `peek` only checks the budget (failed logins are counted after the password check, see `login_failed`)."""
    limit, window = _limits(request, name)
    if limit <= 0:
        return
    now_ms = int(time.time() * 1000)
    key = ratelimit_key(name, subject)
    try:
        wait_ms = int(
            await request.app.state.redis.eval(
                _SLIDING_WINDOW_LUA,
                1,
                key,
                now_ms,
                int(window * 1000),
                limit,
                f"{now_ms}:{uuid.uuid4().hex[:8]}",
                "peek" if peek else "count",
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


async def _account_subject(session: SessionDep, login: str) -> str:
    """One bucket per account whichever name is typed (password changes share it); unknown names get their own."""
    name = login.strip().lower()
    user_id = await session.scalar(
        select(User.id).where(or_(func.lower(User.username) == name, func.lower(User.email) == name))
    )
    await session.commit()  # release the connection before the password hash runs
    return f"account:{user_id}" if user_id is not None else f"name:{name}"


async def limit_login(
    request: Request, session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> None:
    await hit(request, "login_failures_per_ip", client_ip(request), peek=True)
    await hit(request, "login", await _account_subject(session, form.username))


async def login_failed(request: Request) -> None:
    """Count a wrong password against the client address: guessing across many names is capped too."""
    try:
        await hit(request, "login_failures_per_ip", client_ip(request))
    except AppError:
        pass  # this attempt is answered 401; the next one from this address gets the 429


async def limit_registration(request: Request) -> None:
    settings = request.app.state.settings
    if settings.registration == "closed":
        raise AppError(
            403, "registration_closed", "Registration is closed on this server; ask an administrator for an account."
        )
    await hit(request, "register", client_ip(request))
