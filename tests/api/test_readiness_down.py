"""/readyz names what is down (here: Redis pointed at a closed port)."""

import pytest

from tests.conftest import make_settings


@pytest.fixture
def settings(sqlite_url, model_store):
    return make_settings(sqlite_url, "redis://127.0.0.1:1/0", model_store)


async def test_readyz_503_when_redis_is_down(client):
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["error"]["details"]["redis"].startswith("unavailable")
    assert "redis" in response.json()["error"]["message"]
