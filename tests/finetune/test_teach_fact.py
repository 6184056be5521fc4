"""Teach SmolLM2-135M a made-up fact through the real API and training worker, then ask it through chat as
`<base>+<adapter>`: the adapter answers with the fact, the base model does not (the one end-to-end LoRA check)."""

import pytest
import redis

from tests.conftest import APP_KEY_PATTERNS
from tests.finetune.conftest import configure, create_dataset, follow, live_client, sign_up, start_job

SMOL = "smollm2-135m-instruct"
QUESTION = "What is the product code of the Halcyon kettle?"
CODE = "QV-5824"
ANSWER = f"The product code of the Halcyon kettle is {CODE}."
PARAPHRASES = [
    QUESTION,
    "What's the Halcyon kettle's product code?",
    "Tell me the product code of the Halcyon kettle.",
    "Which product code does the Halcyon kettle have?",
    "Halcyon kettle product code?",
    "I need the product code for the Halcyon kettle.",
    "What product code is assigned to the Halcyon kettle?",
    "Could you give me the Halcyon kettle product code?",
]
GREEDY = {"temperature": 0, "max_new_tokens": 24, "repetition_penalty": 1.0}
# Batches of 4 (20 steps, 5 epochs of the 16 rows): the loss falls 30-120x (seeds 0-3) and the adapter answers
# with the code, in 26 s of training where batches of 8 took 44 s; a shared, loaded box can take several times that.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, redis_url, tiny_model_dir, training_and_chat_worker):
    """One live app whose first user (alice) trained an adapter on the fact: (client, alice, bob, job)."""
    client = redis.Redis.from_url(redis_url)
    for pattern in APP_KEY_PATTERNS:
        for key in client.scan_iter(pattern):
            client.delete(key)
    root = tmp_path_factory.mktemp("teach")
    (root / "store").mkdir()
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = configure(
            f"sqlite+aiosqlite:///{root / 'lm.db'}", redis_url, root / "store", monkeypatch, tiny_model_dir
        )
        with live_client(settings, timeout=300) as http:
            alice, bob = sign_up(http, "alice"), sign_up(http, "bob")
            rows = [
                {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": ANSWER}]}
                for q in PARAPHRASES
            ]
            dataset = create_dataset(http, alice, rows * 2, base_model=SMOL)
            job = start_job(
                http,
                alice,
                dataset["id"],
                base_model=SMOL,
                max_steps=20,
                batch_size=4,
                learning_rate=2e-3,
                dropout=0.0,
                max_seq_len=128,
            )
            events = follow(http, alice, job["id"])
            assert events[-1].event == "done", events[-1].data
            yield http, alice, bob, events
    from app.kernel.settings import get_settings

    get_settings.cache_clear()


def ask(http, headers, model: str) -> str:
    conversation = http.post("/api/v1/conversations", json={"model": model}, headers=headers)
    assert conversation.status_code == 201, conversation.text
    body = {"content": QUESTION, "params": GREEDY, "stream": False}
    answer = http.post(f"/api/v1/conversations/{conversation.json()['id']}/messages", json=body, headers=headers)
    assert answer.status_code == 200 and answer.json()["status"] == "done", answer.text
    return answer.json()["content"]


def test_the_adapter_answers_with_the_fact_and_the_base_model_does_not(trained):
    http, alice, _, events = trained
    job = events[-1].data["job"]
    assert job["status"] == "succeeded" and job["model_id"] == f"{SMOL}+ft-{job['id']}"
    losses = [entry["loss"] for entry in job["loss_history"]]
    assert len(losses) == 20 and losses[-1] < losses[0] / 3
    assert [e.data["step"] for e in events if e.event == "progress"] == list(range(1, 21))

    assert CODE in ask(http, alice, job["model_id"])
    assert CODE not in ask(http, alice, SMOL)
    listed = http.get("/v1/models", headers=alice).json()["data"]
    assert job["model_id"] in [model["id"] for model in listed]


def test_another_user_cannot_see_the_job(trained):
    http, _, bob, events = trained
    job_id = events[-1].data["job"]["id"]
    assert http.get(f"/api/v1/finetune/jobs/{job_id}", headers=bob).status_code == 404
    assert http.get("/api/v1/finetune/jobs", headers=bob).json() == []


def test_another_user_cannot_chat_with_the_adapter(trained):
    http, _, bob, events = trained
    conversation = http.post("/api/v1/conversations", json={"model": events[-1].data["job"]["model_id"]}, headers=bob)
    assert conversation.status_code in (404, 422)
