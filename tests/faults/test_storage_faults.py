"""The database locked by another writer, and the indexing worker killed mid-document.

Real processes (see conftest). Nothing half-written: every question keeps its answer row, every document ends
`failed` with a reason or `indexed`, and the FAISS index on disk agrees with the database.
"""

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.faults.conftest import Stack, new_conversation, wait_for

SHORT = {"max_new_tokens": 8, "temperature": 0}


def _hold_write_lock(stack: Stack, seconds: float, started: threading.Event) -> None:
    """Another process's long write transaction: BEGIN EXCLUSIVE on the same SQLite file."""
    conn = sqlite3.connect(stack.db_path, timeout=30, isolation_level=None)
    try:
        conn.execute("BEGIN EXCLUSIVE")
        started.set()
        time.sleep(seconds)
        conn.execute("COMMIT")
    finally:
        conn.close()


def _post_message(stack: Stack, headers: dict, conversation: int, content: str):
    with stack.client(timeout=90) as http:
        return http.post(
            f"/api/v1/conversations/{conversation}/messages",
            json={"content": content, "stream": False, "params": SHORT},
            headers=headers,
        )


def _locked(stack: Stack, seconds: float, requests: list) -> list:
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(stack, seconds, started))
    holder.start()
    try:
        assert started.wait(10)
        with ThreadPoolExecutor(len(requests)) as pool:
            return list(pool.map(lambda call: call(), requests))
    finally:
        holder.join(seconds + 30)


@pytest.fixture(scope="module")
def chat_stack(stack: Stack) -> Stack:
    stack.ensure_up()
    # The killed-indexing test's first worker starts now: its ~10 s of imports overlap the lock tests (no indexing).
    stack.spawn_worker("indexing", pool="prefork", concurrency=1)
    return stack


def test_short_lock_is_waited_out(chat_stack: Stack):
    """A 3 s lock is shorter than busy_timeout (10 s): every request waits and succeeds."""
    stack = chat_stack
    headers = stack.sign_up("patient")
    conversations = [new_conversation(stack, headers) for _ in range(3)]
    calls = [lambda c=c: _post_message(stack, headers, c, f"Question {c}") for c in conversations]
    calls.append(lambda: stack.client().get("/api/v1/conversations", headers=headers))
    responses = _locked(stack, 3, calls)
    for response in responses[:3]:
        assert response.status_code in (200, 201), response.text
        assert response.json()["status"] == "done"
    assert responses[3].status_code == 200  # reads go on during a write lock (WAL)
    stack.assert_nothing_lost()


def test_long_lock_gives_clear_503_and_no_half_written_rows(chat_stack: Stack):
    """A 13 s lock outlasts busy_timeout: a clear 503 (or a late success), never a question without an answer."""
    stack = chat_stack
    headers = stack.sign_up("impatient")
    conversation = new_conversation(stack, headers)
    (response,) = _locked(stack, 13, [lambda: _post_message(stack, headers, conversation, "Locked out?")])
    assert response.status_code in (200, 201, 503), f"{response.status_code}: {response.text}"
    if response.status_code == 503:
        body = response.json()["error"]
        assert body["code"] and body["message"], body
    stack.assert_nothing_lost()
    # After the lock, the same conversation works.
    again = _post_message(stack, headers, conversation, "And now?")
    assert again.status_code in (200, 201) and again.json()["status"] == "done", again.text
    stack.assert_nothing_lost()


# -- indexing worker killed mid-document --------------------------------------------------------------


def _big_text(n_sentences: int = 1200) -> bytes:
    """~107 chunks, 4 embedding batches: seconds in `embedding` (polled every 0.1 s), then a full reindex."""
    words = ["otter", "river", "stone", "night", "lamp", "harbor", "copper", "violet", "signal", "meadow"]
    lines = [
        f"Sentence {i}: the {words[i % 10]} near the {words[(i * 7) % 10]} keeps record {i * 13 % 997}."
        for i in range(n_sentences)
    ]
    return "\n".join(lines).encode()


