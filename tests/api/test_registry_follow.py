"""Model entries added through another API process reach this one: with API_WORKERS > 1 or several replicas,
only the process that took `POST /models` adds the entry to its own registry; the others re-read the stored
entries when its `sync` broadcast arrives."""

import asyncio

import pytest

from app.models import ModelEntry
from worker.engine.registry import ModelRegistry
from worker.ops.keys import control_channel


@pytest.fixture
def own_registry(monkeypatch):
    """This app's registry alone (an in-process test worker would otherwise sync the shared one too)."""
    registry = ModelRegistry()
    monkeypatch.setattr("app.services.model_admin.get_registry", lambda: registry)
    return registry


async def _eventually(predicate, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "not within time"
        await asyncio.sleep(0.05)


async def test_an_entry_stored_by_another_process_is_known_after_its_sync(own_registry, app, redis_client, tmp_path):
    spec = {"id": "added-elsewhere", "source": f"dir:{tmp_path}", "dtype": "float32"}
    async with app.state.sessionmaker() as session:
        session.add(ModelEntry(id=spec["id"], spec=spec, created_by=None))
        await session.commit()
    await asyncio.sleep(0.3)
    assert "added-elsewhere" not in own_registry.ids()  # stored, but nobody said so

    redis_client.publish(control_channel(redis_client), '{"action": "load", "model_id": "x"}')
    await asyncio.sleep(0.3)
    assert "added-elsewhere" not in own_registry.ids()  # other control commands are not a sync

    redis_client.publish(control_channel(redis_client), '{"action": "sync", "model_id": null}')
    await _eventually(lambda: "added-elsewhere" in own_registry.ids())
