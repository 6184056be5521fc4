"""A file attached to one question: indexed into the conversation's private knowledge base, the answer to that
question cites it, nobody else sees it, and it goes with the conversation."""

from app.kernel.db import sync_session_factory
from app.kernel.models import Document, KnowledgeBase
from tests.chat.conftest import sign_up
from tests.chat.test_chat_e2e import ask, new_conversation
from tests.knowledge.conftest import watch

ZEPHYR = b"The Zephyr lamp product code is ZX-4417."
SHORT = {"temperature": 0, "max_new_tokens": 8}  # the tiny model has a 256-token context
QUESTION = "What is the product code of the Zephyr lamp?"


def attach(http, headers, conversation_id: int, name: str, content: bytes):
    files = [("files", (name, content, "text/plain"))]
    return http.post(f"/api/v1/conversations/{conversation_id}/attachments", files=files, headers=headers)


def test_an_attached_file_grounds_that_answer_privately_and_goes_with_the_conversation(
    http, indexing_worker, chat_settings
):
    alice = sign_up(http, "attacher")
    conversation_id = new_conversation(http, alice)
    uploaded = attach(http, alice, conversation_id, "zephyr.txt", ZEPHYR)
    assert uploaded.status_code == 201, uploaded.text
    document = uploaded.json()[0]
    assert watch(http, alice, document["id"])[-1].event == "done"
    listed = http.get(f"/api/v1/conversations/{conversation_id}/attachments", headers=alice).json()
    assert [(d["id"], d["status"]) for d in listed] == [(document["id"], "indexed")]
    assert http.get("/api/v1/knowledge-bases", headers=alice).json() == [], "the private base is not listed"

    events = ask(http, alice, conversation_id, QUESTION, params=SHORT, attachment_ids=[document["id"]])
    assert events[-1].event == "done", events[-1].data
    citations = next(e for e in events if e.event == "citations").data["citations"]
    assert citations[0]["document_name"] == "zephyr.txt" and "ZX-4417" in citations[0]["snippet"]
    messages = http.get(f"/api/v1/conversations/{conversation_id}", headers=alice).json()["messages"]
    question = next(m for m in messages if m["id"] == events[-1].data["message"]["parent_id"])
    assert question["attachments"] == [{"document_id": document["id"], "filename": "zephyr.txt"}]

    mallory = sign_up(http, "mallory")
    assert http.get(f"/api/v1/conversations/{conversation_id}/attachments", headers=mallory).status_code == 404
    assert attach(http, mallory, conversation_id, "x.txt", b"mine now").status_code == 404
    assert http.get(f"/api/v1/documents/{document['id']}", headers=mallory).status_code == 404
    own = new_conversation(http, mallory)
    refused = http.post(
        f"/api/v1/conversations/{own}/messages",
        json={"content": QUESTION, "attachment_ids": [document["id"]], "stream": False},
        headers=mallory,
    )
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "unknown_attachment"

    assert http.delete(f"/api/v1/conversations/{conversation_id}", headers=alice).status_code == 204
    assert http.get(f"/api/v1/documents/{document['id']}", headers=alice).status_code == 404
    with sync_session_factory(chat_settings.database_url)() as session:
        assert session.query(KnowledgeBase).filter(KnowledgeBase.conversation_id.is_not(None)).count() == 0
        assert session.get(Document, document["id"]) is None
    assert not list(chat_settings.uploads_dir.glob("*")), "the upload was removed"


def test_an_attachment_not_indexed_is_refused_with_the_reason(http, indexing_worker, chat_settings):
    alice = sign_up(http, "early")
    conversation_id = new_conversation(http, alice)
    document = attach(http, alice, conversation_id, "notes.txt", b"Some notes to index.").json()[0]
    assert watch(http, alice, document["id"])[-1].event == "done"
    with sync_session_factory(chat_settings.database_url)() as session:  # as while it is being reindexed
        session.get(Document, document["id"]).status = "embedding"
        session.commit()
    early = http.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        json={"content": "Summarise", "attachment_ids": [document["id"]], "stream": False},
        headers=alice,
    )
    assert early.status_code == 409 and "notes.txt" in early.json()["error"]["message"]
