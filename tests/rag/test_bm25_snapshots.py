"""BM25 snapshots: written with each version, loaded by searches (no build on the query path), and when missing
or corrupt the search builds from the chunk store instead. Results always equal a fresh full rebuild's."""

import sqlite3
import threading

import numpy as np
import pytest

from worker.rag.bm25 import BM25Index, tokenize
from worker.rag.bm25_snapshot import BM25Snapshots
from worker.rag.chunk_store import ChunkStore
from worker.rag.index import KnowledgeIndex
from worker.rag.splitter import Chunk

TOPICS = ["coffee espresso grinder", "solar panel inverter", "bicycle chain gears", "garden tomato basil"]
QUERIES = ["espresso grinder", "solar inverter battery", "chain gears bicycle", "tomato", "basil coffee panel"]


def document(document_id: int, n: int = 6) -> list[Chunk]:
    rng = np.random.default_rng(document_id)
    words = " ".join(TOPICS).split() + [f"term{document_id}", "common"]
    return [Chunk(" ".join(rng.choice(words, 12)), page=None, heading=None, index=i) for i in range(n)]


def add(index: KnowledgeIndex, document_id: int, n: int = 6) -> None:
    rng = np.random.default_rng(1000 + document_id)
    vectors = rng.standard_normal((n, index.embedder.dim)).astype(np.float32)
    index.add_document(document_id, document(document_id, n), vectors / np.linalg.norm(vectors, axis=1)[:, None])


def full_rebuild_results(path, query: str, k: int = 10) -> list[tuple[int, float]]:
    store = ChunkStore(path / "chunks.sqlite3")
    try:
        return BM25Index.build(store.bm25_corpus()).search(tokenize(query), k)
    finally:
        store.close()


def bm25_results(index: KnowledgeIndex, query: str, k: int = 10) -> list[tuple[int, float]]:
    return [(hit.chunk_id, hit.score) for hit in index.search(query, mode="bm25", k=k)]


def snapshot_versions(path) -> list[int]:
    return sorted(int(p.name.split("-")[1]) for p in path.iterdir() if p.name.startswith("bm25-"))


@pytest.fixture
def kb(tmp_path, embedder):
    index = KnowledgeIndex(tmp_path / "kb", embedder)
    for document_id in (1, 2, 3):
        add(index, document_id)
    yield index
    index.close()


def test_writes_save_a_snapshot_per_version_and_searches_load_it(kb, embedder):
    reader = KnowledgeIndex(kb.index_dir, embedder)  # as another process would
    for query in QUERIES:
        assert bm25_results(reader, query) == full_rebuild_results(kb.index_dir, query)
    add(kb, 4)
    kb.delete_document(2)
    add(kb, 1, n=3)  # re-indexed: replaces its chunks
    version = kb.stats()["version"]
    assert snapshot_versions(kb.index_dir) == [version - 1, version]
    for query in QUERIES:
        expected = full_rebuild_results(kb.index_dir, query)
        assert bm25_results(reader, query) == expected
        assert bm25_results(kb, query) == expected
    hybrid = reader.search("term4 espresso", mode="hybrid", k=10)
    assert any(hit.document_id == 4 for hit in hybrid) and all(hit.document_id != 2 for hit in hybrid)
    assert reader.bm25_builds_on_search == 0 and kb.bm25_builds_on_search == 0
    reader.close()


def test_writers_back_to_back_never_leave_a_stale_snapshot(kb, embedder):
    """Two writers (separate connections, as two indexing processes) commit in turn while a reader searches."""
    writers = [KnowledgeIndex(kb.index_dir, embedder) for _ in range(2)]
    reader = KnowledgeIndex(kb.index_dir, embedder)
    errors = []

    def write(writer: KnowledgeIndex, document_ids: range) -> None:
        try:
            for document_id in document_ids:
                add(writer, document_id)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w, range(10 + 10 * i, 15 + 10 * i))) for i, w in enumerate(writers)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        reader.search("espresso common", mode="bm25", k=5)
    for thread in threads:
        thread.join()
    assert not errors
    assert reader.stats()["version"] == 3 + 10
    for query in QUERIES + ["term14 term24"]:
        assert bm25_results(reader, query) == full_rebuild_results(kb.index_dir, query)
    assert reader.bm25_builds_on_search == 0  # a version pruned mid-load would have counted here
    for index in (*writers, reader):
        index.close()


