"""One live app (uvicorn + generation and indexing workers + tiny model) shared by a security module, for speed."""

import httpx
import pytest

from tests.chat.conftest import TINY_MODEL, tiny_model_dir  # noqa: F401
from tests.conftest import make_settings
from tests.support.live import live_server
from tests.support.tiny_model import register_tiny_model


@pytest.fixture(scope="module")
def shared_app(redis_url, tiny_model_dir, generation_worker, indexing_worker, tmp_path_factory):  # noqa: F811
    from app.kernel.registry.registry import get_registry
    from app.kernel.settings import get_settings
    from app.main import create_app

    store = tmp_path_factory.mktemp("model_store")
    settings = make_settings(
        f"sqlite+aiosqlite:///{store / 'localmind.db'}",
        redis_url,
        store,
        default_model=TINY_MODEL,
    )
    with pytest.MonkeyPatch.context() as patch:
        for name in ("database_url", "redis_url", "model_store_dir", "secret_key", "default_model"):
            patch.setenv(name.upper(), str(getattr(settings, name)))
        get_settings.cache_clear()
        register_tiny_model(get_registry(), TINY_MODEL, tiny_model_dir)
        with live_server(create_app(settings)) as base_url:
            yield base_url
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def shared_http(shared_app):
    with httpx.Client(base_url=shared_app, timeout=60) as client:
        yield client
