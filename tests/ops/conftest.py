"""Ops tests: the chat live stack (uvicorn + in-process generation worker + tiny model) and ASGI apps."""

import pytest

from tests.chat.conftest import (  # noqa: F401 - fixtures shared with the chat tests
    chat_settings,
    http,
    live_app,
    tiny_model_dir,
)
from tests.conftest import make_settings


@pytest.fixture
def limit_settings(sqlite_url, redis_url, redis_client, model_store):
    """SQLite settings whose rate limits are tiny (attributes config.py does not declare yet)."""
    settings = make_settings(sqlite_url, redis_url, model_store)
    for name, value in {
        "rate_limit_window_seconds": 5,  # the login test waits one window out
        "rate_limit_login_per_window": 2,
        "rate_limit_messages_per_window": 2,
    }.items():
        object.__setattr__(settings, name, value)
    return settings


@pytest.fixture
async def limited_client(limit_settings):
    import httpx

    from app.main import create_app

    application = create_app(limit_settings)
    async with application.router.lifespan_context(application):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://test") as c:
            yield c
