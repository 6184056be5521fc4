"""A job whose worker died (its lease expired) is failed when read, not left `running` forever."""

from datetime import UTC, datetime

from app.core.db import sync_session_factory
from app.models import FinetuneJob
from tests.finetune.conftest import TINY_MODEL, create_dataset, follow, sign_up


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
