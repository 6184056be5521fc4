"""Whole documents as vectors: each document's mean chunk vector, and how well a question matches each document.

A passage can match a question's words while its document is about something else; a man page whose every
section is about the question's topic is a better answer than a page with one similar sentence. So a dense
search adds to every chunk's z-score the z-score of its document's mean vector among all documents (per
embedder part, as worker.rag.dense_fusion does for chunks). Chosen on bench/kbeval_dev's tune part
(BENCHMARKS.md): recall@5 / MRR@5 of the ensemble 0.931 / 0.836 -> 0.966 / 0.859, of all-MiniLM-L6-v2 hybrid
0.931 / 0.743 -> 0.966 / 0.825, with DOCUMENT_WEIGHT 1 (0.5 helps less, 2 costs MiniLM dense a page).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DOCUMENT_WEIGHT = 1.0


@dataclass(frozen=True)
class DocumentVectors:
    document_ids: np.ndarray  # int64, one per row of `means`
    means: np.ndarray  # float32, each document's mean chunk vector

    @classmethod
    def build(cls, chunk_ids: np.ndarray, vectors: np.ndarray, documents: dict[int, int]) -> "DocumentVectors":
        """Means of `vectors` (rows keyed by `chunk_ids`) grouped by `documents[chunk id]`."""
        owners = np.array([documents.get(int(cid), -1) for cid in chunk_ids], dtype=np.int64)
        known = owners >= 0
        document_ids, rows = np.unique(owners[known], return_inverse=True)
        sums = np.zeros((len(document_ids), vectors.shape[1]), dtype=np.float64)
        np.add.at(sums, rows, vectors[known])
        counts = np.bincount(rows, minlength=len(document_ids))[:, None]
        return cls(document_ids, (sums / np.maximum(counts, 1)).astype(np.float32))

    def standing(self, query: np.ndarray, segments: Sequence[slice]) -> dict[int, float]:
        """document id -> the sum over the voting parts of the z-score of cosine(query part, document part)."""
        total = np.zeros(len(self.document_ids))
        if len(self.document_ids) < 2:
            return {}
        for segment in segments:
            part = query[segment]
            if not part.any():
                continue
            means = self.means[:, segment]
            cosines = means @ part / (np.linalg.norm(means, axis=1) * np.linalg.norm(part) + 1e-12)
            total += (cosines - cosines.mean()) / (cosines.std() or 1.0)
        return dict(zip(self.document_ids.tolist(), total.tolist(), strict=True))


def with_documents(
    ranked: Sequence[tuple[int, float]], documents: dict[int, int], standing: dict[int, float]
) -> list[tuple[int, float]]:
    """`ranked` (chunk id, z-score) re-sorted with DOCUMENT_WEIGHT x its document's standing added."""
    scored = [(cid, score + DOCUMENT_WEIGHT * standing.get(documents.get(cid, -1), 0.0)) for cid, score in ranked]
    return sorted(scored, key=lambda item: -item[1])
