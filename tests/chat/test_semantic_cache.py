"""Semantic cache end to end: the real worker, Redis and tiny model answer or reuse single-turn questions."""

import pytest

from tests.chat.conftest import sign_up
from tests.chat.test_chat_e2e import ask, new_conversation
from tests.knowledge.conftest import index_ok

GREEDY = {"temperature": 0, "max_new_tokens": 12}


def first_turn(http, headers: dict, question: str, **extra) -> dict:
    """Ask in a new conversation; returns the stored answer from the `done` event."""
    events = ask(http, headers, new_conversation(http, headers), question, **extra)
    assert events[-1].event == "done", events[-1].data
    return events[-1].data["message"]


def cache_of(message: dict) -> dict | None:
    return message["params"].get("semantic_cache")


def test_repeats_and_paraphrases_hit_near_misses_and_switched_off_do_not(http):
    headers = sign_up(http, "cache-user")
    original = first_turn(http, headers, "How do I reset my password?", params=GREEDY)
    assert cache_of(original) == {"hit": False}

    repeat = first_turn(http, headers, "How do I reset my password?", params=GREEDY)
    assert cache_of(repeat)["hit"] is True and cache_of(repeat)["source_message_id"] == original["id"]
    assert repeat["content"] == original["content"] and repeat["completion_tokens"] == 0
    stored = http.get(f"/api/v1/messages/{repeat['id']}", headers=headers).json()
    assert stored["params"]["semantic_cache"]["hit"] is True

    paraphrase = first_turn(http, headers, "How can I reset my password?", params=GREEDY)
    assert cache_of(paraphrase)["hit"] is True and 0 < cache_of(paraphrase)["distance"] <= 0.15

    first_turn(http, headers, "How many vacation days do employees get after 5 years?", params=GREEDY)
    near_miss = first_turn(http, headers, "How many vacation days do employees get after 10 years?", params=GREEDY)
    assert cache_of(near_miss) == {"hit": False}

    switched_off = first_turn(http, headers, "How do I reset my password?", params={**GREEDY, "cache": False})
    assert cache_of(switched_off) is None and switched_off["completion_tokens"] > 0
    sampled = first_turn(http, headers, "How do I reset my password?", params={**GREEDY, "temperature": 0.7})
    assert cache_of(sampled) is None


def test_another_user_never_hits(http):
    alice, bob = sign_up(http, "cache-alice"), sign_up(http, "cache-bob")
    first_turn(http, alice, "What is the capital of France?", params=GREEDY)
    assert cache_of(first_turn(http, bob, "What is the capital of France?", params=GREEDY)) == {"hit": False}
    assert cache_of(first_turn(http, alice, "What is the capital of France?", params=GREEDY))["hit"] is True


def test_a_model_change_invalidates(http, tiny_model_dir):
    from app.kernel.registry.registry import get_registry
    from tests.chat.conftest import TINY_MODEL
    from tests.support.tiny_model import register_tiny_model

    headers = sign_up(http, "cache-model")
    first_turn(http, headers, "What is the capital of France?", params=GREEDY)
    register_tiny_model(get_registry(), TINY_MODEL, tiny_model_dir, display_name="Tiny, re-added by an admin")
    assert cache_of(first_turn(http, headers, "What is the capital of France?", params=GREEDY)) == {"hit": False}


def test_a_second_turn_is_never_cached(http):
    headers = sign_up(http, "cache-turns")
    first_turn(http, headers, "Hello there", params=GREEDY)
    conversation_id = new_conversation(http, headers)
    ask(http, headers, conversation_id, "Good morning", params=GREEDY)
    events = ask(http, headers, conversation_id, "Hello there", params=GREEDY)
    assert cache_of(events[-1].data["message"]) is None


@pytest.mark.usefixtures("indexing_worker")
def test_a_document_change_invalidates(http):
    headers = sign_up(http, "cache-docs")
    kb_id = http.post("/api/v1/knowledge-bases", json={"name": "Manuals"}, headers=headers).json()["id"]
    index_ok(http, headers, kb_id, ("zephyr.txt", b"The Zephyr lamp product code is ZX-4417."))
    question = "What is the product code of the Zephyr lamp?"
    original = first_turn(http, headers, question, params=GREEDY, knowledge_base_ids=[kb_id])
    hit = first_turn(http, headers, question, params=GREEDY, knowledge_base_ids=[kb_id])
    assert cache_of(hit)["hit"] is True and hit["citations"] == original["citations"]
    assert cache_of(first_turn(http, headers, question, params=GREEDY)) == {"hit": False}, "other knowledge bases"

    index_ok(http, headers, kb_id, ("garden.md", b"Tomatoes need six hours of sun a day."))
    after = first_turn(http, headers, question, params=GREEDY, knowledge_base_ids=[kb_id])
    assert cache_of(after) == {"hit": False}
