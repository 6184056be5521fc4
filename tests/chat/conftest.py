"""Chat end to end: the real app on uvicorn, a real Celery worker and Redis, a tiny real model."""

import httpx
import pytest

from tests.conftest import make_settings
from tests.support.live import live_server
from tests.support.tiny_model import build_tiny_model, register_tiny_model

TINY_MODEL = "tiny-llama"


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("models") / TINY_MODEL, arch="llama")


@pytest.fixture
def chat_settings(sqlite_url, redis_url, redis_client, model_store, monkeypatch, tiny_model_dir):
    """Settings shared by the API and the in-process worker (the worker reads them from the environment)."""
    from app.kernel.registry.registry import get_registry
    from app.kernel.settings import get_settings

    settings = make_settings(
        sqlite_url,
        redis_url,
        model_store,
        default_model=TINY_MODEL,
        sse_heartbeat_seconds=15,
        sse_disconnect_grace_seconds=1.0,
    )
    for name in ("database_url", "redis_url", "model_store_dir", "secret_key", "default_model"):
        monkeypatch.setenv(name.upper(), str(getattr(settings, name)))
    get_settings.cache_clear()
    register_tiny_model(get_registry(), TINY_MODEL, tiny_model_dir)
    yield settings
    get_settings.cache_clear()


@pytest.fixture
def live_app(chat_settings, generation_worker):
    from app.main import create_app

    app = create_app(chat_settings)
    with live_server(app) as base_url:
        yield base_url


@pytest.fixture
def http(live_app):
    with httpx.Client(base_url=live_app, timeout=60) as client:
        yield client


def sign_up(http: httpx.Client, username: str) -> dict[str, str]:
    from tests.helpers import PASSWORD

    http.post("/api/v1/auth/register", json={"username": username, "email": f"{username}@x.io", "password": PASSWORD})
    tokens = http.post("/api/v1/auth/login", data={"username": username, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}
