"""Keep this process's model registry in step with the admin entries stored in the database.

Several API processes (uvicorn --workers, replicas) each hold a registry; only the one that took
`POST /models` adds the entry at once. The others re-read the table when a lookup misses and before a
listing, so an added model is usable everywhere on the next request (entries are add-only).
"""

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kernel.models import ModelEntry
from app.kernel.registry.errors import UnknownModelError
from app.kernel.registry.registry import get_registry

T = TypeVar("T")


async def sync_entries(session: AsyncSession) -> int:
    """Join every stored admin entry to the registry; returns how many were valid."""
    rows = (await session.scalars(select(ModelEntry))).all()
    return get_registry().add_stored((row.id, row.spec) for row in rows)


async def lookup_fresh(session: AsyncSession, lookup: Callable[[], T]) -> T:
    """`lookup()` on the registry; on `UnknownModelError`, re-read the stored entries once and try again."""
    try:
        return lookup()
    except UnknownModelError:
        await sync_entries(session)
        return lookup()
