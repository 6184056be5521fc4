"""A question becomes tokens through the real queue: API → Celery → Redis pub/sub → SSE."""

import threading
import time

import httpx

from tests.chat.conftest import sign_up
from tests.support.live import iter_sse

GREEDY = {"temperature": 0, "max_new_tokens": 24}


def new_conversation(http: httpx.Client, headers: dict, **body) -> int:
    response = http.post("/api/v1/conversations", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def ask(http: httpx.Client, headers: dict, conversation_id: int, content: str, **extra) -> list:
    body = {"content": content, "params": GREEDY, **extra}
    with http.stream("POST", f"/api/v1/conversations/{conversation_id}/messages", json=body, headers=headers) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["x-accel-buffering"] == "no"
        return list(iter_sse(r))


def test_tokens_stream_before_done_and_answer_is_stored(http):
    headers = sign_up(http, "alice")
    conversation_id = new_conversation(http, headers)
    events = ask(http, headers, conversation_id, "Hello there")

    kinds = [e.event for e in events]
    assert kinds[0] == "status" and kinds[-1] == "done"
    tokens = [e for e in events if e.event == "token"]
    assert len(tokens) > 3, "tokens arrive as separate events"
    seqs = [e.id for e in events if e.id is not None]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))

    answer_id = events[0].data["assistant_message_id"]
    final = events[-1].data["message"]
    stored = http.get(f"/api/v1/messages/{answer_id}", headers=headers).json()
    assert stored["status"] == "done"
    assert stored["content"] == "".join(t.data["text"] for t in tokens) == final["content"]
    assert stored["completion_tokens"] > 0 and stored["ttft_ms"] is not None and stored["tokens_per_s"] > 0


def test_second_question_sees_the_first(http):
    headers = sign_up(http, "bob")
    conversation_id = new_conversation(http, headers, system_prompt="You are terse.")
    first = ask(http, headers, conversation_id, "My name is Bob")[-1].data["message"]
    second = ask(http, headers, conversation_id, "What is my name?")[-1].data["message"]
    assert second["prompt_tokens"] > first["prompt_tokens"] + first["completion_tokens"]
    detail = http.get(f"/api/v1/conversations/{conversation_id}", headers=headers).json()
    assert [m["role"] for m in detail["messages"]] == ["user", "assistant", "user", "assistant"]
    assert detail["messages"][2]["parent_id"] == detail["messages"][1]["id"]


def test_stop_mid_stream_keeps_partial_answer_and_frees_the_worker(http):
    headers = sign_up(http, "carol")
    conversation_id = new_conversation(http, headers)
    body = {"content": "Tell me a long story", "params": {"temperature": 0, "max_new_tokens": 220}}
    with http.stream("POST", f"/api/v1/conversations/{conversation_id}/messages", json=body, headers=headers) as r:
        events = iter_sse(r)
        answer_id = next(events).data["assistant_message_id"]
        seen = 0
        for event in events:
            if event.event == "token":
                seen += 1
                if seen == 3:
                    stopped = http.post(f"/api/v1/messages/{answer_id}/stop", headers=headers)
                    assert stopped.status_code == 202
            if event.event in ("done", "error"):
                final = event
                break
    assert final.event == "done"
    stored = http.get(f"/api/v1/messages/{answer_id}", headers=headers).json()
    assert stored["status"] == "cancelled"
    assert stored["content"], "the partial answer is kept"
    assert stored["completion_tokens"] < 220
    follow_up = ask(http, headers, conversation_id, "Are you still there?")
    assert follow_up[-1].event == "done", "the worker is free for the next request"