def test_snapshot_pruned_while_a_reader_loads_it(kb, embedder, monkeypatch):
    """Writers commit two versions between a reader's version check and its load: it catches up, no build."""
    reader = KnowledgeIndex(kb.index_dir, embedder)
    load = reader._bm25_snapshots.load
    loads = []

    def writers_go_first(version):
        loads.append(version)
        if len(loads) == 1:
            add(kb, 7)
            add(kb, 8)  # prunes every snapshot older than the previous version
        return load(version)

    monkeypatch.setattr(reader._bm25_snapshots, "load", writers_go_first)
    assert bm25_results(reader, "term8 espresso") == full_rebuild_results(kb.index_dir, "term8 espresso")
    assert loads == [loads[0], loads[0] + 2] and reader.bm25_builds_on_search == 0
    reader.close()


def corrupt_vocabulary(path, version: int) -> None:
    (path / f"bm25-{version:08d}" / "vocab.index.json").write_text('{"espresso": ')


def truncate_scores(path, version: int) -> None:
    data = path / f"bm25-{version:08d}" / "data.csc.index.npy"
    data.write_bytes(data.read_bytes()[:-7])


def delete_snapshot(path, version: int) -> None:
    BM25Snapshots(path).prune(keep=set())


@pytest.mark.parametrize("damage", [corrupt_vocabulary, truncate_scores, delete_snapshot])
def test_unusable_snapshot_falls_back_to_a_build(kb, embedder, damage):
    version = kb.stats()["version"]
    damage(kb.index_dir, version)
    reader = KnowledgeIndex(kb.index_dir, embedder)
    for query in QUERIES:
        assert bm25_results(reader, query) == full_rebuild_results(kb.index_dir, query)
    assert reader.bm25_builds_on_search == 1  # once for this version, then kept in memory
    add(kb, 4)  # the next write saves a good snapshot again
    assert bm25_results(reader, "term4") == full_rebuild_results(kb.index_dir, "term4")
    assert reader.bm25_builds_on_search == 1
    reader.close()


def test_crash_mid_save_leaves_the_previous_snapshot_whole(kb, embedder, monkeypatch):
    version = kb.stats()["version"]
    before = {query: bm25_results(kb, query) for query in QUERIES}

    def save_half_then_crash(self, directory):
        (directory / "chunk_ids.npy").write_bytes(b"\x93NUMPY")
        raise OSError("disk full")

    monkeypatch.setattr(BM25Index, "save", save_half_then_crash)
    with pytest.raises(OSError):
        add(kb, 9)
    monkeypatch.undo()
    (kb.index_dir / ".bm25-killed.tmp").mkdir()  # what a process killed mid-save leaves behind
    assert snapshot_versions(kb.index_dir) == [version - 1, version]
    reader = KnowledgeIndex(kb.index_dir, embedder)
    assert {query: bm25_results(reader, query) for query in QUERIES} == before
    assert reader.bm25_builds_on_search == 0
    add(kb, 9)
    assert not (kb.index_dir / ".bm25-killed.tmp").exists()
    assert bm25_results(reader, "term9") == full_rebuild_results(kb.index_dir, "term9") != []
    reader.close()


def test_files_with_text_tokens_are_converted(kb, embedder):
    """A knowledge base written before term ids (tokens as text, no BM25 snapshots) still searches the same."""
    expected = {query: bm25_results(kb, query) for query in QUERIES}
    kb.close()
    path = kb.index_dir
    BM25Snapshots(path).prune(keep=set())
    conn = sqlite3.connect(path / "chunks.sqlite3")
    conn.execute("ALTER TABLE chunks ADD COLUMN tokens TEXT NOT NULL DEFAULT ''")
    rows = [(" ".join(tokenize(text)), cid) for cid, text in conn.execute("SELECT id, text FROM chunks")]
    conn.executemany("UPDATE chunks SET tokens = ? WHERE id = ?", rows)
    conn.executescript("ALTER TABLE chunks DROP COLUMN token_ids; DROP TABLE terms;")
    conn.commit()
    conn.close()

    reopened = KnowledgeIndex(path, embedder)
    assert {query: bm25_results(reopened, query) for query in QUERIES} == expected
    assert reopened.bm25_builds_on_search == 1  # no snapshot of that version: built once
    add(reopened, 5)
    assert bm25_results(reopened, "term5") == full_rebuild_results(path, "term5") != []
    reopened.close()
