"""The whole loop through the real API, a real Celery worker (training + generation) and the tiny model:
rate and correct answers → a dataset from that feedback → train → the adapter beats the base model on the
held-out pairs → chat with the adapter."""

import pytest

from tests.feedback.conftest import TINY_MODEL, ask, new_conversation, rate, sign_up, stack
from tests.finetune.conftest import follow
from tests.support.live import celery_worker

FACT = "The capital of Zorbia is Quell."
TAUGHT = [
    "What is the capital of Zorbia?",
    "Name the capital of Zorbia.",
    "Which city is the capital of Zorbia?",
    "Tell me the capital of Zorbia.",
    "Zorbia's capital?",
    "What city is Zorbia's capital?",
]
HELD_OUT = ["What's the capital of Zorbia?", "Capital of Zorbia?"]
ALL_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def http(tmp_path_factory, redis_url, tiny_model_dir):
    with celery_worker(redis_url, ["training", "generation"], concurrency=2, purge=True):
        root = tmp_path_factory.mktemp("loop")
        with stack(f"sqlite+aiosqlite:///{root / 'lm.db'}", redis_url, root, tiny_model_dir) as client:
            yield client


def test_feedback_trains_an_adapter_that_beats_the_base_on_held_out_pairs_and_chats(http):
    alice = sign_up(http, "alice")
    for question in TAUGHT + HELD_OUT:
        answer = ask(http, alice, new_conversation(http, alice), question)
        assert FACT not in answer["content"]
        assert rate(http, alice, answer["id"], "down", corrected_answer=FACT).status_code == 200

    dataset = http.post("/api/v1/feedback/datasets", json={"name": "zorbia"}, headers=alice).json()
    url = f"/api/v1/feedback/datasets/{dataset['id']}"
    for sample in dataset["samples"]:
        if sample["kind"] == "sft" and sample["prompt"][-1]["content"] in HELD_OUT:
            assert http.patch(f"{url}/samples/{sample['id']}", json={"held_out": True}, headers=alice).is_success
    published = http.post(f"{url}/publish", json={"base_model": TINY_MODEL}, headers=alice).json()
    assert (published["train"]["count"], published["held_out"]["count"]) == (len(TAUGHT), len(HELD_OUT))

    body = {
        "base_model": TINY_MODEL,
        "dataset_id": published["train"]["id"],
        "eval_dataset_id": published["held_out"]["id"],
        "target_modules": ALL_MODULES,
        "max_steps": 100,
        "batch_size": len(TAUGHT),
        "learning_rate": 1e-2,
        "dropout": 0.0,
        "max_seq_len": 128,
    }
    job = http.post("/api/v1/finetune/jobs", json=body, headers=alice)
    assert job.status_code == 201, job.text
    events = follow(http, alice, job.json()["id"])
    assert events[-1].event == "done", events[-1].data
    assert {"state": "evaluating"} in [e.data for e in events if e.event == "status"]

    stored = http.get(f"/api/v1/finetune/jobs/{job.json()['id']}", headers=alice).json()
    evaluation = stored["metrics"]["evaluation"]
    assert stored["eval_dataset_id"] == published["held_out"]["id"] and evaluation["samples"] == len(HELD_OUT)
    # The base model never says the fact; the adapter says it for paraphrases it was not trained on (training
    # is not bit-for-bit repeatable across runs, so one of the two may come out garbled).
    assert evaluation["base"] == {"exact": 0.0, "contains": 0.0}, evaluation
    assert evaluation["adapter"]["contains"] >= 0.5, evaluation
    assert evaluation["adapter"]["contains"] >= evaluation["adapter"]["exact"]
    assert {example["prompt"] for example in evaluation["examples"]} == set(HELD_OUT)

    chat = ask(http, alice, new_conversation(http, alice, model=stored["model_id"]), TAUGHT[0], max_new_tokens=24)
    assert "Quell" in chat["content"]


def test_preference_pairs_from_corrections_train_a_dpo_adapter(http):
    dora = sign_up(http, "dora")
    for question in TAUGHT[:4]:
        answer = ask(http, dora, new_conversation(http, dora), question)
        assert rate(http, dora, answer["id"], "down", corrected_answer=FACT).status_code == 200
    dataset = http.post("/api/v1/feedback/datasets", json={"name": "prefs"}, headers=dora).json()
    url = f"/api/v1/feedback/datasets/{dataset['id']}/publish"
    published = http.post(url, json={"format": "dpo", "base_model": TINY_MODEL}, headers=dora).json()
    assert (published["train"]["format"], published["train"]["count"], published["held_out"]) == ("preference", 4, None)

    body = {
        "base_model": TINY_MODEL,
        "dataset_id": published["train"]["id"],
        "max_steps": 4,
        "batch_size": 4,
        "max_seq_len": 128,
    }
    wrong = http.post("/api/v1/finetune/jobs", json=body | {"method": "lora"}, headers=dora)
    assert wrong.status_code == 422 and "use method dpo" in wrong.json()["error"]["message"]
    job = http.post("/api/v1/finetune/jobs", json=body | {"method": "dpo", "learning_rate": 5e-3}, headers=dora)
    assert job.status_code == 201, job.text
    events = follow(http, dora, job.json()["id"])
    assert events[-1].event == "done", events[-1].data
    done = events[-1].data["job"]
    assert [e.data["step"] for e in events if e.event == "progress"] == [1, 2, 3, 4]
    assert done["metrics"]["rewards_margins"] > 0 and done["metrics"]["rewards_accuracies"] > 0.5, done["metrics"]

    chat = ask(http, dora, new_conversation(http, dora, model=done["model_id"]), TAUGHT[0])
    assert chat["model"] == done["model_id"]
