"""Password hashing (argon2), JWT access/refresh tokens and personal API keys."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from jose import JWTError, jwt
from passlib.context import CryptContext

from app.kernel.settings import Settings

JWT_ALGORITHM = "HS256"
API_KEY_PREFIX = "lm_"

_pwd = CryptContext(schemes=["argon2"], deprecated="auto")


def hash_password(password: str) -> str:
    return _pwd.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _pwd.verify(password, password_hash)
    except ValueError:
        return False


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    role: str
    token_type: str
    jti: str
    expires_at: datetime
    version: int = 0
    """The user's `token_version` when the token was issued (tokens from before versions existed: 0)."""


def _encode(
    settings: Settings, user_id: int, role: str, token_type: str, lifetime: timedelta, version: int = 0
) -> tuple[str, str]:
    now = datetime.now(UTC)
    jti = uuid.uuid4().hex
    claims = {"sub": str(user_id), "role": role, "type": token_type, "jti": jti, "iat": now, "exp": now + lifetime}
    if version:
        claims["ver"] = version
    return jwt.encode(claims, settings.secret_key, algorithm=JWT_ALGORITHM), jti


def create_access_token(settings: Settings, user_id: int, role: str, version: int = 0) -> str:
    lifetime = timedelta(minutes=settings.access_token_minutes)
    return _encode(settings, user_id, role, "access", lifetime, version)[0]


def create_refresh_token(settings: Settings, user_id: int, role: str) -> tuple[str, str, datetime]:
    lifetime = timedelta(days=settings.refresh_token_days)
    token, jti = _encode(settings, user_id, role, "refresh", lifetime)
    return token, jti, datetime.now(UTC) + lifetime


def decode_token(settings: Settings, token: str, expected_type: str) -> TokenClaims | None:
    """Verified claims, or None for anything expired, tampered, unsigned or of the wrong type."""
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=[JWT_ALGORITHM])
    except JWTError:
        return None
    if claims.get("type") != expected_type or not str(claims.get("sub", "")).isdigit():
        return None
    if not isinstance(claims.get("exp"), int | float):  # a token that never expires is refused (was a 500)
        return None
    if not isinstance(claims.get("ver", 0), int):
        return None
    return TokenClaims(
        user_id=int(claims["sub"]),
        role=str(claims.get("role", "user")),
        token_type=expected_type,
        jti=str(claims.get("jti", "")),
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        version=claims.get("ver", 0),
    )


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    """API keys are 256-bit random, so a fast digest is safe and lets us look them up by hash."""
    return hashlib.sha256(key.encode()).hexdigest()
