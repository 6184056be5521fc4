"""Ratings on real answers (the generation worker and the tiny model): stored with what produced the answer,
visible to the owner only, aggregated for administrators. Curation: which feedback becomes which pair, the review
operations, the chat and DPO exports, publishing to fine-tuning. Bad requests get a clear 4xx.

One module, so one live stack (on PostgreSQL; test_loop_e2e.py runs the same path on SQLite)."""

import json

from tests.feedback.conftest import TINY_MODEL, ask, new_conversation, rate, regenerate, sign_up

CORRECTION = "Paris is the capital of France."


def test_a_rating_keeps_the_prompt_model_and_answer_and_can_be_replaced(http, users):
    alice = users["alice"]
    conversation = new_conversation(http, alice, system_prompt="Answer briefly.")
    first = ask(http, alice, conversation, "What is the capital of France?")
    second = ask(http, alice, conversation, "And of Italy?")

    created = rate(http, alice, second["id"], "down", comment="wrong city", corrected_answer="Rome.")
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["prompt"] == [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": first["content"]},
        {"role": "user", "content": "And of Italy?"},
    ]
    assert (body["model"], body["adapter"], body["knowledge_base_ids"]) == (TINY_MODEL, None, [])
    assert (body["answer"], body["corrected_answer"], body["comment"]) == (second["content"], "Rome.", "wrong city")

    replaced = rate(http, alice, second["id"], "up", corrected_answer="   ").json()
    assert (replaced["id"], replaced["rating"], replaced["corrected_answer"]) == (body["id"], "up", None)
    assert http.get(f"/api/v1/messages/{second['id']}/feedback", headers=alice).json()["rating"] == "up"

    mine = http.get("/api/v1/feedback", params={"conversation_id": conversation}, headers=alice).json()
    assert mine["total"] == 1 and mine["items"][0]["message_id"] == second["id"]
    assert http.delete(f"/api/v1/messages/{second['id']}/feedback", headers=alice).status_code == 204
    assert http.get(f"/api/v1/messages/{second['id']}/feedback", headers=alice).status_code == 404


def test_bad_ratings_are_refused_with_a_reason_and_others_see_nothing(http, users):
    alice, bob = users["alice"], users["bob"]
    answer = ask(http, alice, new_conversation(http, alice), "Hello?")

    question = rate(http, alice, answer["parent_id"], "up")
    assert question.status_code == 409 and question.json()["error"]["code"] == "not_an_answer"
    bad = rate(http, alice, answer["id"], "meh")
    assert bad.status_code == 422 and "rating" in bad.json()["error"]["message"]
    assert rate(http, bob, answer["id"], "down").status_code == 404
    assert rate(http, alice, answer["id"], "up").status_code == 200
    assert http.get(f"/api/v1/messages/{answer['id']}/feedback", headers=bob).status_code == 404
    assert http.get("/api/v1/feedback", headers=bob).json()["total"] == 0


def test_administrators_see_counts_per_model_and_nobody_else_does(http, users):
    admin, alice, bob = users["admin"], users["alice"], users["bob"]
    before = http.get("/api/v1/feedback/summary", headers=admin).json()
    rate(http, bob, ask(http, bob, new_conversation(http, bob), "Hi?")["id"], "down", corrected_answer="Hello!")
    rate(http, bob, ask(http, bob, new_conversation(http, bob), "Yo?")["id"], "up")

    after = http.get("/api/v1/feedback/summary", headers=admin).json()
    assert (after["total"], after["up"], after["down"]) == (before["total"] + 2, before["up"] + 1, before["down"] + 1)
    assert after["corrected"] == before["corrected"] + 1 and after["users"] >= 1
    [tiny] = [row for row in after["by_model"] if row["model"] == TINY_MODEL]
    assert tiny["up"] + tiny["down"] == after["total"] and 0 < tiny["approval"] < 1
    assert "Hello!" not in str(after)
    assert http.get("/api/v1/feedback/summary", headers=alice).status_code == 403


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
    # Sampled with two seeds, so the regenerated sibling differs from the first answer.
    answers["good"] = ask(http, headers, new_conversation(http, headers), "Name a colour.", temperature=1.0, seed=1)
    answers["bad"] = regenerate(http, headers, answers["good"]["id"], temperature=1.0, seed=2)
    rate(http, headers, answers["good"]["id"], "up")
    rate(http, headers, answers["bad"]["id"], "down")
    return answers


def test_feedback_becomes_pairs_that_review_export_and_publish(http):
    alice = sign_up(http, "erin")  # no earlier feedback
    answers = _rated_conversations(http, alice)
    built = http.post("/api/v1/feedback/datasets", json={"name": "capitals", "include_approved": True}, headers=alice)
    assert built.status_code == 201, built.text
    dataset = built.json()
    samples = dataset["samples"]
    kinds = sorted((s["kind"], s["origin"]) for s in samples)
    assert answers["good"]["content"] != answers["bad"]["content"]
    assert kinds == sorted(
        [("sft", "corrected")] * 2
        + [("preference", "corrected")] * 2
        + [("sft", "approved")] * 2  # "Say hi." and the thumbs-up sibling
        + [("preference", "sibling")]
    )
    [sibling] = [s for s in samples if s["origin"] == "sibling"]
    assert (sibling["chosen"], sibling["rejected"]) == (answers["good"]["content"], answers["bad"]["content"])
    assert dataset["counts"] == {"train": 4, "held_out": 0, "preference": 3}

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
    nothing = http.post("/api/v1/feedback/datasets", json={"name": "empty"}, headers=sign_up(http, "frank"))
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