def _documents(stack: Stack, headers: dict, kb_id: int) -> dict[int, dict]:
    with stack.client() as http:
        response = http.get(f"/api/v1/knowledge-bases/{kb_id}/documents", headers=headers)
    assert response.status_code == 200, response.text
    return {d["id"]: d for d in response.json()}


def _index_stats(stack: Stack, kb_id: int, document_ids: list[int]) -> tuple[dict, dict[int, int]]:
    """Load the knowledge base's index from disk, as a fresh worker would."""
    from worker.rag.index import KnowledgeIndex

    class _Dim:  # only the dimension is needed to open the index read-only
        dim = 384

    index = KnowledgeIndex(stack.store / "indexes" / f"kb-{kb_id}", _Dim())
    try:
        return index.stats(), {d: index.count(d) for d in document_ids}
    finally:
        index.close()


@pytest.mark.slow  # ~60-90 s: a prefork indexing worker loads MiniLM twice (before and after the kill)
def test_indexing_worker_killed_mid_document(chat_stack: Stack):
    stack = chat_stack
    worker = stack.workers["indexing"]  # spawned by `chat_stack`
    headers = stack.sign_up("librarian")
    stack.wait_worker_ready(worker)
    with stack.client() as http:
        kb = http.post("/api/v1/knowledge-bases", json={"name": "Faults"}, headers=headers).json()
        small = http.post(
            f"/api/v1/knowledge-bases/{kb['id']}/documents",
            files=[("files", ("small.txt", b"Otters hold hands while sleeping.", "text/plain"))],
            headers=headers,
        ).json()[0]
    wait_for(lambda: _documents(stack, headers, kb["id"])[small["id"]]["status"] == "indexed", 90, what="small doc")

    with stack.client() as http:
        big = http.post(
            f"/api/v1/knowledge-bases/{kb['id']}/documents",
            files=[("files", ("big.txt", _big_text(), "text/plain"))],
            headers=headers,
        ).json()[0]
    wait_for(
        lambda: _documents(stack, headers, kb["id"])[big["id"]]["status"] == "embedding",
        60,
        interval=0.1,
        what="the big document to reach `embedding`",
    )
    worker.kill9()
    # The replacement starts now: its imports overlap the lease expiry (20 s) that fails the document. It consumes
    # nothing before the reindex below (the killed task's message stays unacked; the document is not queued).
    replacement = stack.spawn_worker("indexing", pool="prefork", concurrency=1)

    failed = wait_for(
        lambda: (d := _documents(stack, headers, kb["id"])[big["id"]])["status"] in ("failed", "indexed") and d,
        45,
        what="the killed document to leave `embedding`",
    )
    assert failed["status"] == "failed" and failed["error"], failed
    stats, counts = _index_stats(stack, kb["id"], [small["id"], big["id"]])
    assert counts[big["id"]] == 0, "a killed run left chunks of a failed document in the index"
    assert counts[small["id"]] == _documents(stack, headers, kb["id"])[small["id"]]["chunks"] > 0
    assert stats["chunks"] == stats["vectors"] == counts[small["id"]], stats

    stack.wait_worker_ready(replacement)
    with stack.client() as http:
        assert http.post(f"/api/v1/documents/{big['id']}/reindex", headers=headers).status_code == 202
    done = wait_for(
        lambda: (d := _documents(stack, headers, kb["id"])[big["id"]])["status"] in ("failed", "indexed") and d,
        120,
        what="the reindexed document",
    )
    assert done["status"] == "indexed", done
    documents = _documents(stack, headers, kb["id"])
    stats, counts = _index_stats(stack, kb["id"], [small["id"], big["id"]])
    for document_id, count in counts.items():
        assert count == documents[document_id]["chunks"], (document_id, count, documents[document_id])
    assert stats["chunks"] == stats["vectors"] == sum(counts.values()), stats
