"""Rows that belong to someone: another owner's row answers exactly like a missing one (404), so ids cannot be
probed."""

from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import not_found

Row = TypeVar("Row")


async def get_owned(
    session: AsyncSession, model: type[Row], row_id: int, what: str, *, populate_existing: bool = False, **owner: int
) -> Row:
    """Row `row_id` of `model` when its `owner` columns hold the given ids (e.g. `owner_id=user.id`), else 404."""
    row = await session.get(model, row_id, populate_existing=populate_existing)
    if row is None or any(getattr(row, column) != value for column, value in owner.items()):
        raise not_found(what)
    return row
