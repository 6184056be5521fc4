"""Which model ids a request may name: the worker's registry (catalogue + adapters), read without torch."""

from app.core.errors import AppError
from worker.engine.errors import UnknownModelError
from worker.engine.registry import get_registry


def ensure_known_model(model_id: str) -> str:
    try:
        get_registry().resolve(model_id)
    except UnknownModelError as exc:
        raise AppError(422, "unknown_model", str(exc), {"field": "model", "available": get_registry().ids()}) from exc
    return model_id
