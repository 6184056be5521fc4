"""A queued job says what it waits for (issue 21: "Position 1 in queue" for 14 minutes with no reason):
no training worker, the job that is training now, or jobs ahead of it."""

from tests.finetune.conftest import create_dataset, follow, sign_up, start_job


def _waiting_for(http, headers, job_id: int) -> dict:
    listed = {job["id"]: job for job in http.get("/api/v1/finetune/jobs", headers=headers).json()}
    detail = http.get(f"/api/v1/finetune/jobs/{job_id}", headers=headers).json()
    assert listed[job_id]["waiting_for"] == detail["waiting_for"]
    return detail["waiting_for"]


def test_without_a_training_worker_queued_jobs_wait_for_one(api):
    headers = sign_up(api, "alice")
    dataset_id = create_dataset(api, headers)["id"]
    first, second = start_job(api, headers, dataset_id), start_job(api, headers, dataset_id)
    assert first["waiting_for"]["reason"] == "no_worker" and first["waiting_for"]["ahead"] == 0
    assert _waiting_for(api, headers, second["id"]) == {
        "reason": "no_worker",
        "ahead": 1,
        "job_id": None,
        "step": None,
        "total_steps": None,
    }
    for job in (first, second):
        assert api.post(f"/api/v1/finetune/jobs/{job['id']}/cancel", headers=headers).status_code == 202
    assert _waiting_for(api, headers, first["id"]) is None


def test_a_job_behind_a_training_job_names_it(http):
    headers = sign_up(http, "alice")
    dataset_id = create_dataset(http, headers)["id"]
    training = start_job(http, headers, dataset_id, max_steps=5000)

    def cancel_the_waiting_job_once_training(event):
        if event.event == "progress" and not waiting:
            job = start_job(http, headers, dataset_id)
            waiting.append(job | {"waiting_for": _waiting_for(http, headers, job["id"])})
            assert http.post(f"/api/v1/finetune/jobs/{job['id']}/cancel", headers=headers).status_code == 202
            assert http.post(f"/api/v1/finetune/jobs/{training['id']}/cancel", headers=headers).status_code == 202

    waiting: list[dict] = []
    events = follow(http, headers, training["id"], cancel_the_waiting_job_once_training)
    assert events[-1].data["job"]["status"] == "cancelled"
    wait = waiting[0]["waiting_for"]
    assert wait["reason"] == "job_running" and wait["job_id"] == training["id"], wait
    assert wait["total_steps"] in (None, 5000) and (wait["step"] is None or 0 < wait["step"] <= 5000), wait
