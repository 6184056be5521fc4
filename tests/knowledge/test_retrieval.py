"""Worker-side helpers on a real knowledge base: `retrieve` for the chat worker and the `kb eval` CLI."""

import json
from pathlib import Path

from tests.knowledge.conftest import index_ok, sign_up
from worker.jobs.knowledge import eval_cli
from worker.jobs.knowledge.retrieval import Retrieved, retrieve

CORPUS = Path(__file__).resolve().parents[1] / "data" / "rag" / "corpus"
QUESTION = "What pressure is used to pull an espresso shot?"


def test_retrieve_and_eval(http, alice, kb, tmp_path, capsys):
    files = [(name, (CORPUS / name).read_bytes()) for name in ("coffee_brewing.txt", "solar_energy.md")]
    coffee, _ = index_ok(http, alice, kb["id"], *files)
    alice_id = http.get("/api/v1/users/me", headers=alice).json()["id"]
    bob_id = http.get("/api/v1/users/me", headers=sign_up(http, "bob")).json()["id"]

    retrieved = retrieve([kb["id"]], alice_id, QUESTION, budget_tokens=400)
    assert retrieved.context.startswith("[1] ") and "nine bars" in retrieved.context
    [decision] = retrieved.relevance
    assert decision["knowledge_base_id"] == kb["id"] and decision["relevant"] and decision["threshold"] == 1.87
    first = retrieved.citations[0]
    assert (first["n"], first["document_id"], first["document_name"]) == (1, coffee["id"], "coffee_brewing.txt")
    assert {"page", "snippet", "score"} <= first.keys()
    assert retrieve([kb["id"]], bob_id, QUESTION, budget_tokens=400) == Retrieved()
    assert retrieve([], alice_id, QUESTION, budget_tokens=400) == Retrieved()
    unanswerable = retrieve([kb["id"]], alice_id, "Who won the 1966 football world cup?", budget_tokens=400)
    assert (unanswerable.context, unanswerable.citations) == ("", [])
    assert unanswerable.relevance[0]["relevant"] is False

    golden = tmp_path / "golden.jsonl"
    lines = [
        {"question": QUESTION, "document": "coffee_brewing.txt", "answer_contains": "nine bars"},
        {"question": "How does the utility credit surplus electricity?", "document": "solar_energy.md"},
    ]
    golden.write_text("\n".join(json.dumps(line) for line in lines))
    assert eval_cli.main(["--kb", str(kb["id"]), "--golden", str(golden), "-k", "3"]) == 0
    report = capsys.readouterr().out
    assert "2 documents" in report and all(mode in report for mode in ("dense", "bm25", "hybrid"))
    assert eval_cli.main(["--kb", "999", "--golden", str(golden)]) == 2
