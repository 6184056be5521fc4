"""Dataset uploads, job requests the API refuses before anything is queued, and deleting a dataset that trained
jobs (the one test that needs the training worker)."""

import subprocess
import sys

from tests.finetune.conftest import (
    TINY_MODEL,
    chat_rows,
    create_dataset,
    follow,
    job_body,
    jsonl,
    sign_up,
    start_job,
    upload,
)


def test_valid_upload_reports_format_count_preview_and_token_stats(api, ft_settings):
    headers = sign_up(api, "alice")
    dataset = create_dataset(api, headers, eval_fraction="0.25", base_model=TINY_MODEL)
    assert dataset["format"] == "chat" and dataset["count"] == 12 and dataset["errors"] == []
    assert dataset["eval_fraction"] == 0.25
    assert dataset["preview"][0]["messages"][1] == {"role": "assistant", "content": "0."}
    stats = dataset["token_stats"]
    assert stats["base_model"] == TINY_MODEL and 0 < stats["min"] <= stats["mean"] <= stats["max"]
    assert len(list((ft_settings.uploads_dir / "datasets").iterdir())) == 1

    listed = api.get("/api/v1/finetune/datasets", headers=headers).json()
    assert [d["id"] for d in listed] == [dataset["id"]]
    assert api.get(f"/api/v1/finetune/datasets/{dataset['id']}", headers=headers).json() == dataset


def test_instruction_format_is_accepted(api):
    headers = sign_up(api, "alice")
    rows = [{"instruction": "Translate to French", "input": "cat", "output": "chat"}] * 3
    assert create_dataset(api, headers, rows)["format"] == "instruction"


def test_invalid_dataset_gets_line_numbered_errors_and_nothing_is_stored(api, ft_settings):
    headers = sign_up(api, "alice")
    rows = [
        chat_rows(1)[0],
        "{not json",
        {"messages": [{"role": "user", "content": "hi"}]},
        "",
        {"prompt": "x"},
        {"messages": [{"role": "robot", "content": "beep"}, {"role": "assistant", "content": "x"}]},
    ]
    response = upload(api, headers, jsonl(rows))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_dataset"
    lines = [(e["line"], e["message"]) for e in error["details"]["errors"]]
    assert [line for line, _ in lines] == [2, 3, 5, 6]
    assert "invalid JSON" in lines[0][1] and "no assistant turn" in lines[1][1] and "unknown role" in lines[3][1]
    assert api.get("/api/v1/finetune/datasets", headers=headers).json() == []
    assert list((ft_settings.uploads_dir / "datasets").iterdir()) == []


def test_sample_longer_than_the_context_is_an_error_with_its_line(api):
    headers = sign_up(api, "alice")
    long = {"messages": [{"role": "user", "content": "Paris " * 400}, {"role": "assistant", "content": "Rome"}]}
    response = upload(api, headers, jsonl([*chat_rows(2), long]), base_model=TINY_MODEL)
    assert response.status_code == 422
    [error] = response.json()["error"]["details"]["errors"]
    assert error["line"] == 3 and "longer than max_seq_len 256" in error["message"]


def _chunked_multipart(content: bytes):
    """A multipart body with no Content-Length, so the limit must be enforced while it streams."""
    yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.jsonl"\r\n\r\n'
    for start in range(0, len(content), 65536):
        yield content[start : start + 65536]
    yield b"\r\n--b--\r\n"


