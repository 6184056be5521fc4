"""Merging a finished job's adapter into a full model through the real API and a real training worker."""

import time

import torch

from app.kernel.registry.registry import ModelRegistry
from tests.finetune.conftest import TINY_MODEL, create_dataset, follow, sign_up, start_job
from tests.support.live import iter_sse
from tests.support.tiny_model import register_tiny_model, tiny_spec
from worker.engine.engine import Engine
from worker.engine.generation import GenerationParams
from worker.engine.loader import load_model

PROMPT = [{"role": "user", "content": "What is 3 plus 3?"}]
GREEDY = GenerationParams(max_new_tokens=12, temperature=0)


def merge_url(job_id: int) -> str:
    return f"/api/v1/finetune/jobs/{job_id}/merge"


def trained_job(http, headers, **overrides) -> dict:
    dataset_id = create_dataset(http, headers)["id"]
    job = start_job(http, headers, dataset_id, learning_rate=1e-2, **overrides)
    final = follow(http, headers, job["id"])[-1].data["job"]
    assert final["status"] == "succeeded", final
    return final


def follow_merge(http, headers, job_id: int) -> list:
    events = []
    with http.stream("GET", f"{merge_url(job_id)}/events", headers=headers) as response:
        assert response.status_code == 200, response.read()
        for event in iter_sse(response):
            events.append(event)
            if event.event in ("done", "error"):
                break
    return events


def occupy_the_training_worker(http, headers) -> int:
    """A job that runs until cancelled, on the one training worker (concurrency 1): a merge queued meanwhile
    provably waits, whatever the host's load."""
    dataset_id = create_dataset(http, headers)["id"]
    blocker = start_job(http, headers, dataset_id, max_steps=100_000, batch_size=2)["id"]
    deadline = time.monotonic() + 60
    while http.get(f"/api/v1/finetune/jobs/{blocker}", headers=headers).json()["status"] != "running":
        assert time.monotonic() < deadline, "the blocking job never started"
        time.sleep(0.05)
    return blocker


def test_merged_model_loads_and_answers_like_base_plus_adapter(http, ft_settings, tiny_model_dir, tmp_path):
    headers = sign_up(http, "alice")
    job = trained_job(http, headers)
    assert http.get(merge_url(job["id"]), headers=headers).json()["state"] == "none"
    blocker = occupy_the_training_worker(http, headers)

    started = http.post(merge_url(job["id"]), headers=headers)
    assert started.status_code == 202 and started.json()["state"] == "queued", started.text
    repeated = http.post(merge_url(job["id"]), headers=headers)  # the same merge, not a second one
    assert repeated.status_code == 202 and repeated.json() == started.json(), repeated.text
    assert http.post(f"/api/v1/finetune/jobs/{blocker}/cancel", headers=headers).status_code == 202

    events = follow_merge(http, headers, job["id"])
    assert events[0].event == "status" and events[-1].event == "done", [(e.event, e.data) for e in events]
    assert [e.data["fraction"] for e in events if e.event == "progress"] == [0.0, 0.4, 0.6]
    merge = events[-1].data["merge"]
    path = ft_settings.model_store_dir / "merged" / f"ft-{job['id']}"
    assert merge["state"] == "done" and merge["path"] == str(path) and merge["size_bytes"] > 0
    assert (path / "model.safetensors").is_file() and not (path / "adapter_config.json").exists()
    assert not list(path.parent.glob(".*partial"))
    again = http.post(merge_url(job["id"]), headers=headers)
    assert again.status_code == 200 and again.json() == merge
    assert http.get(merge_url(job["id"]), headers=headers).json() == merge

    registry = ModelRegistry(catalog_path=None, adapters_dir=ft_settings.adapters_dir)
    register_tiny_model(registry, TINY_MODEL, tiny_model_dir)
    registry.add(tiny_spec("merged", path))
    merged, base = load_model(registry.get("merged"), path), load_model(registry.get(TINY_MODEL), tiny_model_dir)
    name = "model.layers.0.self_attn.q_proj.weight"
    assert not torch.allclose(merged.model.state_dict()[name], base.model.state_dict()[name])
    engine = Engine(registry, models_dir=tmp_path, cache_bytes=2**30)
    adapted = engine.complete(job["model_id"], PROMPT, GREEDY)
    exported = engine.complete("merged", PROMPT, GREEDY)
    assert exported.text == adapted.text and exported.completion_tokens == adapted.completion_tokens > 0


def test_qlora_job_is_refused_with_what_to_do_instead(http, ft_settings):
    headers = sign_up(http, "alice")
    job = trained_job(http, headers, method="qlora", max_steps=1)

    refused = http.post(merge_url(job["id"]), headers=headers)

    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "merge_unsupported"
    assert "QLoRA" in error["message"] and job["model_id"] in error["message"] and "'lora'" in error["message"]
    assert not (ft_settings.model_store_dir / "merged").exists()


def test_unfinished_job_is_refused(http):
    headers = sign_up(http, "alice")
    dataset_id = create_dataset(http, headers)["id"]
    job = start_job(http, headers, dataset_id, max_steps=100_000, batch_size=2)

    refused = http.post(merge_url(job["id"]), headers=headers)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "job_not_finished", refused.text
    assert "once it has succeeded" in refused.json()["error"]["message"]

    assert http.post(f"/api/v1/finetune/jobs/{job['id']}/cancel", headers=headers).status_code == 202
    assert follow(http, headers, job["id"])[-1].data["job"]["status"] == "cancelled"
    refused = http.post(merge_url(job["id"]), headers=headers)
    assert refused.status_code == 409 and "ended cancelled" in refused.json()["error"]["message"]
    assert http.get(f"{merge_url(job['id'])}/events", headers=headers).status_code == 404


def test_another_user_gets_404_and_an_admin_sees_the_merge(http):
    admin = sign_up(http, "admin")
    alice, bob = sign_up(http, "alice"), sign_up(http, "bob")
    job = trained_job(http, alice)

    assert http.post(merge_url(job["id"]), headers=bob).status_code == 404
    assert http.get(merge_url(job["id"]), headers=bob).status_code == 404
    assert http.get(f"{merge_url(job['id'])}/events", headers=bob).status_code == 404
    assert http.get(merge_url(job["id"]), headers=admin).json()["state"] == "none"


def test_a_failed_merge_reports_why_and_can_be_retried(http, ft_settings, tmp_path):
    headers = sign_up(http, "alice")
    job = trained_job(http, headers)
    adapter, parked = ft_settings.adapters_dir / job["adapter_name"], tmp_path / "parked"
    adapter.rename(parked)

    assert http.post(merge_url(job["id"]), headers=headers).status_code == 202
    error = follow_merge(http, headers, job["id"])[-1]
    assert error.event == "error" and error.data["code"] == "merge_failed"
    assert "not a LocalMind adapter" in error.data["message"]
    failed = http.get(merge_url(job["id"]), headers=headers).json()
    assert failed["state"] == "failed" and failed["error"] == error.data["message"]

    parked.rename(adapter)
    assert http.post(merge_url(job["id"]), headers=headers).json()["state"] in ("queued", "running", "done")
    assert follow_merge(http, headers, job["id"])[-1].event == "done"
    assert http.get(merge_url(job["id"]), headers=headers).json()["state"] == "done"
