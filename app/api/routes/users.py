from typing import Annotated

from fastapi import APIRouter, status
from sqlalchemy import func, select

from app.api.deps import AdminUser, CurrentUser, ObjectId, PageWindow, SessionDep, page_window
from app.core.admission import Kind, admit
from app.core.errors import AppError, not_found
from app.kernel.models import User
from app.kernel.schemas.common import Page, changed_fields
from app.kernel.schemas.user import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    PasswordChange,
    UserAdminUpdate,
    UserPublic,
    UserUpdateMe,
)
from app.services import accounts

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me", response_model=UserPublic)
async def read_me(user: CurrentUser):
    return user


@router.patch("/me", response_model=UserPublic, dependencies=[admit(Kind.FREE)])
async def update_me(data: UserUpdateMe, user: CurrentUser, session: SessionDep):
    return await accounts.update_profile(session, user, changed_fields(data, frozenset({"display_name"})))


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT, dependencies=[admit(Kind.PASSWORD)])
async def change_password(data: PasswordChange, user: CurrentUser, session: SessionDep):
    """Change the password; every refresh token of the account is revoked."""
    await accounts.change_password(session, user, data.current_password, data.new_password)


@router.get("/me/api-keys", response_model=list[ApiKeyPublic])
async def list_api_keys(user: CurrentUser, session: SessionDep):
    return await accounts.list_api_keys(session, user)


@router.post(
    "/me/api-keys", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED, dependencies=[admit(Kind.FREE)]
)
async def create_api_key(data: ApiKeyCreate, user: CurrentUser, session: SessionDep):
    """Create a personal API key, usable as `Authorization: Bearer lm_...`. The key is shown only once."""
    return await accounts.create_api_key(session, user, data.name)


@router.delete("/me/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[admit(Kind.FREE)])
async def revoke_api_key(key_id: ObjectId, user: CurrentUser, session: SessionDep):
    await accounts.revoke_api_key(session, user, key_id)


@router.get("", response_model=Page[UserPublic])
async def list_users(_admin: AdminUser, session: SessionDep, page: Annotated[PageWindow, page_window(50, 200)]):
    total = await session.scalar(select(func.count(User.id)))
    rows = await session.scalars(select(User).order_by(User.id).limit(page.limit).offset(page.offset))
    return Page(items=[UserPublic.model_validate(u) for u in rows], total=total or 0)


@router.patch("/{user_id}", response_model=UserPublic, dependencies=[admit(Kind.FREE)])
async def admin_update_user(user_id: ObjectId, data: UserAdminUpdate, admin: AdminUser, session: SessionDep):
    """Admin: disable/enable an account, change its role or daily token quota (not one's own role or access)."""
    user = await session.get(User, user_id)
    if user is None:
        raise not_found("User")
    changes = changed_fields(data, frozenset({"daily_token_quota"}))
    if user.id == admin.id and (changes.get("role", "admin") != "admin" or changes.get("is_active", True) is False):
        raise AppError(
            422,
            "cannot_lock_out_self",
            "You cannot demote or disable your own account; another administrator can.",
            {"field": "role" if "role" in changes else "is_active"},
        )
    for field, value in changes.items():
        setattr(user, field, value)
    await session.commit()
    return user
