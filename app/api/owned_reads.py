"""The two read routes of a collection its user owns: the list, and one item by id."""

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.deps import CurrentUser, SessionDep, object_id
from app.kernel.models import User


def add_owned_reads(
    router: APIRouter,
    path: str,
    model: Any,
    list_owned: Callable[[AsyncSession, User], Awaitable[Sequence[Any]]],
    get_owned: Callable[[AsyncSession, User, int], Awaitable[Any]],
    *,
    item: str,
    id_name: str,
) -> None:
    """GET `path`, the caller's items as `list[model]`, and GET `path/{id_name}`, one of them (404 when it is
    not the caller's); named `list_<item>s` and `get_<item>`, which makes their OpenAPI operation ids."""

    async def list_items(user: CurrentUser, session: SessionDep) -> Any:
        return await list_owned(session, user)

    async def get_item(item_id: Annotated[int, object_id(id_name)], user: CurrentUser, session: SessionDep) -> Any:
        return await get_owned(session, user, item_id)

    router.add_api_route(path, list_items, methods=["GET"], response_model=list[model], name=f"list_{item}s")
    router.add_api_route(f"{path}/{{{id_name}}}", get_item, methods=["GET"], response_model=model, name=f"get_{item}")
