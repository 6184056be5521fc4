"""One knowledge base on disk: vectors (FAISS snapshots) + chunk store (SQLite) + BM25 snapshots, searched together.

Consistency: a write happens inside one SQLite `BEGIN IMMEDIATE` transaction (which also serializes writers
across processes); the new vector and BM25 snapshots are written under the next version number before the
transaction that records that version commits. A crash at any point leaves the previous version whole. Readers
compare the stored version with the one they hold before every search and reload when it changed (building
BM25 from the chunk store only when its snapshot is missing or unreadable); hits are always resolved through
the chunk store, so a deleted chunk can never be returned.
"""

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
from loguru import logger

from worker.rag.background import background_vectors
from worker.rag.bm25 import CJK_CHAR, BM25Index, tokenize
from worker.rag.bm25_snapshot import BM25Snapshots
from worker.rag.chunk_store import ChunkStore
from worker.rag.cjk_gloss import english_reading
from worker.rag.dense_fusion import FUSION_POOL, fused_search
from worker.rag.document_vectors import DocumentVectors
from worker.rag.relevance import (
    COVERAGE_PASSAGES,
    DEFAULT_THRESHOLD,
    POOL,
    Relevance,
    content_terms,
    coverage,
    judge,
    standout,
)
from worker.rag.splitter import Chunk
from worker.rag.vector_store import FaissVectorStore, VectorStore

Mode = Literal["dense", "bm25", "hybrid"]
MODES: tuple[Mode, ...] = ("dense", "bm25", "hybrid")
RRF_K = 60
QUERY_CACHE = 256  # query embeddings kept per index: a search and its relevance decision embed the query once


class EmbedderLike(Protocol):
    model_name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...

    def encode_query(self, text: str, english: str | None = None) -> np.ndarray: ...


@dataclass(frozen=True)
class Hit:
    chunk_id: int
    document_id: int
    text: str
    page: int | None
    heading: str | None
    score: float
    similarity: float | None = None  # cosine(query, chunk): comparable across modes, used for "nothing relevant"


