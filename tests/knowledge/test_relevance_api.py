"""Per-knowledge-base retrieval settings, and the relevance decision in the search API."""

from pathlib import Path

from tests.knowledge.conftest import index_ok

CORPUS = Path(__file__).resolve().parents[1] / "data" / "rag" / "corpus"


def test_settings_and_relevance_in_search(http, alice):
    created = http.post(
        "/api/v1/knowledge-bases",
        json={"name": "Docs", "retrieval_mode": "bm25", "relevance_threshold": 0.5},
        headers=alice,
    ).json()
    assert (created["retrieval_mode"], created["relevance_threshold"]) == ("bm25", 0.5)
    url = f"/api/v1/knowledge-bases/{created['id']}"
    for bad in ({"retrieval_mode": "fuzzy"}, {"relevance_threshold": 3.5}):
        refused = http.patch(url, json=bad, headers=alice)
        assert refused.status_code == 422, refused.text
    patched = http.patch(url, json={"retrieval_mode": "hybrid", "relevance_threshold": None}, headers=alice).json()
    assert (patched["retrieval_mode"], patched["relevance_threshold"]) == ("hybrid", None)

    index_ok(http, alice, created["id"], ("coffee_brewing.txt", (CORPUS / "coffee_brewing.txt").read_bytes()))
    answerable = http.post(f"{url}/search", json={"query": "espresso pressure in bars"}, headers=alice).json()
    assert answerable["mode"] == "hybrid" and answerable["hits"]
    assert answerable["relevance"]["relevant"] and answerable["relevance"]["threshold"] == 1.87
    unanswerable = http.post(f"{url}/search", json={"query": "Who painted the Mona Lisa?"}, headers=alice).json()
    decision = unanswerable["relevance"]
    assert not decision["relevant"] and decision["score"] < decision["threshold"]
    expected = decision["coverage"] + 0.5 * decision["standout"]
    assert abs(decision["score"] - expected) < 1e-3

    http.patch(url, json={"relevance_threshold": 0.0, "retrieval_mode": "dense"}, headers=alice)
    lenient = http.post(f"{url}/search", json={"query": "Who painted the Mona Lisa?"}, headers=alice).json()
    assert lenient["mode"] == "dense" and lenient["relevance"]["relevant"]


def test_a_multilingual_knowledge_base_answers_chinese_with_its_own_threshold(http, alice):
    created = http.post(
        "/api/v1/knowledge-bases",
        json={"name": "Multilingual", "embedding_model": "multilingual-e5-small", "retrieval_mode": "dense"},
        headers=alice,
    ).json()
    assert created["embedding_model"] == "multilingual-e5-small", created
    index_ok(http, alice, created["id"], ("coffee_brewing.txt", (CORPUS / "coffee_brewing.txt").read_bytes()))
    url = f"/api/v1/knowledge-bases/{created['id']}/search"
    answerable = http.post(url, json={"query": "意式浓缩咖啡需要多大的压力？"}, headers=alice).json()
    assert answerable["hits"] and answerable["relevance"]["threshold"] == 1.50, answerable
    assert answerable["relevance"]["relevant"], answerable["relevance"]
    unanswerable = http.post(url, json={"query": "Who painted the Mona Lisa?"}, headers=alice).json()
    assert not unanswerable["relevance"]["relevant"], unanswerable["relevance"]


def test_the_ensemble_knowledge_base_searches_dense_by_default_in_both_languages(http, alice):
    created = http.post(
        "/api/v1/knowledge-bases",
        json={"name": "Ensemble", "embedding_model": "multilingual-e5-small+all-MiniLM-L6-v2"},
        headers=alice,
    ).json()
    assert created["embedding_model"] == "multilingual-e5-small+all-MiniLM-L6-v2"
    assert created["retrieval_mode"] == "dense", created
    index_ok(http, alice, created["id"], ("coffee_brewing.txt", (CORPUS / "coffee_brewing.txt").read_bytes()))
    url = f"/api/v1/knowledge-bases/{created['id']}/search"
    for question in ("How much pressure does an espresso machine use?", "意式浓缩咖啡需要多大的压力？"):
        found = http.post(url, json={"query": question}, headers=alice).json()
        assert found["mode"] == "dense" and found["hits"], found
        assert found["relevance"]["relevant"] and found["relevance"]["threshold"] == 1.84, found["relevance"]
    unanswerable = http.post(url, json={"query": "Who painted the Mona Lisa?"}, headers=alice).json()
    assert not unanswerable["relevance"]["relevant"], unanswerable["relevance"]