def test_upload_limits(api, ft_settings):
    headers = sign_up(api, "alice")
    too_big = jsonl(chat_rows(1)) * (2 * 2**20 // len(jsonl(chat_rows(1))))
    response = upload(api, headers, too_big)
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"
    streamed = api.post(
        "/api/v1/finetune/datasets",
        content=_chunked_multipart(too_big),
        headers=headers | {"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert streamed.status_code == 413, streamed.text
    assert list((ft_settings.uploads_dir / "datasets").glob("*")) == []
    assert upload(api, headers, jsonl(chat_rows()), eval_fraction="0.9").json()["error"]["details"][0]["field"] == (
        "eval_fraction"
    )
    missing = api.post("/api/v1/finetune/datasets", data={"eval_fraction": "0"}, headers=headers)
    assert missing.status_code == 422 and missing.json()["error"]["details"][0]["field"] == "file"


def test_datasets_are_private(api, ft_settings):
    sign_up(api, "admin")
    alice, bob = sign_up(api, "alice"), sign_up(api, "bob")
    dataset = create_dataset(api, alice)
    path = f"/api/v1/finetune/datasets/{dataset['id']}"
    assert api.get(path, headers=bob).status_code == 404
    assert api.delete(path, headers=bob).status_code == 404
    assert api.get("/api/v1/finetune/datasets", headers=bob).json() == []
    response = api.post("/api/v1/finetune/jobs", json=job_body(dataset["id"]), headers=bob)
    assert response.status_code == 404, "another user's dataset does not exist for bob"
    assert api.delete(path, headers=alice).status_code == 204
    assert api.get(path, headers=alice).status_code == 404
    assert list((ft_settings.uploads_dir / "datasets").iterdir()) == []


def test_deleting_a_dataset_keeps_its_finished_jobs_and_waits_for_active_ones(http, ft_settings):
    headers = sign_up(http, "alice")
    dataset = create_dataset(http, headers, eval_fraction="0.25")
    path = f"/api/v1/finetune/datasets/{dataset['id']}"
    finished = follow(http, headers, start_job(http, headers, dataset["id"], learning_rate=1e-2)["id"])[-1]
    assert finished.event == "done", finished.data
    trained = finished.data["job"]
    assert trained["dataset_id"] == dataset["id"] and trained["dataset_name"] == "data.jsonl"
    assert trained["metrics"]["eval_loss_after"] < trained["metrics"]["eval_loss_before"]

    active = start_job(http, headers, dataset["id"], max_steps=100_000, batch_size=2)
    refused = http.delete(path, headers=headers)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "dataset_in_use" and f"job {active['id']}" in refused.text
    assert http.post(f"/api/v1/finetune/jobs/{active['id']}/cancel", headers=headers).status_code == 202
    assert follow(http, headers, active["id"])[-1].data["job"]["status"] == "cancelled"

    assert http.delete(path, headers=headers).status_code == 204
    assert http.get(path, headers=headers).status_code == 404
    kept = http.get(f"/api/v1/finetune/jobs/{trained['id']}", headers=headers).json()
    assert kept["dataset_id"] is None and kept["dataset_name"] is None
    for field in ("status", "metrics", "loss_history", "adapter_name", "model_id", "config"):
        assert kept[field] == trained[field], field
    listed = {job["id"]: job for job in http.get("/api/v1/finetune/jobs", headers=headers).json()}
    assert set(listed) == {trained["id"], active["id"]} and listed[trained["id"]]["dataset_id"] is None
    models = [model["id"] for model in http.get("/v1/models", headers=headers).json()["data"]]
    assert trained["model_id"] in models, "the adapter is still served after its dataset is gone"


def _refusal(api, headers, body) -> dict:
    response = api.post("/api/v1/finetune/jobs", json=body, headers=headers)
    assert response.status_code == 422, response.text
    return response.json()["error"]


def test_bad_job_requests_name_the_field(api):
    headers = sign_up(api, "alice")
    dataset_id = create_dataset(api, headers, base_model=TINY_MODEL)["id"]

    unknown = _refusal(api, headers, job_body(dataset_id, base_model="gpt-17"))
    assert unknown["details"][0]["field"] == "base_model" and TINY_MODEL in unknown["details"][0]["available"]
    for field, value in [("rank", 0), ("learning_rate", 0.5), ("learning_rate", 0), ("dropout", 1.0)]:
        error = _refusal(api, headers, job_body(dataset_id, **{field: value}))
        assert error["details"][0]["field"] == field, error
    context = _refusal(api, headers, job_body(dataset_id, max_seq_len=4096))
    assert context["details"][0]["field"] == "max_seq_len" and "256" in context["message"]
    too_short = _refusal(api, headers, job_body(dataset_id, max_seq_len=16))
    assert too_short["details"][0]["field"] == "max_seq_len" and "longest sample" in too_short["message"]
    assert _refusal(api, headers, job_body(dataset_id, method="full"))["details"][0]["field"] == "method"
    assert api.get("/api/v1/finetune/jobs", headers=headers).json() == []


def test_api_process_does_not_import_torch():
    code = "import app.main, app.services.finetune, sys; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_base_model_another_api_process_added_is_found(api, tiny_model_dir):
    """An admin entry this process does not hold in memory (another API process took the POST) is read from
    the database when the lookup misses."""
    from app.kernel.registry.registry import get_registry

    admin = sign_up(api, "root")
    spec = {"id": "tiny-peer", "source": f"dir:{tiny_model_dir}", "dtype": "float32"}
    assert api.post("/api/v1/models", json=spec, headers=admin).status_code == 201
    try:
        get_registry().remove("tiny-peer")
        dataset = create_dataset(api, admin, base_model="tiny-peer")
        assert dataset["token_stats"]["base_model"] == "tiny-peer"
    finally:
        get_registry().remove("tiny-peer")
