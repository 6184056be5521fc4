"""With no generation worker running, a queued answer's status says so instead of waiting silently."""

import httpx
import pytest

from tests.chat.conftest import sign_up
from tests.support.live import iter_sse, live_server


@pytest.fixture
def api_without_worker(chat_settings):
    from app.main import create_app

    with live_server(create_app(chat_settings)) as base_url, httpx.Client(base_url=base_url, timeout=30) as http:
        yield http


def test_queued_answer_says_no_generation_worker_is_running(api_without_worker):
    http = api_without_worker
    headers = sign_up(http, "quinn")
    conversation_id = http.post("/api/v1/conversations", json={}, headers=headers).json()["id"]
    body = {"content": "Anyone there?"}
    with http.stream("POST", f"/api/v1/conversations/{conversation_id}/messages", json=body, headers=headers) as r:
        events = iter_sse(r)
        assert next(events).data["state"] == "queued"
        waiting = next(events)  # the first idle check, about a second later
    assert waiting.event == "status" and waiting.data["queue_position"] == 1
    assert "No generation worker is running" in waiting.data["message"]
    assert "celery -A worker.celery_app worker -Q generation" in waiting.data["message"]
