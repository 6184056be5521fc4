import shutil

import numpy as np
import pytest

from worker.rag.index import KnowledgeIndex
from worker.rag.splitter import Chunk

DOCS = {
    1: [
        "Solar panels convert sunlight into electricity with photovoltaic cells.",
        "An inverter turns the panels' direct current into alternating current.",
    ],
    2: [
        "Espresso is brewed by forcing hot water through finely ground coffee at nine bars.",
        "Cold brew steeps coarse coffee grounds in cold water for twelve hours.",
    ],
    3: ["长城是中国古代的军事防御工程。", "现存的长城大多是明朝修建的。"],
}


def chunks(texts):
    return [Chunk(text=t, page=i + 1, heading="H", index=i) for i, t in enumerate(texts)]


@pytest.fixture(scope="module")
def built(tmp_path_factory, embedder):
    """Embed the sample documents once; tests that write get their own copy of the directory."""
    path = tmp_path_factory.mktemp("built") / "kb"
    index = KnowledgeIndex(path, embedder)
    for document_id, texts in DOCS.items():
        index.add_document(document_id, chunks(texts))
    yield index
    index.close()


@pytest.fixture
def index(built, tmp_path, embedder):
    shutil.copytree(built.index_dir, tmp_path / "kb")
    index = KnowledgeIndex(tmp_path / "kb", embedder)
    yield index
    index.close()


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("how is espresso made", "Espresso is brewed"),
        ("inverter alternating current", "An inverter"),
        ("长城是哪个朝代修建的", "明朝"),
    ],
)
def test_search_finds_the_right_chunk(built, mode, query, expected):
    hits = built.search(query, mode=mode, k=3)
    assert expected in hits[0].text
    assert hits[0].page is not None and hits[0].heading == "H"
    assert hits[0].similarity > 0.3


def test_delete_document_never_comes_back(index, tmp_path, embedder):
    assert index.count() == 6 and index.count(2) == 2
    assert index.delete_document(2) == 2
    for mode in ("dense", "bm25", "hybrid"):
        assert all(hit.document_id != 2 for hit in index.search("espresso coffee cold brew", mode=mode, k=10))
    reopened = KnowledgeIndex(tmp_path / "kb", embedder)
    assert reopened.count() == 4 and reopened.count(2) == 0
    assert reopened.stats()["vectors"] == 4
    assert all(hit.document_id != 2 for hit in reopened.search("espresso coffee", mode="hybrid", k=10))


def test_re_adding_a_document_replaces_its_chunks(index):
    index.add_document(1, chunks(["Wind turbines generate power from moving air."]))
    assert index.count(1) == 1 and index.stats()["vectors"] == 5
    assert "Wind turbines" in index.search("wind power", mode="dense", k=1)[0].text


def test_second_instance_sees_writes_of_the_first(index, tmp_path, embedder):
    reader = KnowledgeIndex(tmp_path / "kb", embedder)
    assert reader.search("espresso", mode="bm25", k=1)[0].document_id == 2
    version = reader.stats()["version"]
    index.add_document(4, chunks(["Bicycle chains need lubrication every few hundred kilometres."]))
    index.delete_document(2)
    assert reader.stats()["version"] == version + 2
    assert reader.search("bicycle chain lubrication", mode="hybrid", k=1)[0].document_id == 4
    assert all(h.document_id != 2 for h in reader.search("espresso", mode="hybrid", k=10))
    reader.close()


def test_crash_mid_write_leaves_previous_version_whole(index, tmp_path, embedder, monkeypatch):
    before = index.stats()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(index._chunks, "set_meta", crash)  # snapshot written, commit never happens
    with pytest.raises(OSError):
        index.add_document(9, chunks(["This chunk must not survive the crash."]))
    monkeypatch.undo()
    reopened = KnowledgeIndex(tmp_path / "kb", embedder)
    assert reopened.stats() == before
    assert index.stats() == before  # the writer itself reloads rather than trusting memory
    index.add_document(9, chunks(["Written after recovery."]))
    assert reopened.stats()["chunks"] == reopened.stats()["vectors"] == before["chunks"] + 1


def test_hnsw_past_threshold_with_deletes(tmp_path, embedder):
    index = KnowledgeIndex(tmp_path / "big", embedder, hnsw_threshold=4)
    for document_id, texts in DOCS.items():
        index.add_document(document_id, chunks(texts))
    assert index.stats()["vector_index"] == "hnsw"
    index.delete_document(2)
    assert index.stats()["vectors"] == 4
    reopened = KnowledgeIndex(tmp_path / "big", embedder, hnsw_threshold=4)
    hits = reopened.search("espresso coffee", mode="dense", k=10)
    assert len(hits) == 4 and all(h.document_id != 2 for h in hits)


def test_embeddings_must_match_chunks(tmp_path, embedder):
    index = KnowledgeIndex(tmp_path / "x", embedder)
    with pytest.raises(ValueError):
        index.add_document(1, chunks(["a", "b"]), np.zeros((1, embedder.dim), dtype=np.float32))
    assert index.count() == 0 and index.search("a", mode="hybrid") == []


def test_assess_tells_an_answerable_question_from_an_unanswerable_one(built):
    question = "How is espresso brewed?"
    answerable = built.assess(question, built.search(question, mode="hybrid", k=5))
    off_topic = "What is the capital of Australia?"
    unanswerable = built.assess(off_topic, built.search(off_topic, mode="hybrid", k=5))
    assert answerable.relevant and answerable.coverage == 1.0
    assert not unanswerable.relevant and unanswerable.coverage == 0.0
    assert unanswerable.score < answerable.score - 0.5
    assert not built.assess(question, []).relevant


def test_dense_search_follows_documents_through_writes_and_deletes(tmp_path, embedder):
    """The document vectors are brought up to date with every version, down to an empty knowledge base."""
    index = KnowledgeIndex(tmp_path / "kb", embedder)
    index.add_document(
        1,
        chunks(
            [
                "Espresso is brewed by forcing hot water through finely ground coffee.",
                "A fine, even grind and fresh beans give espresso its crema.",
                "Pull an espresso shot in 25 to 30 seconds at nine bars of pressure.",
            ]
        ),
    )
    index.add_document(2, chunks(["Solar panels need no espresso.", "An inverter converts direct current."]))
    assert index.search("how do I brew a good espresso shot", mode="dense", k=1)[0].document_id == 1
    index.delete_document(1)
    assert {hit.document_id for hit in index.search("espresso", mode="dense", k=3)} == {2}
    index.delete_document(2)
    assert index.search("espresso", mode="dense", k=3) == []
    index.close()
