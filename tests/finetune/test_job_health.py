"""A job whose worker died (its lease expired) is failed when read, not left `running` forever; a job no worker
will take says so while it waits, and starts once a worker runs."""

from contextlib import ExitStack
from datetime import UTC, datetime

from app.kernel.db import sync_session_factory
from app.kernel.models import FinetuneJob
from tests.finetune.conftest import TINY_MODEL, create_dataset, follow, sign_up, start_job
from tests.support.live import celery_worker


def test_running_job_without_a_worker_lease_is_failed_on_read(api, ft_settings):
    headers = sign_up(api, "alice")
    dataset = create_dataset(api, headers)
    with sync_session_factory(ft_settings.database_url)() as session:
        job = FinetuneJob(
            owner_id=1,
            dataset_id=dataset["id"],
            base_model=TINY_MODEL,
            method="lora",
            config={},
            status="running",
            started_at=datetime.now(UTC),
        )
        session.add(job)
        session.commit()
        job_id = job.id

    stored = api.get(f"/api/v1/finetune/jobs/{job_id}", headers=headers).json()
    assert stored["status"] == "failed" and "worker" in stored["error"]
    error = follow(api, headers, job_id)[-1]
    assert error.event == "error" and error.data["code"] == "worker_lost"


def test_a_queued_job_explains_that_no_training_worker_runs_and_starts_once_one_does(api, redis_url):
    headers = sign_up(api, "alice")
    dataset_id = create_dataset(api, headers)["id"]
    job = start_job(api, headers, dataset_id)
    hint = job["queue_message"]
    assert job["status"] == "queued" and job["queue_position"] == 1
    assert "No training worker is running" in hint and "celery -A worker.celery_app worker -Q training" in hint
    assert api.get(f"/api/v1/finetune/jobs/{job['id']}", headers=headers).json()["queue_message"] == hint

    with ExitStack() as workers:
        started = []

        def start_a_worker_once_told(event):
            if event.event == "status" and event.data.get("message") and not started:
                workers.enter_context(celery_worker(redis_url, ["training"], concurrency=1))
                started.append(True)

        events = follow(api, headers, job["id"], start_a_worker_once_told)
        assert events[0].data == {"state": "queued", "queue_position": 1, "message": hint}
        assert events[-1].event == "done" and events[-1].data["job"]["status"] == "succeeded"
        assert all("message" not in e.data for e in events[1:] if e.event == "status")
        assert events[-1].data["job"]["queue_message"] is None

    waiting = start_job(api, headers, dataset_id)  # the stopped worker withdrew at once
    assert waiting["queue_message"] == hint
    assert api.post(f"/api/v1/finetune/jobs/{waiting['id']}/cancel", headers=headers).status_code == 202