def test_disconnect_then_resume_with_last_event_id(http):
    headers = sign_up(http, "dave")
    conversation_id = new_conversation(http, headers)
    body = {"content": "Count to ten", "params": {"temperature": 0, "max_new_tokens": 200}}
    received: list = []
    with http.stream("POST", f"/api/v1/conversations/{conversation_id}/messages", json=body, headers=headers) as r:
        events = iter_sse(r)
        answer_id = next(events).data["assistant_message_id"]
        for event in events:
            received.append(event)
            if sum(e.event == "token" for e in received) == 5:
                break  # the network drops
    last_id = max(e.id for e in received if e.id is not None)
    with http.stream(
        "GET", f"/api/v1/messages/{answer_id}/events", headers={**headers, "Last-Event-ID": str(last_id)}
    ) as r:
        resumed = list(iter_sse(r))
    all_events = received + resumed
    ids = [e.id for e in all_events if e.id is not None]
    assert len(ids) == len(set(ids)), "no duplicates"
    assert ids == list(range(ids[0], ids[-1] + 1)), "no gaps"
    assert resumed[-1].event == "done"
    text = "".join(e.data["text"] for e in all_events if e.event == "token")
    stored = http.get(f"/api/v1/messages/{answer_id}", headers=headers).json()
    assert stored["status"] == "done" and stored["content"] == text

    whole = http.get(f"/api/v1/messages/{answer_id}/events", headers=headers)
    assert "event: done" in whole.text, "a finished answer can be read again from the start"


def test_regenerate_makes_a_sibling_answer(http):
    headers = sign_up(http, "erin")
    conversation_id = new_conversation(http, headers)
    first = ask(http, headers, conversation_id, "Pick a number")[-1].data["message"]
    with http.stream(
        "POST",
        f"/api/v1/messages/{first['id']}/regenerate",
        json={"params": {"temperature": 1.0, "seed": 7}},
        headers=headers,
    ) as r:
        last = list(iter_sse(r))[-1]
    assert last.event == "done", last.data
    regenerated = last.data["message"]
    assert regenerated["id"] != first["id"] and regenerated["parent_id"] == first["parent_id"]
    detail = http.get(f"/api/v1/conversations/{conversation_id}", headers=headers).json()
    assert [m["id"] for m in detail["messages"] if m["role"] == "assistant"] == [first["id"], regenerated["id"]]


def test_non_streaming_returns_the_final_message(http):
    headers = sign_up(http, "fay")
    conversation_id = new_conversation(http, headers)
    response = http.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        json={"content": "Hi", "params": GREEDY, "stream": False},
        headers=headers,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == "assistant" and body["status"] == "done" and body["content"]


def test_heartbeats_during_a_slow_generation(http, chat_settings, monkeypatch):
    from worker.engine import batcher

    original = batcher.BatchScheduler._forward

    def slow_forward(self, *args, **kwargs):
        time.sleep(0.4)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(batcher.BatchScheduler, "_forward", slow_forward)
    chat_settings.sse_heartbeat_seconds = 0.2
    headers = sign_up(http, "gus")
    conversation_id = new_conversation(http, headers)
    comments: list[str] = []
    body = {"content": "Hello", "params": {"temperature": 0, "max_new_tokens": 4}}
    with http.stream("POST", f"/api/v1/conversations/{conversation_id}/messages", json=body, headers=headers) as r:
        events = list(iter_sse(r, comments))
    assert events[-1].event == "done"
    assert len(comments) >= 4 and all(c.startswith(": ping") or c == ":ping" for c in comments)


def test_other_user_cannot_touch_messages(http):
    alice = sign_up(http, "owner")
    mallory = sign_up(http, "mallory")
    conversation_id = new_conversation(http, alice)
    answer = ask(http, alice, conversation_id, "secret plans")[-1].data["message"]
    assert http.get(f"/api/v1/messages/{answer['id']}", headers=mallory).status_code == 404
    assert http.get(f"/api/v1/messages/{answer['id']}/events", headers=mallory).status_code == 404
    assert http.post(f"/api/v1/messages/{answer['id']}/stop", headers=mallory).status_code == 404
    assert http.post(f"/api/v1/messages/{answer['id']}/regenerate", json={}, headers=mallory).status_code == 404
    posted = http.post(f"/api/v1/conversations/{conversation_id}/messages", json={"content": "x"}, headers=mallory)
    assert posted.status_code == 404
    assert http.get(f"/api/v1/messages/{answer['id']}", headers=alice).json()["content"] == answer["content"]


