"""Which model ids a user may name: the worker's registry (catalogue + admin entries) and their adapters."""

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import AppError
from app.kernel.models import User
from app.kernel.registry.errors import UnknownModelError
from app.kernel.registry.registry import get_registry
from app.kernel.settings import get_settings
from app.services.adapters import adapter_for, trained_adapters
from app.services.model_entries import lookup_fresh, sync_entries


def _servable_ids(user: User) -> list[str]:
    adapters = trained_adapters(get_settings().adapters_dir)
    return get_registry().ids() + [a.model_id for a in adapters if a.usable_by(user)]


async def servable_model_ids(session: AsyncSession, user: User) -> list[str]:
    """Catalogue and stored entries' ids plus `<base>+<adapter>` for every adapter this user may use."""
    await sync_entries(session)
    return _servable_ids(user)


async def ensure_known_model(session: AsyncSession, model_id: str, user: User) -> str:
    """422 listing what the user may choose when `model_id` is unknown or another user's adapter."""
    try:
        await lookup_fresh(session, lambda: get_registry().resolve(model_id))
        adapter = adapter_for(get_settings().adapters_dir, model_id)
        if adapter is not None and not adapter.usable_by(user):
            raise UnknownModelError(f"unknown model {model_id!r}")
    except UnknownModelError as exc:
        available = _servable_ids(user)
        # Only the model id as given and what this user may choose: no server path, no other user's adapter.
        message = f"unknown model {model_id[:200]!r}; available models: {', '.join(available)}"
        raise AppError(422, "unknown_model", message, {"field": "model", "available": available}) from exc
    return model_id
