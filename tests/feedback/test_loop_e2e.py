"""The whole loop through the real API, a real Celery worker (training + generation) and the tiny model:
rate and correct answers → a dataset from that feedback → train → the adapter beats the base model on the
held-out pairs → chat with the adapter."""

import pytest

from app.kernel.schemas.finetune import EvaluationJudge, FinetuneEvaluation
from tests.feedback.conftest import TINY_MODEL, ask, new_conversation, rate, sign_up, stack
from tests.finetune.conftest import chat_rows, create_dataset, follow, start_job
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


@pytest.fixture
def judge_model(monkeypatch):
    """Sets EVAL_JUDGE_MODEL for the in-process training worker (it reads the environment) for one test."""
    from app.kernel.settings import get_settings

    def configure(model_id: str) -> None:
        monkeypatch.setenv("EVAL_JUDGE_MODEL", model_id)
        get_settings.cache_clear()

    yield configure
    monkeypatch.delenv("EVAL_JUDGE_MODEL", raising=False)
    get_settings.cache_clear()


def test_feedback_trains_an_adapter_that_beats_the_base_on_held_out_pairs_and_chats(http, judge_model):
    judge_model(TINY_MODEL)
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
    # The base model never says the fact; the adapter, trained reproducibly from the job's seed
    # (tests/training/test_reproducibility.py), says it word for word for a paraphrase it was not trained on.
    base, adapter = evaluation["base"], evaluation["adapter"]
    assert (base["exact"], base["contains"]) == (0.0, 0.0), evaluation
    assert adapter["exact"] > base["exact"] and adapter["contains"] > base["contains"], evaluation
    examples = {example["prompt"]: example for example in evaluation["examples"]}
    assert examples.keys() == set(HELD_OUT) and examples[HELD_OUT[0]]["adapter"] == FACT, evaluation
    # The tiny model is the judge: it is random, so only the report's shape and arithmetic are checked.
    assert FinetuneEvaluation.model_validate(evaluation).judge == EvaluationJudge(model=TINY_MODEL)
    for side in ("base", "adapter"):
        verdicts = [example[f"{side}_judge"] for example in examples.values()]
        assert evaluation[side]["judge"] == sum(verdicts) / len(HELD_OUT), evaluation

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


def test_an_unknown_judge_model_is_reported_and_the_job_still_succeeds(http, judge_model):
    judge_model("no-such-judge")
    erin = sign_up(http, "erin")
    dataset_id = create_dataset(http, erin, chat_rows(4))["id"]
    job = start_job(http, erin, dataset_id, eval_dataset_id=dataset_id, max_steps=1)

    done = follow(http, erin, job["id"])[-1]
    assert done.event == "done" and done.data["job"]["status"] == "succeeded", done.data
    evaluation = done.data["job"]["metrics"]["evaluation"]
    assert evaluation["samples"] == 4 and set(evaluation["adapter"]) == {"exact", "contains", "judge"}, evaluation
    assert evaluation["base"]["judge"] is None and evaluation["adapter"]["judge"] is None
    judge = evaluation["judge"]
    assert judge["model"] == "no-such-judge" and "is not usable" in judge["error"], judge
    assert "Set EVAL_JUDGE_MODEL to a model id from the registry" in judge["error"]
