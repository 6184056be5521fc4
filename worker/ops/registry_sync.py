"""Admin-added models (table `model_entries`) joined to this process's registry."""

from sqlalchemy import select

from app.kernel.models import ModelEntry
from app.kernel.registry.registry import get_registry
from worker.runtime import db_sessions


def sync_registry() -> int:
    """Add (or refresh) every stored entry; returns how many were applied."""
    with db_sessions()() as session:
        rows = session.scalars(select(ModelEntry)).all()
    return get_registry().add_stored((row.id, row.spec) for row in rows)


def know_model(model_id: str) -> None:
    """Read the stored entries when asked for a model this worker does not know: it may have missed the
    `sync` broadcast (Redis restarted, or the worker was busy reconnecting) after an admin added it."""
    if not get_registry().knows(model_id):
        sync_registry()
