"""Another user's knowledge bases and documents answer 404 to everything, and stay intact."""

from tests.knowledge.conftest import index_ok, search, sign_up


def test_other_users_get_404(http, alice, kb):
    document = index_ok(http, alice, kb["id"], ("secret.txt", b"The vault code is kept under the blue vase."))[0]
    bob = sign_up(http, "bob")
    kb_url, doc_url = f"/api/v1/knowledge-bases/{kb['id']}", f"/api/v1/documents/{document['id']}"
    attempts = [
        ("GET", kb_url, None),
        ("PATCH", kb_url, {"description": "mine now"}),
        ("GET", f"{kb_url}/documents", None),
        ("POST", f"{kb_url}/search", {"query": "vault code"}),
        ("GET", doc_url, None),
        ("GET", f"{doc_url}/events", None),
        ("POST", f"{doc_url}/reindex", None),
        ("DELETE", doc_url, None),
        ("DELETE", kb_url, None),
    ]
    for method, url, body in attempts:
        response = http.request(method, url, json=body, headers=bob)
        assert response.status_code == 404, (method, url, response.text)
        assert response.json()["error"]["code"] == "not_found"
    files = [("files", ("x.txt", b"bob's text", "text/plain"))]
    assert http.post(f"{kb_url}/documents", files=files, headers=bob).status_code == 404
    assert http.get("/api/v1/knowledge-bases", headers=bob).json() == []

    assert http.get(kb_url, headers=alice).json()["description"] is None
    assert "vault code" in search(http, alice, kb["id"], "vault code", "bm25")[0]["text"]
