"""Ratings on real answers (the generation worker and the tiny model): stored with what produced the answer,
visible to the owner only, aggregated for administrators; bad requests get a clear 4xx."""

from tests.feedback.conftest import TINY_MODEL, ask, new_conversation, rate


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
