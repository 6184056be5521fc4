"""Whole documents as vectors: each document's mean chunk vector, and how well a question matches each document.

A passage can match a question's words while its document is about something else; a man page whose every
section is about the question's topic is a better answer than a page with one similar sentence. So a dense
search adds to every chunk's z-score the z-score of its document's mean vector among all documents (per
embedder part, as worker.rag.dense_fusion does for chunks). Chosen on bench/kbeval_dev's tune part
(BENCHMARKS.md): recall@5 / MRR@5 of the ensemble 0.931 / 0.836 -> 0.966 / 0.859, of all-MiniLM-L6-v2 hybrid
0.931 / 0.743 -> 0.966 / 0.825, with DOCUMENT_WEIGHT 1 (0.5 helps less, 2 costs MiniLM dense a page).
"""

from collections.abc import Callable, Sequence

import numpy as np

DOCUMENT_WEIGHT = 1.0


class DocumentVectors:
    """The documents' mean chunk vectors, updated per index version: a document whose chunks did not change
    keeps its mean, so a new version costs one pass over the chunk ids plus the new documents' vectors."""

    def __init__(self) -> None:
        self._members: dict[int, np.ndarray] = {}  # document id -> its chunk ids, sorted
        self._means: dict[int, np.ndarray] = {}
        self._chunk_ids = np.zeros(0, dtype=np.int64)  # sorted
        self._chunk_documents = np.zeros(0, dtype=np.int64)
        self.document_ids = np.zeros(0, dtype=np.int64)
        self.matrix = np.zeros((0, 0), dtype=np.float32)

    def update(
        self, chunk_ids: np.ndarray, document_ids: np.ndarray, vectors: Callable[[list[int]], np.ndarray]
    ) -> None:
        """Take the chunks (and their documents) a version holds; `vectors(ids)` gives chunks' vectors."""
        order = np.lexsort((chunk_ids, document_ids))
        chunks, owners = chunk_ids[order], document_ids[order]
        documents, starts = np.unique(owners, return_index=True)
        ends = [*starts[1:].tolist(), len(owners)][: len(starts)]
        members, means = {}, {}
        for document, start, end in zip(documents.tolist(), starts.tolist(), ends, strict=True):
            ids = chunks[start:end]
            previous = self._members.get(document)
            unchanged = previous is not None and np.array_equal(previous, ids)
            means[document] = self._means[document] if unchanged else vectors(ids.tolist()).mean(axis=0)
            members[document] = ids
        self._members, self._means = members, means
        by_chunk = np.argsort(chunk_ids)
        self._chunk_ids, self._chunk_documents = chunk_ids[by_chunk], document_ids[by_chunk]
        self.document_ids = documents
        self.matrix = np.stack([means[d] for d in documents.tolist()]) if len(documents) else self.matrix

    def document_of(self, chunk_id: int) -> int | None:
        at = int(np.searchsorted(self._chunk_ids, chunk_id))
        found = at < len(self._chunk_ids) and self._chunk_ids[at] == chunk_id
        return int(self._chunk_documents[at]) if found else None

    def standing(self, query: np.ndarray, segments: Sequence[slice]) -> dict[int, float]:
        """document id -> the sum over the voting parts of the z-score of cosine(query part, document part)."""
        if len(self.document_ids) < 2:
            return {}
        total = np.zeros(len(self.document_ids))
        for segment in segments:
            part = query[segment]
            if not part.any():
                continue
            means = self.matrix[:, segment]
            cosines = means @ part / (np.linalg.norm(means, axis=1) * np.linalg.norm(part) + 1e-12)
            total += (cosines - cosines.mean()) / (cosines.std() or 1.0)
        return dict(zip(self.document_ids.tolist(), total.tolist(), strict=True))

    def rerank(
        self, ranked: Sequence[tuple[int, float]], query: np.ndarray, segments: Sequence[slice]
    ) -> list[tuple[int, float]]:
        """`ranked` (chunk id, z-score) re-sorted with DOCUMENT_WEIGHT x its document's standing added."""
        standing = self.standing(query, segments)
        scored = [(cid, score + DOCUMENT_WEIGHT * standing.get(self.document_of(cid), 0.0)) for cid, score in ranked]
        return sorted(scored, key=lambda item: -item[1])
