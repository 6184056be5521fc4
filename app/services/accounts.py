"""Accounts: registration, login, token rotation, API keys. Routes stay thin and call these."""

import functools
import os
import secrets
from datetime import UTC, datetime

import anyio
from loguru import logger
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import AppError, not_found
from app.core.security import (
    create_access_token,
    create_refresh_token,
    decode_token,
    hash_api_key,
    hash_password,
    new_api_key,
    verify_password,
)
from app.kernel.models import ApiKey, RefreshToken, User
from app.kernel.schemas.user import ApiKeyCreated, TokenPair, UserCreate
from app.kernel.settings import Settings


async def _ensure_unique(session: AsyncSession, username: str | None, email: str | None, exclude_id: int | None = None):
    conditions = []
    if username:
        conditions.append(func.lower(User.username) == username.lower())
    if email:
        conditions.append(func.lower(User.email) == email.lower())
    if not conditions:
        return
    query = select(User).where(or_(*conditions))
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    existing = await session.scalar(query)
    if existing is None:
        return
    field = "username" if username and existing.username.lower() == username.lower() else "email"
    raise AppError(409, "conflict", f"That {field} is already registered.", {"field": field})


# argon2 (64 MiB, t=3) costs ~0.25 s of CPU and 64 MiB per hash. Unbounded, a login burst ran one hash per
# thread-pool thread (40): both cores went to hashing, the event loop starved and every request stalled
# (load run, RELIABILITY.md). Half the cores hash; the rest keep serving.
_HASH_SLOTS = anyio.CapacityLimiter(max(1, (os.cpu_count() or 1) // 2))


async def _off_loop(fn, *args):
    """Run password hashing in a worker thread, at most `_HASH_SLOTS` at a time, so it never blocks the event loop.

    Callers hold no open transaction while it runs: a pooled DB connection kept through a queued hash
    exhausted the pool (QueuePool timeouts → 500 on every route) in the load run.
    """
    return await anyio.to_thread.run_sync(fn, *args, limiter=_HASH_SLOTS)


async def create_user(session: AsyncSession, data: UserCreate, admin: bool | None = None) -> User:
    """Create a user; the very first user of an installation becomes admin unless told otherwise."""
    password_hash = await _off_loop(hash_password, data.password)  # before any query: no connection held meanwhile
    await _ensure_unique(session, data.username, data.email)
    if admin is None:
        admin = (await session.scalar(select(func.count(User.id)))) == 0
    user = User(
        username=data.username,
        email=data.email.lower(),
        password_hash=password_hash,
        display_name=data.display_name,
        role="admin" if admin else "user",
    )
    session.add(user)
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise AppError(409, "conflict", "That username or email is already registered.") from exc
    return user


@functools.cache
def _dummy_hash() -> str:
    """A hash no password matches, verified for unknown names so they cost what a wrong password costs."""
    return hash_password(secrets.token_urlsafe(32))


async def authenticate(session: AsyncSession, login: str, password: str) -> User:
    user = await session.scalar(
        select(User).where(or_(func.lower(User.username) == login.lower(), func.lower(User.email) == login.lower()))
    )
    await session.commit()  # ends the read: the connection goes back to the pool while the hash runs
    # An unknown name is verified against a dummy hash: the answer takes as long as for an existing account
    # (it took 3-16 ms instead of 150-400 ms, telling which accounts exist).
    stored_hash = user.password_hash if user is not None else await _off_loop(_dummy_hash)
    if not await _off_loop(verify_password, password, stored_hash) or user is None:
        raise AppError(401, "invalid_credentials", "Incorrect username or password.")
    if not user.is_active:
        raise AppError(401, "account_disabled", "This account is disabled.")
    return user


async def issue_tokens(session: AsyncSession, settings: Settings, user: User) -> TokenPair:
    refresh, jti, expires_at = create_refresh_token(settings, user.id, user.role)
    session.add(RefreshToken(user_id=user.id, jti=jti, expires_at=expires_at))
    await session.commit()
    return TokenPair(
        access_token=create_access_token(settings, user.id, user.role, user.token_version),
        refresh_token=refresh,
        expires_in=settings.access_token_minutes * 60,
    )


async def end_all_sessions(session: AsyncSession, user_id: int) -> None:
    """Revoke every refresh token of the account and every access token issued so far (the caller commits)."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    await session.execute(update(User).where(User.id == user_id).values(token_version=User.token_version + 1))


async def _live_refresh_token(session: AsyncSession, settings: Settings, token: str) -> RefreshToken:
    claims = decode_token(settings, token, "refresh")
    stored = await session.scalar(select(RefreshToken).where(RefreshToken.jti == claims.jti)) if claims else None
    if stored is not None and stored.revoked_at is not None:
        # A rotated (or logged-out) refresh token came back: whoever holds it stole it, or the owner did and the
        # thief holds the newer one. Either way end every session of the account; the owner logs in again.
        logger.warning("revoked refresh token of user {} reused; all its sessions ended", stored.user_id)
        await end_all_sessions(session, stored.user_id)
        await session.commit()
    if stored is None or stored.revoked_at is not None:
        raise AppError(401, "invalid_refresh_token", "Refresh token is invalid, expired or revoked; log in again.")
    return stored


async def refresh_tokens(session: AsyncSession, settings: Settings, token: str) -> TokenPair:
    """Rotate: the presented refresh token is revoked and a new pair is issued."""
    stored = await _live_refresh_token(session, settings, token)
    user = await session.get(User, stored.user_id)
    if user is None or not user.is_active:
        raise AppError(401, "account_disabled", "This account is disabled.")
    stored.revoked_at = datetime.now(UTC)
    return await issue_tokens(session, settings, user)


async def revoke_refresh_token(session: AsyncSession, settings: Settings, user: User, token: str) -> None:
    """Logout: this refresh token is revoked and every access token issued so far stops working (other devices
    get a new one through their own refresh token)."""
    stored = await _live_refresh_token(session, settings, token)
    if stored.user_id != user.id:
        raise AppError(401, "invalid_refresh_token", "Refresh token does not belong to this account.")
    stored.revoked_at = datetime.now(UTC)
    user.token_version += 1
    await session.commit()


async def change_password(session: AsyncSession, user: User, current: str, new: str) -> None:
    await session.commit()  # ends the user lookup's transaction: no connection held while hashing
    if not await _off_loop(verify_password, current, user.password_hash):
        raise AppError(400, "invalid_password", "Current password is incorrect.")
    user.password_hash = await _off_loop(hash_password, new)
    await end_all_sessions(session, user.id)
    await session.commit()


async def update_profile(session: AsyncSession, user: User, changes: dict) -> User:
    if changes.get("email"):
        changes["email"] = changes["email"].lower()
        await _ensure_unique(session, None, changes["email"], exclude_id=user.id)
    for field, value in changes.items():
        setattr(user, field, value)
    await session.commit()
    return user


async def create_api_key(session: AsyncSession, user: User, name: str) -> ApiKeyCreated:
    key = new_api_key()
    api_key = ApiKey(user_id=user.id, name=name, prefix=key[:10], key_hash=hash_api_key(key))
    session.add(api_key)
    await session.commit()
    return ApiKeyCreated(
        id=api_key.id, name=name, prefix=api_key.prefix, created_at=api_key.created_at, last_used_at=None, key=key
    )


async def list_api_keys(session: AsyncSession, user: User) -> list[ApiKey]:
    rows = await session.scalars(
        select(ApiKey).where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None)).order_by(ApiKey.id)
    )
    return list(rows)


async def revoke_api_key(session: AsyncSession, user: User, key_id: int) -> None:
    api_key = await session.get(ApiKey, key_id)
    if api_key is None or api_key.user_id != user.id or api_key.revoked_at is not None:
        raise not_found("API key")
    api_key.revoked_at = datetime.now(UTC)
    await session.commit()
