from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from app.api.deps import CurrentUser, SessionDep, SettingsDep
from app.core.admission import Kind, admit
from app.core.errors import AppError
from app.core.ratelimit import login_failed
from app.kernel.schemas.user import RefreshRequest, TokenPair, UserCreate, UserPublic
from app.services import accounts

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/register", response_model=UserPublic, status_code=status.HTTP_201_CREATED, dependencies=[admit(Kind.REGISTER)]
)
async def register(data: UserCreate, session: SessionDep):
    """Create an account. The first account of an installation is the administrator."""
    return await accounts.create_user(session, data)


@router.post("/login", response_model=TokenPair, dependencies=[admit(Kind.LOGIN)])
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, session: SessionDep, settings: SettingsDep
):
    """OAuth2 password flow (Swagger's Authorize button); `username` may also be the email."""
    try:
        user = await accounts.authenticate(session, form.username, form.password)
    except AppError as exc:
        if exc.code == "invalid_credentials":
            await login_failed(request)
        raise
    return await accounts.issue_tokens(session, settings, user)


@router.post("/refresh", response_model=TokenPair, dependencies=[admit(Kind.FREE)])
async def refresh(data: RefreshRequest, session: SessionDep, settings: SettingsDep):
    return await accounts.refresh_tokens(session, settings, data.refresh_token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, dependencies=[admit(Kind.FREE)])
async def logout(data: RefreshRequest, user: CurrentUser, session: SessionDep, settings: SettingsDep):
    await accounts.revoke_refresh_token(session, settings, user, data.refresh_token)