def test_bad_message_input(http):
    headers = sign_up(http, "hal")
    conversation_id = new_conversation(http, headers)
    url = f"/api/v1/conversations/{conversation_id}/messages"
    empty = http.post(url, json={"content": "   "}, headers=headers)
    assert empty.status_code == 422 and "empty" in empty.json()["error"]["message"]
    huge = http.post(url, json={"content": "x" * 40_000}, headers=headers)
    assert huge.status_code == 422 and "32000" in huge.json()["error"]["message"]
    unknown = http.post(url, json={"content": "hi", "model": "gpt-17"}, headers=headers)
    assert unknown.status_code == 422 and "tiny-llama" in unknown.json()["error"]["details"]["available"]
    assert http.post("/api/v1/conversations/9999/messages", json={"content": "hi"}, headers=headers).status_code == 404
    detail = http.get(f"/api/v1/conversations/{conversation_id}", headers=headers).json()
    assert detail["messages"] == [], "rejected input stores nothing"


def test_concurrent_questions_all_complete(http):
    headers = sign_up(http, "ivy")
    results: list = []

    def one(i: int):
        conversation_id = new_conversation(http, headers)
        results.append(ask(http, headers, conversation_id, f"Question {i}")[-1])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 4 and all(e.event == "done" for e in results)


def test_edit_and_resend_branches_from_the_edited_question(http):
    headers = sign_up(http, "jan")
    conversation_id = new_conversation(http, headers)
    first = ask(http, headers, conversation_id, "My cat is called Tom")[-1].data["message"]
    second = ask(http, headers, conversation_id, "What is my cat called?")[-1].data["message"]
    edited_question_parent = first["id"]
    events = ask(http, headers, conversation_id, "What colour is my cat?", parent_id=edited_question_parent)
    answer = events[-1].data["message"]
    detail = http.get(f"/api/v1/conversations/{conversation_id}", headers=headers).json()
    questions = [m for m in detail["messages"] if m["role"] == "user"]
    assert [q["parent_id"] for q in questions] == [None, first["id"], first["id"]], "two sibling questions"
    assert answer["prompt_tokens"] < second["prompt_tokens"] + second["completion_tokens"] + 5
    root = ask(http, headers, conversation_id, "Start over", parent_id=None)[-1].data["message"]
    assert http.get(f"/api/v1/messages/{root['parent_id']}", headers=headers).json()["parent_id"] is None
    foreign = http.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"content": "x", "parent_id": 99999}, headers=headers
    )
    assert foreign.status_code == 422 and "parent_id" in foreign.json()["error"]["message"]


def test_a_stream_whose_terminal_event_was_lost_ends_with_the_stored_answer(http, redis_client):
    """A Redis restart can drop the worker's last event; the relay's database check ends the stream anyway."""
    from app.kernel.contracts import JobKind
    from app.kernel.events import EventPublisher
    from app.kernel.keys import replay_key

    headers = sign_up(http, "erin")
    conversation_id = new_conversation(http, headers)
    body = {"content": "Hello", "params": GREEDY, "stream": False}
    answer = http.post(f"/api/v1/conversations/{conversation_id}/messages", json=body, headers=headers).json()
    assert answer["status"] == "done"
    redis_client.delete(replay_key(JobKind.MESSAGE, answer["id"]))  # the done event is gone with Redis ...
    seq = EventPublisher(redis_client, JobKind.MESSAGE, answer["id"]).publish(
        "token", {"text": "x"}
    )  # ... a token is not
    started = time.monotonic()
    with http.stream(
        "GET", f"/api/v1/messages/{answer['id']}/events", headers={**headers, "Last-Event-ID": str(seq)}, timeout=30
    ) as r:
        events = list(iter_sse(r))
    assert [e.event for e in events] == ["done"]
    assert events[0].data["message"]["content"] == answer["content"]
    assert time.monotonic() - started < 15