class KnowledgeIndex:
    def __init__(
        self,
        index_dir: str | Path,
        embedder: EmbedderLike,
        vector_store: VectorStore | None = None,
        hnsw_threshold: int = 20_000,
    ):
        self.index_dir = Path(index_dir)
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self._embedder = embedder
        self._chunks = ChunkStore(self.index_dir / "chunks.sqlite3")
        self._vectors = vector_store or FaissVectorStore(self.index_dir, embedder.dim, hnsw_threshold)
        self._bm25_snapshots = BM25Snapshots(self.index_dir)
        self._check_model()
        self._lock = threading.RLock()
        self._version = -1  # nothing loaded yet
        self._bm25: tuple[int, BM25Index] | None = None
        self.bm25_builds_on_search = 0  # searches that found no usable BM25 snapshot and built one
        self._query_vectors: OrderedDict[tuple[str, str | None], np.ndarray] = OrderedDict()
        self._documents = DocumentVectors()
        self._documents_version = -1

    @property
    def embedder(self) -> EmbedderLike:
        return self._embedder

    def close(self) -> None:
        self._chunks.close()

    # -- writes -------------------------------------------------------------------------------------

    def add_document(self, document_id: int, chunks: Sequence[Chunk], embeddings: np.ndarray | None = None) -> int:
        """Store a document's chunks (replacing any it had before); returns how many were stored."""
        texts = [c.text for c in chunks]
        if embeddings is None:
            embeddings = self._embedder.encode(texts)
        if len(embeddings) != len(chunks):
            raise ValueError(f"{len(chunks)} chunks but {len(embeddings)} embeddings")
        rows = [(c.index, c.text, c.page, c.heading, tokenize(c.text)) for c in chunks]
        with self._write():
            self._vectors.remove(np.asarray(self._chunks.delete_document(document_id), dtype=np.int64))
            ids = self._chunks.insert(document_id, rows)
            self._vectors.add(np.asarray(ids, dtype=np.int64), embeddings)
        return len(ids)

    def delete_document(self, document_id: int) -> int:
        """Remove a document's chunks and vectors; returns how many chunks went."""
        with self._write():
            ids = self._chunks.delete_document(document_id)
            self._vectors.remove(np.asarray(ids, dtype=np.int64))
        return len(ids)

    @contextmanager
    def _write(self) -> Iterator[None]:
        """Lock, catch up with the stored version, let the caller mutate, snapshot, commit version+1."""
        with self._lock:
            try:
                with self._chunks.write():
                    self._refresh()
                    yield
                    new_version = self._version + 1
                    self._vectors.save(new_version)
                    self._vectors.prune(keep={self._version, new_version})
                    bm25 = BM25Index.build(self._chunks.bm25_corpus())  # sees this transaction's changes
                    self._bm25_snapshots.save(new_version, bm25)
                    self._bm25_snapshots.prune(keep={self._version, new_version})
                    self._chunks.set_meta("version", str(new_version))
                    self._chunks.set_meta("dim", str(self._embedder.dim))
                    self._chunks.set_meta("embedding_model", self._embedder.model_name)
            except BaseException:
                self._version = -1  # the in-memory vectors may hold the failed change: reload on next use
                raise
            self._version = new_version
            self._bm25 = (new_version, bm25)

    # -- reads --------------------------------------------------------------------------------------

    def count(self, document_id: int | None = None) -> int:
        return self._chunks.count(document_id)

    def stats(self) -> dict:
        with self._lock:
            self._refresh()
            return {
                "version": self._version,
                "chunks": self._chunks.count(),
                "vectors": len(self._vectors),
                "vector_index": getattr(self._vectors, "kind", type(self._vectors).__name__),
            }

    def search(self, query: str, mode: Mode = "hybrid", k: int = 5) -> list[Hit]:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        if not query.strip() or k <= 0:
            return []
        query_vector = self.query_vector(query)
        pool = max(4 * k, 20) if mode == "hybrid" else k
        with self._lock:
            self._refresh()
            bm25 = self._bm25_index() if mode != "dense" else None  # may load a newer version of the vectors
            dense = self._dense_search(query_vector, pool) if mode != "bm25" else []
            sparse = bm25.search(tokenize(query), pool) if bm25 else []
            if mode == "hybrid":
                ranked = _reciprocal_rank_fusion([dense, sparse])
            else:
                ranked = dense or sparse
            rows = self._chunks.get([cid for cid, _ in ranked])
            ranked = [(cid, score) for cid, score in ranked if cid in rows]
            vectors = self._vectors.get([cid for cid, _ in ranked])
        similarities = vectors @ query_vector if len(ranked) else []
        hits = [
            Hit(cid, *rows[cid], score=score, similarity=float(sim))
            for (cid, score), sim in zip(ranked, similarities, strict=True)
        ]
        return hits[:k]

    def _dense_search(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Chunks by z-score (summed over an ensemble's parts), plus their documents' standing (see
        worker.rag.document_vectors)."""
        segments = getattr(self._embedder, "segments", None) or [slice(0, self._embedder.dim)]
        ranked = fused_search(self._vectors, query_vector, segments, max(k, FUSION_POOL))
        return self._document_vectors().rerank(ranked, query_vector, segments)[:k]

    def _document_vectors(self) -> DocumentVectors:
        """The loaded version's document vectors (brought up to date once per version)."""
        if self._documents_version != self._version:
            chunk_ids, document_ids = self._chunks.chunk_documents()
            held = np.isin(chunk_ids, self._vectors.ids())  # rows another writer added after this version
            self._documents.update(chunk_ids[held], document_ids[held], self._vectors.get)
            self._documents_version = self._version
        return self._documents

    def query_vector(self, query: str) -> np.ndarray:
        """The query's embedding, from a small LRU cache (a repeated question costs no model call)."""
        english = self._english_reading(query)
        key = (query, english)
        with self._lock:
            cached = self._query_vectors.get(key)
            if cached is not None:
                self._query_vectors.move_to_end(key)
                return cached
        vector = self._embedder.encode_query(query, english=english)
        with self._lock:
            self._query_vectors[key] = vector
            while len(self._query_vectors) > QUERY_CACHE:
                self._query_vectors.popitem(last=False)
        return vector

    def _english_reading(self, query: str) -> str | None:
        """A CJK question's dictionary English (worker.rag.cjk_gloss) when this knowledge base holds none of its
        CJK terms: its pages are then in another language, which an English-only embedder reads only so."""
        if not getattr(self._embedder, "needs_english_reading", False) or not CJK_CHAR.search(query):
            return None
        terms = [term for term in content_terms(query) if CJK_CHAR.search(term)]
        with self._lock:
            self._refresh()
            frequencies, _ = self._bm25_index().document_frequencies(terms)
        return None if any(frequencies) else english_reading(query)

    def assess(self, query: str, hits: Sequence[Hit], threshold: float = DEFAULT_THRESHOLD) -> Relevance:
        """Whether `hits` (this index's answer to `query`) hold anything relevant: see worker.rag.relevance."""
        if not hits:
            return judge(0.0, 0.0, 0.0, threshold)
        terms = content_terms(query)
        query_vector = self.query_vector(query)
        with self._lock:
            self._refresh()
            frequencies, chunks = self._bm25_index().document_frequencies(terms)
            nearest = [score for _, score in self._vectors.search(query_vector, POOL)]
        background = background_vectors(self._embedder) @ query_vector if len(nearest) < POOL else []
        passages = [hit.text for hit in hits[:COVERAGE_PASSAGES]]
        share = coverage(terms, frequencies, chunks, passages)
        similarity, z = standout(nearest, [float(s) for s in background])
        return judge(similarity, share, z, threshold)

    def _refresh(self) -> None:
        """Load the vector snapshot of the current version if another writer (or process) moved it on."""
        for attempt in range(5):
            version = self._chunks.version()
            if version == self._version:
                return
            try:
                self._vectors.load(version)
            except FileNotFoundError:  # a writer pruned it between our two reads; read the version again
                if attempt == 4:
                    raise
                continue
            self._version = version
            return

    def _bm25_index(self) -> BM25Index:
        """The loaded version's BM25 index: its snapshot, else (missing or unreadable) built from the chunk store.

        A snapshot vanishes under a reader when writers commit two newer versions meanwhile (they prune it): then
        catch up, vectors included, so that both rankings of one search come from the same version.
        """
        for _ in range(5):
            if self._bm25 is not None and self._bm25[0] == self._version:
                return self._bm25[1]
            try:
                self._bm25 = (self._version, self._bm25_snapshots.load(self._version))
            except Exception as exc:  # noqa: BLE001 - any unusable snapshot: the chunk store has the truth
                if self._chunks.version() == self._version:
                    logger.warning("{}: BM25 snapshot {} unusable: {!r}", self.index_dir, self._version, exc)
                    self._bm25 = self._build_bm25()
                self._refresh()  # catch up with the writers (a no-op when none committed meanwhile)
        raise RuntimeError(f"{self.index_dir} kept changing while its BM25 index was loaded")

    def _build_bm25(self) -> tuple[int, BM25Index]:
        with self._chunks.read():
            version = self._chunks.version()
            index = BM25Index.build(self._chunks.bm25_corpus())
        self.bm25_builds_on_search += 1
        return version, index

    def _check_model(self) -> None:
        stored_dim = self._chunks.get_meta("dim")
        if stored_dim is not None and int(stored_dim) != self._embedder.dim:
            raise ValueError(
                f"{self.index_dir} holds {stored_dim}-d vectors from "
                f"{self._chunks.get_meta('embedding_model')}; embedder gives {self._embedder.dim}-d"
            )


def _reciprocal_rank_fusion(rankings: list[list[tuple[int, float]]]) -> list[tuple[int, float]]:
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, (cid, _) in enumerate(ranking, start=1):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(scores.items(), key=lambda item: -item[1])
