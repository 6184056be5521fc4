"""A document left in parsing/embedding by a dead worker (no lease) ends `failed` with a reason; reindex recovers."""

from sqlalchemy import update

from app.kernel.contracts import JobKind
from app.kernel.keys import lease_key, replay_key
from app.kernel.models import Document
from tests.knowledge.conftest import index_ok, watch
from worker.runtime import db_sessions


def _set_status(redis_client, document_id: int, status: str) -> None:
    """What a run leaves behind when its worker dies: the status, and only that run's events (none here)."""
    redis_client.delete(replay_key(JobKind.DOCUMENT, document_id))
    with db_sessions()() as session:
        session.execute(update(Document).where(Document.id == document_id).values(status=status))
        session.commit()


def test_document_without_lease_fails_and_can_be_reindexed(http, alice, kb, redis_client):
    first, second = index_ok(
        http,
        alice,
        kb["id"],
        ("one.txt", b"Otters hold hands while sleeping."),
        ("two.txt", b"Owls cannot move their eyes."),
    )
    _set_status(redis_client, first["id"], "embedding")  # as if its worker died mid-run: no lease behind it
    _set_status(redis_client, second["id"], "parsing")
    redis_client.set(lease_key(JobKind.DOCUMENT, second["id"]), "1", ex=30)  # this one's worker is alive

    listed = {d["id"]: d for d in http.get(f"/api/v1/knowledge-bases/{kb['id']}/documents", headers=alice).json()}
    assert listed[first["id"]]["status"] == "failed"
    assert "worker stopped" in listed[first["id"]]["error"]
    assert listed[second["id"]]["status"] == "parsing"

    redis_client.delete(lease_key(JobKind.DOCUMENT, second["id"]))
    events = watch(http, alice, second["id"])
    assert events[-1].event == "error" and events[-1].data["code"] == "worker_lost"

    assert http.post(f"/api/v1/documents/{first['id']}/reindex", headers=alice).status_code == 202
    last = watch(http, alice, first["id"])[-1]
    assert last.event == "done" and last.data["document"]["status"] == "indexed"
    _set_status(redis_client, first["id"], "embedding")
    redis_client.set(lease_key(JobKind.DOCUMENT, first["id"]), "1", ex=30)
    busy = http.post(f"/api/v1/documents/{first['id']}/reindex", headers=alice)
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "indexing_in_progress"


def test_duplicate_delivery_leaves_the_running_jobs_lease_alone(http, alice, kb, redis_client):
    from worker.jobs.knowledge.indexing import run_index_job

    document = index_ok(http, alice, kb["id"], ("one.txt", b"Seahorse fathers carry the eggs."))[0]
    key = lease_key(JobKind.DOCUMENT, document["id"])
    redis_client.set(key, "running-job", ex=30)
    assert run_index_job(document["id"]) == "skipped"
    assert redis_client.get(key) == "running-job"
    redis_client.delete(key)
    assert run_index_job(document["id"]) == "skipped"  # not queued: nothing to claim, and no lease left behind
    assert not redis_client.exists(key)
