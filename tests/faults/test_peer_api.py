"""Two API processes on one database and Redis (what `API_WORKERS=2` or two replicas run).

The peer starts before the admin adds the model through the first process, so its registry holds only the
catalogue: every request naming the new model must still work there (found by the 2-process load run,
where 25 % of chats answered 422 `unknown_model`).
"""

from collections.abc import Iterator

import pytest

from tests.faults.conftest import FAULT_MODEL, Stack, short_answer


@pytest.fixture(scope="module")
def peer_stack(tmp_path_factory, slow_model_dir) -> Iterator[tuple[Stack, str]]:
    stack = Stack(tmp_path_factory.mktemp("peer-stack"), slow_model_dir)
    try:
        stack.start_redis()
        stack.start_api()
        peer = stack.start_peer_api()
        stack.bootstrap()
        stack.start_worker("generation")
        yield stack, peer
    finally:
        stack.close()


def test_model_added_through_one_process_works_on_the_other(peer_stack):
    stack, peer = peer_stack
    user = stack.sign_up("peer-user")
    with stack.client(base_url=peer) as http:
        created = http.post("/api/v1/conversations", json={"title": "peer", "model": FAULT_MODEL}, headers=user)
        assert created.status_code == 201, created.text
        assert short_answer(http, created.json()["id"], user)["model"] == FAULT_MODEL

        assert FAULT_MODEL in [m["id"] for m in http.get("/api/v1/models", headers=user).json()]
        assert FAULT_MODEL in [m["id"] for m in http.get("/v1/models", headers=user).json()["data"]]
        load = http.post(f"/api/v1/models/{FAULT_MODEL}/load", headers=stack.admin)
        assert load.status_code == 202, load.text
        unknown = http.post("/api/v1/conversations", json={"model": "never-added"}, headers=user)
        assert unknown.status_code == 422 and FAULT_MODEL in unknown.json()["error"]["details"]["available"]
    stack.assert_nothing_lost()


def test_entry_whose_sync_broadcast_nobody_heard_is_read_on_first_use(peer_stack):
    """An entry stored while Redis was restarting (its `sync` went nowhere): both API processes and the
    running generation worker read it from the database when first asked for it."""
    stack, peer = peer_stack
    with stack.db() as conn:
        conn.execute(
            "INSERT INTO model_entries (id, spec, created_by, created_at) SELECT 'unheard', "
            "json_set(spec, '$.id', 'unheard'), created_by, created_at FROM model_entries WHERE id = ?",
            (FAULT_MODEL,),
        )
    user = stack.sign_up("late-user")
    for base_url in (stack.base_url, peer):
        with stack.client(base_url=base_url) as http:
            created = http.post("/api/v1/conversations", json={"model": "unheard"}, headers=user)
            assert created.status_code == 201, created.text
            assert short_answer(http, created.json()["id"], user)["model"] == "unheard"
