"""Documents uploaded while no indexing worker runs wait (not fail) with their queue position and the reason;
a worker started later indexes them."""

import httpx
import pytest

from tests.knowledge.conftest import sign_up, upload
from tests.support.live import celery_worker, iter_sse, live_server


@pytest.fixture
def http(kb_settings):
    """The app with no worker at all: each test starts the one it needs."""
    from app.main import create_app

    with live_server(create_app(kb_settings)) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
        yield client


def test_queued_documents_explain_that_no_indexing_worker_runs_and_are_indexed_once_one_does(http, redis_url):
    alice = sign_up(http, "alice")
    kb = http.post("/api/v1/knowledge-bases", json={"name": "Notes"}, headers=alice).json()
    response = upload(http, alice, kb["id"], ("one.txt", b"Otters hold hands."), ("two.txt", b"Owls can't roll eyes."))
    assert response.status_code == 201, response.text
    first, second = response.json()
    hint = first["queue_message"]
    assert "No indexing worker is running" in hint and "celery -A worker.celery_app worker -Q indexing" in hint
    assert (first["status"], first["queue_position"], second["queue_position"]) == ("queued", 1, 2)
    stored = http.get(f"/api/v1/documents/{second['id']}", headers=alice).json()
    assert (stored["queue_position"], stored["queue_message"]) == (2, hint)
    listed = http.get(f"/api/v1/knowledge-bases/{kb['id']}/documents", headers=alice).json()
    assert [(d["queue_position"], d["queue_message"]) for d in listed] == [(1, hint), (2, hint)]

    with http.stream("GET", f"/api/v1/documents/{second['id']}/events", headers=alice) as stream:
        events = iter_sse(stream)
        told = next(events)
        assert (told.event, told.data) == ("status", {"state": "queued", "queue_position": 2, "message": hint})
        with celery_worker(redis_url, ["indexing"], concurrency=1):
            seen = []
            for event in events:
                seen.append(event)
                if event.event in ("done", "error"):
                    break
            assert seen[-1].event == "done", seen[-1].data
            assert all("message" not in e.data for e in seen if e.event == "status")
            indexed = {
                d["id"]: d for d in http.get(f"/api/v1/knowledge-bases/{kb['id']}/documents", headers=alice).json()
            }
    assert indexed[second["id"]]["status"] == "indexed" and indexed[second["id"]]["queue_message"] is None
    assert indexed[first["id"]]["status"] == "indexed", "the first one was queued ahead, so it is done too"
