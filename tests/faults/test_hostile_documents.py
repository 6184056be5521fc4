"""Hostile documents on the production pool: a `celery worker --pool prefork` subprocess (as start_all.sh runs
indexing) starts the parser sandbox from a daemonic pool process and turns each attack into a failed document
with its reason, while a plain file next to them is indexed."""

import time

import pytest

from tests.faults.conftest import Stack
from tests.security import hostile_files


@pytest.mark.slow  # ~20 s: a prefork worker that loads MiniLM, on the package's stack
def test_prefork_indexing_worker_fails_hostile_documents_with_reasons(stack: Stack):
    stack.ensure_up()
    stack.start_worker("indexing", pool="prefork", concurrency=1, env={"PARSE_TIMEOUT_SECONDS": "2"})
    try:
        files = {
            "padded.docx": hostile_files.padded_zip_bomb_docx(),
            "long.html": hostile_files.many_paragraphs_html(),
            "ok.txt": b"Alpacas hum softly when they are content.",
        }
        with stack.client() as http:
            kb = http.post("/api/v1/knowledge-bases", json={"name": "bombs"}, headers=stack.admin).json()["id"]
            upload = [("files", (name, data, "application/octet-stream")) for name, data in files.items()]
            response = http.post(f"/api/v1/knowledge-bases/{kb}/documents", files=upload, headers=stack.admin)
            assert response.status_code == 201, response.text
            outcome = {}
            for document in response.json():
                deadline = time.time() + 120
                while (got := http.get(f"/api/v1/documents/{document['id']}", headers=stack.admin).json())[
                    "status"
                ] not in ("indexed", "failed"):
                    assert time.time() < deadline, got
                    time.sleep(0.3)
                outcome[got["filename"]] = (got["status"], got["error"])
    finally:
        stack.stop_worker("indexing")  # its 2 s parse limit is this test's alone
    assert outcome["padded.docx"] == ("failed", "padded.docx expands to 20 MB (339x); refused as a zip bomb.")
    assert outcome["long.html"] == ("failed", "Parsing long.html stopped: it took longer than 2 s.")
    assert outcome["ok.txt"] == ("indexed", None)
