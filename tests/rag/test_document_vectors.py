"""Documents' mean vectors: kept per document across versions, and the standing they add to chunks."""

import numpy as np
import pytest

from worker.rag.document_vectors import DOCUMENT_WEIGHT, DocumentVectors


def unit(*values):
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


VECTORS = {1: unit(1, 0, 0), 2: unit(1, 1, 0), 3: unit(0, 1, 0), 4: unit(0, 0, 1), 5: unit(0, 1, 1)}


def test_means_are_per_document_and_only_changed_documents_are_recomputed():
    asked: list[list[int]] = []

    def vectors(ids):
        asked.append(ids)
        return np.stack([VECTORS[i] for i in ids])

    documents = DocumentVectors()
    documents.update(np.array([3, 1, 2, 4]), np.array([10, 10, 10, 20]), vectors)
    assert documents.document_ids.tolist() == [10, 20]
    assert documents.matrix[0] == pytest.approx((VECTORS[1] + VECTORS[2] + VECTORS[3]) / 3)
    assert documents.document_of(3) == 10 and documents.document_of(4) == 20 and documents.document_of(9) is None
    asked.clear()
    documents.update(np.array([1, 2, 3, 4, 5]), np.array([10, 10, 10, 20, 20]), vectors)
    assert asked == [[4, 5]]  # document 10 kept its mean
    assert documents.matrix[1] == pytest.approx((VECTORS[4] + VECTORS[5]) / 2)


def test_a_chunk_of_the_document_about_the_question_overtakes_a_slightly_better_lone_chunk():
    documents = DocumentVectors()
    documents.update(
        np.array([1, 2, 3, 4, 5]), np.array([10, 10, 20, 30, 30]), lambda ids: np.stack([VECTORS[i] for i in ids])
    )
    query = unit(0, 0, 1)
    standing = documents.standing(query, [slice(0, 3)])
    assert standing[30] > max(standing[10], standing[20])
    reranked = documents.rerank([(3, 0.5), (4, 0.4)], query, [slice(0, 3)])
    assert [cid for cid, _ in reranked] == [4, 3]
    assert dict(reranked)[4] == pytest.approx(0.4 + DOCUMENT_WEIGHT * standing[30])
