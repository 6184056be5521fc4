"""Feedback through the real API: uvicorn, Redis, in-process Celery workers and the tiny random model, whose
answers are rated, corrected, curated into datasets and trained on."""

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.conftest import APP_KEY_PATTERNS, _create_postgres_database, _drop_postgres_database
from tests.finetune.conftest import TINY_MODEL, configure, live_client, sign_up

__all__ = ["TINY_MODEL", "sign_up"]
from tests.support.tiny_model import build_tiny_model

FAST = {"max_new_tokens": 4, "temperature": 0}


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("models") / TINY_MODEL, arch="llama")


def _clear_app_keys(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    for pattern in APP_KEY_PATTERNS:
        for key in client.scan_iter(pattern):
            client.delete(key)
    client.close()


@contextmanager
def stack(database_url: str, redis_url: str, root, tiny_model_dir) -> Iterator[httpx.Client]:
    """The app on a live server with settings the in-process workers also read (from the environment)."""
    from app.kernel.settings import get_settings

    _clear_app_keys(redis_url)
    (root / "store").mkdir()
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = configure(database_url, redis_url, root / "store", monkeypatch, tiny_model_dir)
        try:
            with live_client(settings, timeout=120) as http:
                yield http
        finally:
            get_settings.cache_clear()


@pytest.fixture(scope="module")
def http(tmp_path_factory, redis_url, tiny_model_dir, generation_worker) -> Iterator[httpx.Client]:
    """One live app per module on PostgreSQL (test_loop_e2e.py runs on SQLite); the first user is the admin."""
    url = _create_postgres_database()
    try:
        with stack(url, redis_url, tmp_path_factory.mktemp("feedback"), tiny_model_dir) as client:
            yield client
    finally:
        _drop_postgres_database(url)


@pytest.fixture(scope="module")
def users(http) -> dict[str, dict[str, str]]:
    return {name: sign_up(http, name) for name in ("admin", "alice", "bob")}


def new_conversation(http: httpx.Client, headers: dict, **settings) -> int:
    response = http.post("/api/v1/conversations", json=settings, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def ask(http: httpx.Client, headers: dict, conversation_id: int, content: str, **params) -> dict:
    """A finished answer from the generation worker (non-streaming); `params` add to the fast defaults."""
    payload = {"content": content, "params": FAST | params, "stream": False}
    response = http.post(f"/api/v1/conversations/{conversation_id}/messages", json=payload, headers=headers)
    assert response.status_code == 200 and response.json()["status"] == "done", response.text
    return response.json()


def regenerate(http: httpx.Client, headers: dict, answer_id: int, **params) -> dict:
    body = {"params": FAST | params, "stream": False}
    response = http.post(f"/api/v1/messages/{answer_id}/regenerate", json=body, headers=headers)
    assert response.status_code == 200 and response.json()["status"] == "done", response.text
    return response.json()


def rate(http: httpx.Client, headers: dict, answer_id: int, rating: str, **extra) -> httpx.Response:
    return http.put(f"/api/v1/messages/{answer_id}/feedback", json={"rating": rating, **extra}, headers=headers)
