"""Knowledge bases end to end: the real app on uvicorn, an in-process Celery worker on "indexing", real MiniLM."""

import time

import httpx
import pytest

from tests.conftest import make_settings
from tests.helpers import PASSWORD
from tests.support.live import iter_sse, live_server

MAX_UPLOAD_MB = 1


@pytest.fixture
def kb_settings(sqlite_url, redis_url, redis_client, model_store, monkeypatch):
    """Settings shared by the API and the in-process worker (the worker reads them from the environment)."""
    from app.kernel.settings import get_settings

    settings = make_settings(
        sqlite_url, redis_url, model_store, max_upload_mb=MAX_UPLOAD_MB, rate_limit_uploads_per_window=0
    )
    for name in ("database_url", "redis_url", "model_store_dir", "secret_key", "max_upload_mb"):
        monkeypatch.setenv(name.upper(), str(getattr(settings, name)))
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


@pytest.fixture
def live_app(kb_settings, indexing_worker):
    from app.main import create_app

    with live_server(create_app(kb_settings)) as base_url:
        yield base_url


@pytest.fixture
def http(live_app):
    with httpx.Client(base_url=live_app, timeout=60) as client:
        yield client


def sign_up(http: httpx.Client, username: str) -> dict[str, str]:
    body = {"username": username, "email": f"{username}@x.io", "password": PASSWORD}
    assert http.post("/api/v1/auth/register", json=body).status_code == 201
    tokens = http.post("/api/v1/auth/login", data={"username": username, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.fixture
def alice(http):
    return sign_up(http, "alice")


@pytest.fixture
def kb(http, alice):
    response = http.post("/api/v1/knowledge-bases", json={"name": "Manuals"}, headers=alice)
    assert response.status_code == 201, response.text
    return response.json()


def upload(http: httpx.Client, headers: dict, kb_id: int, *files: tuple[str, bytes]) -> httpx.Response:
    parts = [("files", (name, content, "application/octet-stream")) for name, content in files]
    return http.post(f"/api/v1/knowledge-bases/{kb_id}/documents", files=parts, headers=headers)


def watch(http: httpx.Client, headers: dict, document_id: int) -> list:
    """Every SSE event of a document's indexing run, up to `done` or `error`."""
    seen = []
    with http.stream("GET", f"/api/v1/documents/{document_id}/events", headers=headers) as response:
        assert response.status_code == 200, response.read()
        for event in iter_sse(response):
            seen.append(event)
            if event.event in ("done", "error"):
                break
    return seen


def index_ok(http: httpx.Client, headers: dict, kb_id: int, *files: tuple[str, bytes]) -> list[dict]:
    """Upload and wait until every document is indexed; returns the final documents."""
    response = upload(http, headers, kb_id, *files)
    assert response.status_code == 201, response.text
    finals = []
    for document in response.json():
        last = watch(http, headers, document["id"])[-1]
        assert last.event == "done", last.data
        finals.append(last.data["document"])
    return finals


def search(http: httpx.Client, headers: dict, kb_id: int, query: str, mode: str = "hybrid", k: int = 3) -> list[dict]:
    response = http.post(
        f"/api/v1/knowledge-bases/{kb_id}/search", json={"query": query, "mode": mode, "k": k}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()["hits"]


def wait_for(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()
