"""Models API against a live server and an in-process generation worker with a tiny model."""

import time

import httpx

from tests.chat.conftest import TINY_MODEL, sign_up
from tests.support.live import iter_sse
from worker.engine.engine import get_engine

CATALOGUE_DEFAULT = "smollm2-135m-instruct"


def models(http: httpx.Client, headers: dict) -> dict[str, dict]:
    response = http.get("/api/v1/models", headers=headers)
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()}


def wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("condition not met in time")


def test_list_shows_catalogue_and_presence(http):
    headers = sign_up(http, "ann")
    listed = models(http, headers)
    default = listed[CATALOGUE_DEFAULT]
    assert default["present"] is False and default["size_bytes"] == 0 and default["backend"] == "transformers"
    assert default["source"].startswith("pypi:") and default["is_adapter"] is False and default["base"] is None
    assert default["runnable"] is False and "pull" in default["unavailable_reason"]
    tiny = listed[TINY_MODEL]
    assert tiny["present"] is True and tiny["size_bytes"] > 0 and tiny["quantization"] == "none"
    assert tiny["runnable"] is True and tiny["unavailable_reason"] is None
    assert [m["id"] for m in listed.values() if m["is_default"]] == [TINY_MODEL], "the server's DEFAULT_MODEL"


def test_an_entry_sorting_first_neither_becomes_the_default_nor_hides_why_it_cannot_run(http, tmp_path):
    admin = sign_up(http, "root")
    missing = tmp_path / "not-there"
    spec = {"id": "aaa-first", "display_name": "Tiny", "source": f"dir:{missing}"}
    assert http.post("/api/v1/models", json=spec, headers=admin).status_code == 201
    entry = models(http, admin)["aaa-first"]
    assert entry["runnable"] is False and str(missing) in entry["unavailable_reason"]
    assert entry["is_default"] is False
    created = http.post("/api/v1/conversations", json={}, headers=admin).json()
    assert created["model"] == TINY_MODEL


def test_admin_only_and_unknown_ids(http):
    admin = sign_up(http, "root")
    user = sign_up(http, "bob")
    for path, body in (
        (f"/api/v1/models/{TINY_MODEL}/load", None),
        (f"/api/v1/models/{TINY_MODEL}/unload", None),
        ("/api/v1/models/pull", {"model_id": TINY_MODEL}),
        ("/api/v1/models", {"id": "x", "source": "dir:/nowhere"}),
    ):
        response = http.post(path, json=body, headers=user)
        assert response.status_code == 403, (path, response.text)
        assert response.json()["error"]["code"] == "forbidden"
    missing = http.post("/api/v1/models/no-such-model/load", headers=admin)
    assert missing.status_code == 404
    assert TINY_MODEL in missing.json()["error"]["details"]["available"]
    assert http.post("/api/v1/models/pull", json={"model_id": "nope"}, headers=admin).status_code == 404


def test_load_shows_loaded_on_then_unload(http):
    admin = sign_up(http, "root")
    accepted = http.post(f"/api/v1/models/{TINY_MODEL}/load", headers=admin)
    assert accepted.status_code == 202 and accepted.json()["workers"] >= 1
    loaded = wait_for(lambda: models(http, admin)[TINY_MODEL]["loaded_on"])
    assert loaded[0].startswith("celery@") or loaded[0]
    assert models(http, admin)[TINY_MODEL]["memory_bytes"] > 0

    resources = http.get("/api/v1/system/resources", headers=admin).json()
    assert TINY_MODEL in resources["models_loaded"]
    assert any(TINY_MODEL in [m["model_id"] for m in w["models"]] for w in resources["workers"])

    assert http.post(f"/api/v1/models/{TINY_MODEL}/unload", headers=admin).status_code == 202
    # Checked on this process's engine: another session's test worker on this Redis database may report too.
    wait_for(lambda: TINY_MODEL not in [info.model_id for info in get_engine().loaded_models()])


def test_admin_entry_joins_the_registry_and_pulls(http, tiny_model_dir):
    admin = sign_up(http, "root")
    invalid = http.post("/api/v1/models", json={"id": "bad", "source": "ftp:somewhere"}, headers=admin)
    assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "validation_error"
    spec = {"id": "tiny-copy", "display_name": "Tiny copy", "source": f"dir:{tiny_model_dir}", "dtype": "float32"}
    created = http.post("/api/v1/models", json=spec, headers=admin)
    assert created.status_code == 201, created.text
    assert http.post("/api/v1/models", json=spec, headers=admin).status_code == 409
    listed = models(http, admin)["tiny-copy"]
    assert listed["present"] is True and listed["display_name"] == "Tiny copy"

    # The catalogue's tiny model, not the new entry: a test worker of another session sharing this Redis
    # database may take the job, and only the tiny model is in every test process's registry.
    job = http.post("/api/v1/models/pull", json={"model_id": TINY_MODEL}, headers=admin)
    assert job.status_code == 202
    url = f"/api/v1/models/pull/{job.json()['job_id']}/events"
    with http.stream("GET", url, headers=admin) as response:
        events = list(iter_sse(response))
    assert [e.event for e in events][0] == "status" and events[-1].event == "done", events[-1].data
    assert events[-1].data["path"].endswith(TINY_MODEL)
    assert http.get("/api/v1/models/pull/unknown/events", headers=admin).status_code == 404


def test_entry_another_api_process_added_is_found_on_the_next_request(http, tiny_model_dir):
    """With several API processes only the one that took the POST has the entry in memory; the others find it
    in the database when a lookup misses (simulated here by dropping it from this process's registry)."""
    from app.kernel.registry.registry import get_registry

    admin = sign_up(http, "root")
    spec = {"id": "tiny-elsewhere", "source": f"dir:{tiny_model_dir}", "dtype": "float32"}
    assert http.post("/api/v1/models", json=spec, headers=admin).status_code == 201
    requests = [
        ("POST", "/api/v1/conversations", {"model": "tiny-elsewhere"}, 201),
        ("POST", "/api/v1/models/tiny-elsewhere/unload", None, 202),
        ("POST", "/api/v1/models/pull", {"model_id": "tiny-elsewhere"}, 202),
        ("GET", "/api/v1/models", None, 200),
        ("GET", "/v1/models", None, 200),
    ]
    try:
        for method, path, body, expected in requests:
            get_registry().remove("tiny-elsewhere")
            response = http.request(method, path, json=body, headers=admin)
            assert response.status_code == expected, (path, response.text)
            if method == "GET":
                assert "tiny-elsewhere" in response.text, (path, response.text)
    finally:
        get_registry().remove("tiny-elsewhere")
