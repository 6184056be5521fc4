from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from app.kernel.passwords import password_problem
from app.kernel.schemas.common import StrictModel

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,64}$"


def _check_password(value: str) -> str:
    problem = password_problem(value)
    if problem:
        raise ValueError(problem)
    return value


class UserCreate(StrictModel):
    username: str = Field(pattern=USERNAME_PATTERN, description="3-64 letters, digits, `_`, `.` or `-`")
    email: EmailStr
    password: str = Field(max_length=128)
    display_name: str | None = Field(default=None, max_length=128)

    _password = field_validator("password")(_check_password)


class UserUpdateMe(StrictModel):
    email: EmailStr | None = None
    display_name: str | None = Field(default=None, max_length=128)
    language: Literal["en", "zh-CN"] | None = None


class UserAdminUpdate(StrictModel):
    is_active: bool | None = None
    role: Literal["admin", "user"] | None = None
    daily_token_quota: int | None = Field(default=None, ge=0)


class PasswordChange(StrictModel):
    current_password: str = Field(max_length=128)
    new_password: str = Field(max_length=128)

    _password = field_validator("new_password")(_check_password)


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    email: str
    display_name: str | None
    role: Literal["admin", "user"]
    is_active: bool
    language: str
    daily_token_quota: int | None
    created_at: datetime


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int


class RefreshRequest(StrictModel):
    refresh_token: str = Field(max_length=4096)


class ApiKeyCreate(StrictModel):
    name: str = Field(min_length=1, max_length=100)


class ApiKeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="Shown once; store it now.")
