"""Chat with documents: the answer's `citations` event names the uploaded document that holds the fact."""

import pytest

from tests.chat.conftest import sign_up
from tests.chat.test_chat_e2e import ask, new_conversation
from tests.knowledge.conftest import index_ok

ZEPHYR = b"The Zephyr lamp product code is ZX-4417."
SHORT = {"temperature": 0, "max_new_tokens": 8}  # the tiny model has a 256-token context
GARDEN = b"Tomatoes need six hours of sun a day."


@pytest.fixture
def alice_kb(http, indexing_worker):
    headers = sign_up(http, "doc-reader")
    kb = http.post("/api/v1/knowledge-bases", json={"name": "Manuals"}, headers=headers).json()
    index_ok(http, headers, kb["id"], ("zephyr.txt", ZEPHYR), ("garden.md", GARDEN))
    return headers, kb["id"]


def test_answer_cites_the_document_that_holds_the_fact(http, alice_kb):
    headers, kb_id = alice_kb
    conversation_id = new_conversation(http, headers, knowledge_base_ids=[kb_id])
    events = ask(http, headers, conversation_id, "What is the product code of the Zephyr lamp?", params=SHORT)
    kinds = [e.event for e in events]
    assert kinds[-1] == "done", events[-1].data
    assert kinds.index("citations") < kinds.index("token")
    citations = next(e for e in events if e.event == "citations").data["citations"]
    assert citations[0]["document_name"] == "zephyr.txt" and "ZX-4417" in citations[0]["snippet"]
    assert citations[0]["n"] == 1
    stored = events[-1].data["message"]
    assert stored["citations"] == citations


def test_nothing_relevant_gives_no_citations(http, alice_kb):
    headers, kb_id = alice_kb
    conversation_id = new_conversation(http, headers, knowledge_base_ids=[kb_id])
    events = ask(http, headers, conversation_id, "Who won the 1966 football world cup final?", params=SHORT)
    cited = next(e for e in events if e.event == "citations").data
    assert cited["citations"] == [] and cited["relevance"][0]["relevant"] is False
    assert {"score", "threshold", "similarity", "coverage"} <= cited["relevance"][0].keys()
    assert any(e.event == "status" and e.data["state"] == "nothing_relevant" for e in events)
    final = events[-1].data["message"]
    assert final["content"].startswith("I could not find anything relevant") and final["citations"] == []
    chinese = ask(http, headers, conversation_id, "谁赢得了1966年世界杯决赛？", params=SHORT)
    assert chinese[-1].data["message"]["content"] == "在您的文档中没有找到与这个问题相关的内容。"


def test_another_users_knowledge_base_is_never_searched(http, alice_kb):
    _, kb_id = alice_kb
    mallory = sign_up(http, "mallory")
    refused = http.post("/api/v1/conversations", json={"knowledge_base_ids": [kb_id]}, headers=mallory)
    assert refused.status_code == 422
    conversation_id = new_conversation(http, mallory)
    events = ask(http, mallory, conversation_id, "What is the Zephyr product code?", knowledge_base_ids=[kb_id])
    assert next(e for e in events if e.event == "citations").data["citations"] == []
