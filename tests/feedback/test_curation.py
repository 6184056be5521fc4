"""Curating a dataset from rated real answers: which feedback becomes which pair, the review operations,
the chat and DPO exports, and publishing to fine-tuning (the upload path's validation)."""

import json

from tests.feedback.conftest import ask, new_conversation, rate, regenerate, sign_up

CORRECTION = "Paris is the capital of France."


def _lines(response) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/jsonl")
    return [json.loads(line) for line in response.text.splitlines()]


def _rated_conversations(http, headers) -> dict[str, dict]:
    """A corrected answer (twice, in two conversations), an approved one and two rated siblings."""
    answers = {}
    for key in ("corrected", "corrected_again"):
        answer = ask(http, headers, new_conversation(http, headers), "What is the capital of France?")
        assert rate(http, headers, answer["id"], "down", corrected_answer=CORRECTION).status_code == 200
        answers[key] = answer
    answers["approved"] = ask(http, headers, new_conversation(http, headers), "Say hi.")
    rate(http, headers, answers["approved"]["id"], "up")
    answers["good"] = ask(http, headers, new_conversation(http, headers), "Name a colour.", seed=1)
    answers["bad"] = regenerate(http, headers, answers["good"]["id"])
    rate(http, headers, answers["good"]["id"], "up")
    rate(http, headers, answers["bad"]["id"], "down")
    return answers


def test_feedback_becomes_pairs_that_review_export_and_publish(http, users):
    alice = users["alice"]
    answers = _rated_conversations(http, alice)
    built = http.post("/api/v1/feedback/datasets", json={"name": "capitals", "include_approved": True}, headers=alice)
    assert built.status_code == 201, built.text
    dataset = built.json()
    samples = dataset["samples"]
    kinds = sorted((s["kind"], s["origin"]) for s in samples)
    different = answers["good"]["content"] != answers["bad"]["content"]
    assert kinds == sorted(
        [("sft", "corrected")] * 2
        + [("preference", "corrected")] * 2
        + [("sft", "approved")] * 2  # "Say hi." and the thumbs-up sibling
        + [("preference", "sibling")] * different
    )
    sibling = [s for s in samples if s["origin"] == "sibling"]
    assert not sibling or (sibling[0]["chosen"], sibling[0]["rejected"]) == (
        answers["good"]["content"],
        answers["bad"]["content"],
    )
    assert dataset["counts"] == {"train": 4, "held_out": 0, "preference": 2 + different}

    url = f"/api/v1/feedback/datasets/{dataset['id']}"
    deduped = http.post(f"{url}/dedupe", headers=alice).json()
    assert deduped["removed"] == 2 and deduped["dataset"]["counts"]["train"] == 3

    corrected = next(s for s in deduped["dataset"]["samples"] if s["origin"] == "corrected" and s["kind"] == "sft")
    held = http.patch(f"{url}/samples/{corrected['id']}", json={"held_out": True}, headers=alice)
    assert held.status_code == 200 and held.json()["held_out"] is True
    approved = [s for s in deduped["dataset"]["samples"] if s["origin"] == "approved"]
    edited = http.patch(f"{url}/samples/{approved[0]['id']}", json={"chosen": "Hi there!"}, headers=alice).json()
    assert edited["chosen"] == "Hi there!"
    assert http.delete(f"{url}/samples/{approved[1]['id']}", headers=alice).status_code == 204

    train = _lines(http.get(f"{url}/export", params={"format": "chat", "split": "train"}, headers=alice))
    assert [row["messages"][-1]["content"] for row in train] == ["Hi there!"]
    [held_row] = _lines(http.get(f"{url}/export", params={"split": "held_out"}, headers=alice))
    assert held_row["messages"] == [
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": CORRECTION},
    ]
    dpo = _lines(http.get(f"{url}/export", params={"format": "dpo"}, headers=alice))
    assert dpo[0]["chosen"] == [{"role": "assistant", "content": CORRECTION}]
    assert dpo[0]["rejected"] == [{"role": "assistant", "content": answers["corrected"]["content"]}]
    assert dpo[0]["prompt"] == held_row["messages"][:1]

    published = http.post(f"{url}/publish", json={}, headers=alice)
    assert published.status_code == 201, published.text
    train_set, held_set = published.json()["train"], published.json()["held_out"]
    assert (train_set["count"], held_set["count"], train_set["format"]) == (1, 1, "chat")
    listed = {d["id"] for d in http.get("/api/v1/finetune/datasets", headers=alice).json()}
    assert {train_set["id"], held_set["id"]} <= listed


def test_review_mistakes_and_scope_are_refused_with_a_reason(http, users):
    admin, bob = users["admin"], users["bob"]
    alice = sign_up(http, "carol")  # no earlier feedback
    nothing = http.post("/api/v1/feedback/datasets", json={"name": "empty"}, headers=bob)
    assert nothing.status_code == 422 and "corrected answers" in nothing.json()["error"]["message"]
    everyone = http.post("/api/v1/feedback/datasets", json={"name": "all", "scope": "all"}, headers=bob)
    assert everyone.status_code == 403

    answer = ask(http, alice, new_conversation(http, alice), "What is 2 plus 2?")
    rate(http, alice, answer["id"], "down", corrected_answer="4.")
    dataset = http.post("/api/v1/feedback/datasets", json={"name": "maths"}, headers=alice).json()
    url = f"/api/v1/feedback/datasets/{dataset['id']}"
    pair = next(s for s in dataset["samples"] if s["kind"] == "preference")
    refused = http.patch(f"{url}/samples/{pair['id']}", json={"held_out": True}, headers=alice)
    assert refused.status_code == 422 and "held_out" in refused.json()["error"]["message"]
    blank = http.patch(f"{url}/samples/{pair['id']}", json={"chosen": "  "}, headers=alice)
    assert blank.status_code == 422
    assert http.get(url, headers=bob).status_code == 404

    whole = http.post("/api/v1/feedback/datasets", json={"name": "all", "scope": "all"}, headers=admin)
    assert whole.status_code == 201 and whole.json()["counts"]["train"] >= 1
    train = next(s for s in dataset["samples"] if s["kind"] == "sft")
    http.patch(f"{url}/samples/{train['id']}", json={"held_out": True}, headers=alice)
    nothing_to_train = http.post(f"{url}/publish", json={}, headers=alice)
    assert nothing_to_train.status_code == 422 and nothing_to_train.json()["error"]["code"] == "no_training_pairs"
