"""Model entries added through another API process reach this one: with API_WORKERS > 1 or several replicas,
only the process that took `POST /models` adds the entry to its own registry; the others re-read the stored
entries once the entries' version in Redis moves."""

import asyncio

import pytest

from app.models import ModelEntry
from app.services.model_admin import bump_entries_version
from worker.engine.registry import ModelRegistry


@pytest.fixture
def own_registry(monkeypatch):
    """This app's registry alone (an in-process test worker would otherwise sync the shared one too)."""
    registry = ModelRegistry()
    monkeypatch.setattr("app.services.model_admin.get_registry", lambda: registry)
    return registry


async def test_an_entry_stored_by_another_process_is_known_within_a_second(own_registry, app, tmp_path):
    await asyncio.sleep(1.5)  # the follower's first poll re-reads the entries once anyway
    spec = {"id": "added-elsewhere", "source": f"dir:{tmp_path}", "dtype": "float32"}
    async with app.state.sessionmaker() as session:
        session.add(ModelEntry(id=spec["id"], spec=spec, created_by=None))
        await session.commit()
    await asyncio.sleep(1.5)
    assert "added-elsewhere" not in own_registry.ids()  # stored, but nobody said so

    await bump_entries_version(app.state.redis)  # what the other process's add_entry does after its commit
    deadline = asyncio.get_running_loop().time() + 3
    while "added-elsewhere" not in own_registry.ids():
        assert asyncio.get_running_loop().time() < deadline, "the entry was not picked up"
        await asyncio.sleep(0.05)
