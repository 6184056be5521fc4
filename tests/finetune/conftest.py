"""Fine-tuning through the real API: uvicorn, Redis, in-process Celery workers for `training` and
`generation`, the tiny random model for speed and the offline SmolLM2-135M for the teach-a-fact run."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import make_settings
from tests.support.live import celery_worker, iter_sse, live_server
from tests.support.tiny_model import build_tiny_model, register_tiny_model

TINY_MODEL = "tiny-llama"


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("models") / TINY_MODEL, arch="llama")


# Module scope, one worker at a time: two in-process Celery workers on one app share kombu's Redis poller
# and crash it ("too many values to unpack" in BRPOP).
@pytest.fixture(scope="module")
def training_worker(redis_url):
    """Concurrency 1, as deployed: a second job waits in the queue."""
    with celery_worker(redis_url, ["training"], concurrency=1, purge=True):
        yield


@pytest.fixture(scope="module")
def training_and_chat_worker(redis_url):
    with celery_worker(redis_url, ["training", "generation"], concurrency=2, purge=True):
        yield


def configure(database_url: str, redis_url: str, model_store: Path, monkeypatch, tiny_model_dir: Path):
    """Settings shared by the API and the in-process workers (which read them from the environment)."""
    from app.kernel.registry.registry import get_registry
    from app.kernel.settings import get_settings

    settings = make_settings(database_url, redis_url, model_store, default_model=TINY_MODEL, max_upload_mb=1)
    for name in ("database_url", "redis_url", "model_store_dir", "secret_key", "default_model", "max_upload_mb"):
        monkeypatch.setenv(name.upper(), str(getattr(settings, name)))
    get_settings.cache_clear()
    register_tiny_model(get_registry(), TINY_MODEL, tiny_model_dir)
    return settings


@pytest.fixture
def ft_settings(sqlite_url, redis_url, redis_client, model_store, monkeypatch, tiny_model_dir):
    from app.kernel.settings import get_settings

    yield configure(sqlite_url, redis_url, model_store, monkeypatch, tiny_model_dir)
    get_settings.cache_clear()


@contextmanager
def live_client(settings, timeout: float = 120) -> Iterator[httpx.Client]:
    from app.main import create_app

    with live_server(create_app(settings)) as base_url, httpx.Client(base_url=base_url, timeout=timeout) as client:
        yield client


@pytest.fixture
def api(ft_settings):
    """The app on a live server but no workers: for tests that never start a job."""
    with live_client(ft_settings) as client:
        yield client


@pytest.fixture
def http(ft_settings, training_worker):
    with live_client(ft_settings) as client:
        yield client


def sign_up(http: httpx.Client, username: str) -> dict[str, str]:
    """The first user of a fresh database becomes its administrator."""
    from tests.helpers import PASSWORD

    body = {"username": username, "email": f"{username}@x.io", "password": PASSWORD}
    assert http.post("/api/v1/auth/register", json=body).status_code == 201
    tokens = http.post("/api/v1/auth/login", data={"username": username, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def jsonl(rows: list) -> bytes:
    return ("\n".join(row if isinstance(row, str) else json.dumps(row) for row in rows) + "\n").encode()


def chat_rows(count: int = 12) -> list[dict]:
    return [
        {
            "messages": [
                {"role": "user", "content": f"What is {i} plus {i}?"},
                {"role": "assistant", "content": f"{2 * i}."},
            ]
        }
        for i in range(count)
    ]


def upload(http: httpx.Client, headers: dict, content: bytes, **fields) -> httpx.Response:
    files = {"file": ("data.jsonl", content, "application/jsonl")}
    return http.post("/api/v1/finetune/datasets", files=files, data=fields, headers=headers)


def create_dataset(http: httpx.Client, headers: dict, rows: list | None = None, **fields) -> dict:
    response = upload(http, headers, jsonl(rows or chat_rows()), **fields)
    assert response.status_code == 201, response.text
    return response.json()


def job_body(dataset_id: int, **overrides) -> dict:
    body = dict(base_model=TINY_MODEL, dataset_id=dataset_id, max_steps=3, batch_size=4, max_seq_len=128)
    return body | overrides


def start_job(http: httpx.Client, headers: dict, dataset_id: int, **overrides) -> dict:
    response = http.post("/api/v1/finetune/jobs", json=job_body(dataset_id, **overrides), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def follow(http: httpx.Client, headers: dict, job_id: int, on_event=None) -> list:
    """Read the job's SSE stream to its terminal event; `on_event` sees each event as it arrives."""
    events = []
    with http.stream("GET", f"/api/v1/finetune/jobs/{job_id}/events", headers=headers) as response:
        assert response.status_code == 200
        for event in iter_sse(response):
            events.append(event)
            if on_event:
                on_event(event)
            if event.event in ("done", "error"):
                break
    return events
