"""Fine-tuning jobs on the tiny model through the real queue: progress, queueing, cancel, failure, QLoRA."""

import json

from tests.finetune.conftest import TINY_MODEL, create_dataset, follow, sign_up, start_job

LONG_RUN = {"max_steps": 100_000, "batch_size": 2}


def test_job_streams_progress_and_saves_a_servable_adapter(http, ft_settings):
    headers = sign_up(http, "alice")
    dataset = create_dataset(http, headers, eval_fraction="0.25")
    job = start_job(http, headers, dataset["id"], learning_rate=1e-2)
    assert job["status"] == "queued" and job["config"]["eval_fraction"] == 0.25

    events = follow(http, headers, job["id"])
    assert events[0].event == "status"
    progress = [e.data for e in events if e.event == "progress"]
    assert [p["step"] for p in progress] == [1, 2, 3], [(e.event, e.id, e.data) for e in events]
    assert set(progress[0]) >= {"step", "total_steps", "epoch", "loss", "learning_rate", "tokens_per_s", "eta_s"}
    final = events[-1]
    assert final.event == "done" and final.data["job"]["status"] == "succeeded"

    stored = http.get(f"/api/v1/finetune/jobs/{job['id']}", headers=headers).json()
    name = f"ft-{job['id']}"
    assert stored["adapter_name"] == name and stored["model_id"] == f"{TINY_MODEL}+{name}"
    assert [entry["step"] for entry in stored["loss_history"]] == [1, 2, 3]
    assert stored["metrics"]["eval_loss_after"] < stored["metrics"]["eval_loss_before"]
    assert stored["started_at"] and stored["finished_at"] and stored["progress"]["step"] == 3
    metadata = json.loads((ft_settings.adapters_dir / name / "localmind_adapter.json").read_text())
    assert metadata["base_model_id"] == TINY_MODEL and metadata["job_id"] == job["id"]
    assert not list(ft_settings.adapters_dir.glob(".*partial"))
    listed = http.get("/api/v1/finetune/jobs", headers=headers).json()
    assert [j["id"] for j in listed] == [job["id"]] and "loss_history" not in listed[0]


def test_second_job_waits_in_the_queue_and_both_cancel(http, ft_settings):
    headers = sign_up(http, "alice")
    dataset_id = create_dataset(http, headers)["id"]
    first = start_job(http, headers, dataset_id, **LONG_RUN)
    steps = []

    def queue_second_then_cancel_first(event):
        if event.event == "progress":
            steps.append(event.data["step"])
            if len(steps) == 2:
                second = start_job(http, headers, dataset_id)
                assert second["status"] == "queued" and second["queue_position"] == 1
                with http.stream("GET", f"/api/v1/finetune/jobs/{second['id']}/events", headers=headers) as r:
                    line = next(line for line in r.iter_lines() if line.startswith("data:"))
                assert json.loads(line[5:]) == {"state": "queued", "queue_position": 1}
                cancelled = http.post(f"/api/v1/finetune/jobs/{second['id']}/cancel", headers=headers)
                assert cancelled.status_code == 202 and cancelled.json()["status"] == "cancelled"
                assert follow(http, headers, second["id"])[-1].data["job"]["status"] == "cancelled"
                assert http.post(f"/api/v1/finetune/jobs/{first['id']}/cancel", headers=headers).status_code == 202

    events = follow(http, headers, first["id"], queue_second_then_cancel_first)
    assert events[-1].event == "done" and events[-1].data["job"]["status"] == "cancelled"
    stored = http.get(f"/api/v1/finetune/jobs/{first['id']}", headers=headers).json()
    assert stored["status"] == "cancelled" and 2 <= len(stored["loss_history"]) < 100
    assert (ft_settings.adapters_dir / stored["adapter_name"] / "adapter_model.safetensors").is_file()
    again = http.post(f"/api/v1/finetune/jobs/{first['id']}/cancel", headers=headers)
    assert again.status_code == 409


def test_failed_job_records_why_and_the_worker_trains_the_next_one_with_qlora(http):
    headers = sign_up(http, "alice")
    dataset_id = create_dataset(http, headers)["id"]
    broken = start_job(http, headers, dataset_id, target_modules=["no_such_layer"])
    error = follow(http, headers, broken["id"])[-1]
    assert error.event == "error" and error.data["code"] == "invalid_config"
    stored = http.get(f"/api/v1/finetune/jobs/{broken['id']}", headers=headers).json()
    assert stored["status"] == "failed" and "target_modules" in stored["error"] and stored["adapter_name"] is None

    qlora = start_job(http, headers, dataset_id, method="qlora", learning_rate=1e-2)
    done = follow(http, headers, qlora["id"])[-1]
    assert done.event == "done" and done.data["job"]["status"] == "succeeded"
    assert done.data["job"]["method"] == "qlora" and len(done.data["job"]["loss_history"]) == 3


def test_jobs_are_private_but_admins_see_them_all(http):
    admin = sign_up(http, "admin")
    alice, bob = sign_up(http, "alice"), sign_up(http, "bob")
    job = start_job(http, alice, create_dataset(http, alice)["id"], max_steps=1)
    follow(http, alice, job["id"])
    base = f"/api/v1/finetune/jobs/{job['id']}"
    for method, path in [("GET", base), ("POST", f"{base}/cancel"), ("GET", f"{base}/events")]:
        assert http.request(method, path, headers=bob).status_code == 404, path
    assert http.get("/api/v1/finetune/jobs", headers=bob).json() == []
    [seen] = http.get("/api/v1/finetune/jobs", headers=admin).json()
    assert seen["id"] == job["id"] and seen["owner"] == "alice"
    assert http.get(base, headers=admin).json()["status"] == "succeeded"
