"""Annotated dependencies shared by the routes: settings, DB session, Redis, current user."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import redis.asyncio as aioredis
from celery import Celery
from fastapi import Depends, Header, Path, Query, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sse_starlette.sse import EventSourceResponse

from app.core.errors import AppError
from app.core.security import API_KEY_PREFIX, decode_token, hash_api_key
from app.events.relay import sse_response
from app.kernel.models import ApiKey, User
from app.kernel.schemas.common import MAX_ID
from app.kernel.settings import Settings

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/login", auto_error=False)


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Closed when the endpoint returns (see SessionDep), not when a streamed response ends."""
    async with request.app.state.sessionmaker() as session:
        yield session


def get_redis(request: Request) -> aioredis.Redis:
    return request.app.state.redis


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
# scope="function": an SSE response must not keep the session's pooled connection (nor, after a read, an open
# transaction) for the whole stream; streams open their own short sessions when they need the database.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
RedisDep = Annotated[aioredis.Redis, Depends(get_redis)]


def unauthorized(message: str = "Not authenticated: send a valid Bearer token or API key.") -> AppError:
    return AppError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


async def _user_from_api_key(session: AsyncSession, key: str) -> User | None:
    api_key = await session.scalar(
        select(ApiKey).where(ApiKey.key_hash == hash_api_key(key), ApiKey.revoked_at.is_(None))
    )
    if api_key is None:
        return None
    await session.execute(update(ApiKey).where(ApiKey.id == api_key.id).values(last_used_at=datetime.now(UTC)))
    await session.commit()
    return await session.get(User, api_key.user_id)


async def get_current_user(
    session: SessionDep, settings: SettingsDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User:
    if not token:
        raise unauthorized()
    if token.startswith(API_KEY_PREFIX):
        user = await _user_from_api_key(session, token)
    else:
        claims = decode_token(settings, token, "access")
        user = await session.get(User, claims.user_id) if claims else None
        if user is not None and claims is not None and claims.version != user.token_version:
            raise unauthorized("This session has ended (logout or password change); log in again.")
    if user is None:
        raise unauthorized("Invalid or expired credentials.")
    if not user.is_active:
        raise unauthorized("This account is disabled.")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_admin_user(user: CurrentUser) -> User:
    if user.role != "admin":
        raise AppError(403, "forbidden", "This action needs an administrator.")
    return user


AdminUser = Annotated[User, Depends(get_admin_user)]


MAX_EVENT_ID_DIGITS = 18  # event seqs are Redis integers (< 2**63)


def last_event_seq(last_event_id: Annotated[str | None, Header()] = None) -> int:
    """The `Last-Event-ID` a reconnecting SSE client sends, as an event seq (0 = from the start).

    Only the ASCII digits of an id this server sent are accepted: `str.isdigit` also takes '²' (then `int` raised
    a 500), and 5,000 digits exceeded Python's int-conversion limit (another 500)."""
    if not last_event_id:
        return 0
    if not (last_event_id.isascii() and last_event_id.isdecimal() and len(last_event_id) <= MAX_EVENT_ID_DIGITS):
        raise AppError(
            400,
            "invalid_last_event_id",
            f"Last-Event-ID must be the id of an event this stream sent: up to {MAX_EVENT_ID_DIGITS} digits.",
        )
    return int(last_event_id)


LastEventSeq = Annotated[int, Depends(last_event_seq)]


def object_id(alias: str | None = None) -> Any:
    """A database id in the path, named `alias` there when given: ids beyond the id column's range are a 422,
    not a database error."""
    return Path(ge=1, le=2**31 - 1, description="A database id", alias=alias)


ObjectId = Annotated[int, object_id()]


@dataclass
class RequestContext:
    """The caller and what a route acts with: the request (its app's task sender), a session, Redis and the
    settings."""

    request: Request
    user: CurrentUser
    session: SessionDep
    redis: RedisDep
    settings: SettingsDep

    @property
    def tasks(self) -> Celery:
        return self.request.app.state.tasks


ContextDep = Annotated[RequestContext, Depends()]


@dataclass
class EventsRequest(RequestContext):
    """What a job's SSE events route needs: the request context (its session to check ownership) and the
    client's `Last-Event-ID`."""

    after: LastEventSeq

    def respond(self, events: AsyncIterator[dict[str, Any]]) -> EventSourceResponse:
        return sse_response(events, self.settings.sse_heartbeat_seconds)


EventsDep = Annotated[EventsRequest, Depends()]


@dataclass
class PageWindow:
    limit: int
    offset: int


def page_window(default: int, most: int) -> Any:
    """The `limit` (`default` items, at most `most`) and `offset` query parameters of a paginated list."""

    def window(limit: int = Query(default, ge=1, le=most), offset: int = Query(0, ge=0, le=MAX_ID)) -> PageWindow:
        return PageWindow(limit, offset)

    return Depends(window)
