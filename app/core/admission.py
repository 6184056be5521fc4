"""One admission path: every mutating route declares what it costs, and that decides its limits.

A route states its kind with `dependencies=[admit(Kind.X)]`. `require_admission(app)` runs when the app is
built and refuses to start while any POST/PUT/PATCH/DELETE route lacks exactly one declaration, so a new entry
point cannot forget the rate limit and the quota check: it fails at startup (and in every test) instead.

| kind | who is counted | rate limit (per window) | daily token quota |
|---|---|---|---|
| generation | user | RATE_LIMIT_MESSAGES_PER_WINDOW | checked |
| embedding | user | RATE_LIMIT_REQUESTS_PER_WINDOW | checked |
| upload | user | RATE_LIMIT_UPLOADS_PER_WINDOW | - |
| job | user | RATE_LIMIT_UPLOADS_PER_WINDOW (worker time) | - |
| login | account and client IP | RATE_LIMIT_LOGIN_PER_WINDOW, RATE_LIMIT_LOGIN_FAILURES_PER_IP_PER_WINDOW | - |
| password | account (the login budget) | RATE_LIMIT_LOGIN_PER_WINDOW: the current password is checked | - |
| register | client IP | RATE_LIMIT_REGISTER_PER_WINDOW; REGISTRATION=closed refuses | - |
| free | - | - | - |

Tokens used are recorded where they are known: by the generation worker for chat answers and the agent's model
calls, and by `app/events/ephemeral.py` for every row-less job (/v1 chat and embeddings).
"""

from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute

from app.api.deps import CurrentUser, SessionDep
from app.core.ratelimit import hit, limit_login, limit_registration
from app.services.quota import check_quota

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Kind(StrEnum):
    GENERATION = "generation"
    EMBEDDING = "embedding"
    UPLOAD = "upload"
    JOB = "job"
    LOGIN = "login"
    PASSWORD = "password"
    REGISTER = "register"
    FREE = "free"


_BUCKET = {Kind.GENERATION: "messages", Kind.EMBEDDING: "requests", Kind.UPLOAD: "uploads", Kind.JOB: "uploads"}
_QUOTA = frozenset({Kind.GENERATION, Kind.EMBEDDING})


def _user_admission(kind: Kind) -> Callable[..., Any]:
    async def admit_user(request: Request, user: CurrentUser, session: SessionDep) -> None:
        await hit(request, _BUCKET[kind], f"user:{user.id}")
        if kind in _QUOTA:
            await check_quota(session, user)

    admit_user.__name__ = f"admit_{kind.value}"
    return admit_user


async def _admit_password(request: Request, user: CurrentUser) -> None:
    """A password change verifies the current password: it spends the account's login budget, so a stolen
    session cannot guess the password faster than the login form allows."""
    await hit(request, "login", f"account:{user.id}")


async def _admit_free() -> None:
    """Bounded work (CRUD on the caller's own rows): no limit beyond authentication."""


_CALLS: dict[Kind, Callable[..., Any]] = {
    **{kind: _user_admission(kind) for kind in _BUCKET},
    Kind.LOGIN: limit_login,
    Kind.PASSWORD: _admit_password,
    Kind.REGISTER: limit_registration,
    Kind.FREE: _admit_free,
}
_KIND_OF = {call: kind for kind, call in _CALLS.items()}


def admit(kind: Kind) -> DependsParam:
    """The route dependency that applies `kind`'s limits (see the module table)."""
    return Depends(_CALLS[kind])


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif getattr(route, "original_router", None) is not None:
            yield from _routes(route.original_router.routes)
        elif getattr(route, "routes", None):
            yield from _routes(route.routes)


def route_kinds(app: FastAPI) -> dict[tuple[str, str], list[Kind]]:
    """(method, route path) → the admission kinds its own dependencies declare, for every mutating route."""
    found: dict[tuple[str, str], list[Kind]] = {}
    for route in _routes(app.routes):
        kinds = [_KIND_OF[d.dependency] for d in route.dependencies if d.dependency in _KIND_OF]
        for method in route.methods & MUTATING:
            found[(method, route.path)] = kinds
    return found


def require_admission(app: FastAPI) -> None:
    """Refuse to build an app in which a mutating route does not declare exactly one admission kind."""
    wrong = [f"{m} {p} ({len(k)} kinds)" for (m, p), k in sorted(route_kinds(app).items()) if len(k) != 1]
    if wrong:
        raise RuntimeError(
            "every mutating route needs exactly one `dependencies=[admit(Kind.X)]` (app/core/admission.py): "
            + ", ".join(wrong)
        )
