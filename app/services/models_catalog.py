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


def servable_model_ids() -> list[str]:
    """Catalogue ids plus `<base>+<adapter>` for every trained adapter on disk."""
    from app.core.config import get_settings

    registry = get_registry()
    ids = registry.ids()
    for meta in sorted(get_settings().adapters_dir.glob("*/localmind_adapter.json")):
        base = _adapter_base(meta)
        if base in ids:
            ids.append(f"{base}+{meta.parent.name}")
    return ids


def _adapter_base(meta_path) -> str | None:
    import json

    try:
        return json.loads(meta_path.read_text()).get("base_model_id")
    except (OSError, ValueError):
        return None
