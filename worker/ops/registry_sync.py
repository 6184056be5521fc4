"""Admin-added models (table `model_entries`) joined to this process's registry."""

from loguru import logger
from pydantic import ValidationError
from sqlalchemy import select

from app.models import ModelEntry
from worker.engine.registry import get_registry
from worker.engine.spec import ModelSpec
from worker.runtime import db_sessions


def sync_registry() -> int:
    """Add (or refresh) every stored entry; returns how many were applied."""
    registry = get_registry()
    with db_sessions()() as session:
        rows = session.scalars(select(ModelEntry)).all()
    applied = 0
    for row in rows:
        try:
            registry.add(ModelSpec(**row.spec))
            applied += 1
        except ValidationError as exc:
            logger.warning("model entry {} is invalid and was skipped: {}", row.id, exc)
    return applied
