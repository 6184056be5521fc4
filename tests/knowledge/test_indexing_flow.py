"""Upload → indexed (watched over SSE) → search in every mode → de-duplication → delete document → delete KB."""

from pathlib import Path

from tests.knowledge.conftest import search, upload, wait_for, watch

CORPUS = Path(__file__).resolve().parents[1] / "data" / "rag" / "corpus"
MODES = ("dense", "bm25", "hybrid")


def test_upload_index_search_and_delete(http, alice, kb, kb_settings):
    coffee = (CORPUS / "coffee_brewing.txt").read_bytes()
    solar = (CORPUS / "solar_energy.md").read_bytes()
    response = upload(http, alice, kb["id"], ("coffee_brewing.txt", coffee), ("solar_energy.md", solar))
    assert response.status_code == 201, response.text
    coffee_doc, solar_doc = response.json()
    assert (coffee_doc["status"], coffee_doc["duplicate"], coffee_doc["size_bytes"]) == ("queued", False, len(coffee))

    events = watch(http, alice, coffee_doc["id"])
    stages = {e.data["stage"] for e in events if e.event == "progress"}
    assert stages == {"parsing", "embedding"}
    assert [e.data["state"] for e in events if e.event == "status"][-1] == "embedding"
    done = events[-1]
    assert done.event == "done" and done.data["document"]["status"] == "indexed"
    assert done.data["document"]["chunks"] >= 1 and done.data["document"]["pages"] == 1
    assert watch(http, alice, solar_doc["id"])[-1].event == "done"

    for mode, query in zip(
        MODES, ("How hard is an espresso shot pressed?", "espresso pressure bars", "espresso"), strict=True
    ):
        top = search(http, alice, kb["id"], query, mode)[0]
        assert top["filename"] == "coffee_brewing.txt" and "nine bars" in top["text"], (mode, top)
        assert top["document_id"] == coffee_doc["id"]
    assert (
        "net metering" in search(http, alice, kb["id"], "utility credit for surplus electricity", "hybrid")[0]["text"]
    )

    again = upload(http, alice, kb["id"], ("coffee-copy.txt", coffee))
    assert again.status_code == 201
    assert again.json()[0]["duplicate"] is True
    assert again.json()[0]["id"] == coffee_doc["id"] and again.json()[0]["filename"] == "coffee_brewing.txt"
    assert len(http.get(f"/api/v1/knowledge-bases/{kb['id']}/documents", headers=alice).json()) == 2
    uploads = kb_settings.uploads_dir
    assert len(list(uploads.iterdir())) == 2

    assert http.delete(f"/api/v1/documents/{coffee_doc['id']}", headers=alice).status_code == 204
    assert http.get(f"/api/v1/documents/{coffee_doc['id']}", headers=alice).status_code == 404
    for mode in MODES:
        hits = search(http, alice, kb["id"], "espresso shot pressure nine bars", mode, k=10)
        assert all(h["document_id"] != coffee_doc["id"] for h in hits), mode
    assert len(list(uploads.iterdir())) == 1

    index_dir = kb_settings.indexes_dir / f"kb-{kb['id']}"
    assert index_dir.exists()
    assert http.delete(f"/api/v1/knowledge-bases/{kb['id']}", headers=alice).status_code == 204
    assert http.get(f"/api/v1/knowledge-bases/{kb['id']}", headers=alice).status_code == 404
    assert list(uploads.iterdir()) == []
    assert wait_for(lambda: not index_dir.exists()), "the index directory outlived its knowledge base"


def test_knowledge_base_crud(http, alice, kb_settings):
    created = http.post("/api/v1/knowledge-bases", json={"name": "Notes", "description": "mine"}, headers=alice)
    assert created.status_code == 201
    assert created.json()["embedding_model"] == kb_settings.embedding_model
    duplicate = http.post("/api/v1/knowledge-bases", json={"name": "Notes"}, headers=alice)
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "duplicate_name"
    other = http.post("/api/v1/knowledge-bases", json={"name": "Other"}, headers=alice).json()
    clash = http.patch(f"/api/v1/knowledge-bases/{other['id']}", json={"name": "Notes"}, headers=alice)
    assert clash.status_code == 409
    renamed = http.patch(f"/api/v1/knowledge-bases/{other['id']}", json={"description": "d"}, headers=alice)
    assert renamed.json()["description"] == "d" and renamed.json()["name"] == "Other"
    assert [k["name"] for k in http.get("/api/v1/knowledge-bases", headers=alice).json()] == ["Notes", "Other"]
    empty = http.post(f"/api/v1/knowledge-bases/{other['id']}/search", json={"query": "anything"}, headers=alice)
    assert empty.status_code == 200 and empty.json()["hits"] == []
