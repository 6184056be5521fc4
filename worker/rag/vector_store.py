"""Vector storage behind a small interface (FAISS here; pgvector or Qdrant could implement the same).

FaissVectorStore keeps one knowledge base's vectors in memory under their chunk ids (IndexIDMap2), exact
inner product while small and HNSW past `hnsw_threshold`. Snapshots are versioned files written atomically
(temp file, fsync, os.replace); the caller records which version is current.
"""

import os
import re
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path

import faiss
import numpy as np

_SNAPSHOT = re.compile(r"^vectors-(\d+)\.npz$")


class VectorStore(ABC):
    """Vectors are L2-normalized float32 rows keyed by int64 chunk ids; scores are inner products."""

    @abstractmethod
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    @abstractmethod
    def remove(self, ids: np.ndarray) -> None: ...

    @abstractmethod
    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]: ...

    @abstractmethod
    def get(self, ids: list[int]) -> np.ndarray: ...

    @abstractmethod
    def ids(self) -> np.ndarray:
        """The ids of every stored vector (int64)."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def save(self, version: int) -> None:
        """Make the current contents durable as `version` (not yet current until the caller commits)."""

    @abstractmethod
    def load(self, version: int) -> None:
        """Replace the in-memory contents with snapshot `version`."""

    @abstractmethod
    def prune(self, keep: set[int]) -> None:
        """Delete snapshots other than `keep` (old versions, or leftovers of a crashed write)."""


class FaissVectorStore(VectorStore):
    def __init__(
        self,
        directory: str | Path,
        dim: int,
        hnsw_threshold: int = 20_000,
        hnsw_m: int = 32,
        ef_construction: int = 80,
        ef_search: int = 64,
        compact_ratio: float = 0.2,
    ):
        self.directory = Path(directory)
        self.dim = dim
        self.hnsw_threshold = hnsw_threshold
        self._hnsw_m = hnsw_m
        self._ef_construction = ef_construction
        self._ef_search = ef_search
        self._compact_ratio = compact_ratio
        self._index = self._new_index(hnsw=False)
        self._deleted = np.zeros(0, dtype=np.int64)  # tombstones: HNSW cannot remove vectors in place

    @property
    def kind(self) -> str:
        return "hnsw" if self._is_hnsw() else "flat"

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        ids = np.asarray(ids, dtype=np.int64)
        if not self._is_hnsw() and self._index.ntotal + len(ids) > self.hnsw_threshold:
            self._rebuild(hnsw=True)
        self._index.add_with_ids(vectors, ids)

    def remove(self, ids: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return
        if not self._is_hnsw():
            self._index.remove_ids(faiss.IDSelectorBatch(ids))
            return
        self._deleted = np.union1d(self._deleted, ids)
        if len(self._deleted) > self._compact_ratio * self._index.ntotal:
            self._rebuild(hnsw=self._index.ntotal - len(self._deleted) > self.hnsw_threshold)

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        k = min(k, len(self))
        if k <= 0:
            return []
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, self.dim)
        # One query gains nothing from OpenMP threads; on a busy host their spin-waits cost tens of ms.
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, ids = self._search(query, k)
        finally:
            faiss.omp_set_num_threads(threads)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def _search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if self._is_hnsw():
            params = faiss.SearchParametersHNSW(efSearch=max(self._ef_search, 2 * k))
            selectors = []  # SWIG parameter objects do not own their selectors; keep them alive here
            if len(self._deleted):
                selectors.append(faiss.IDSelectorBatch(self._deleted))
                selectors.append(faiss.IDSelectorNot(selectors[0]))
                params.sel = selectors[1]
            return self._index.search(query, k, params=params)
        return self._index.search(query, k)

    def get(self, ids: list[int]) -> np.ndarray:
        return np.stack([self._index.reconstruct(int(i)) for i in ids]) if ids else np.zeros((0, self.dim))

    def ids(self) -> np.ndarray:
        ids = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        return ids[~np.isin(ids, self._deleted)] if len(self._deleted) else ids

    def __len__(self) -> int:
        return int(self._index.ntotal) - len(self._deleted)

    def save(self, version: int) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".vectors-", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, index=faiss.serialize_index(self._index), deleted=self._deleted)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self._path(version))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        fsync_path(self.directory)

    def load(self, version: int) -> None:
        if version == 0 and not self._path(0).exists():
            self._index, self._deleted = self._new_index(hnsw=False), np.zeros(0, dtype=np.int64)
            return
        with np.load(self._path(version)) as data:
            index = faiss.deserialize_index(np.ascontiguousarray(data["index"]))
            self._deleted = data["deleted"].astype(np.int64)
        if index.d != self.dim:
            raise ValueError(f"vector snapshot has dimension {index.d}, expected {self.dim}")
        self._index = index

    def prune(self, keep: set[int]) -> None:
        for path in self.directory.iterdir():
            match = _SNAPSHOT.match(path.name)
            stale = (match and int(match.group(1)) not in keep) or path.name.startswith(".vectors-")
            if stale:
                path.unlink(missing_ok=True)

    def _path(self, version: int) -> Path:
        return self.directory / f"vectors-{version:08d}.npz"

    def _is_hnsw(self) -> bool:
        return isinstance(faiss.downcast_index(self._index.index), faiss.IndexHNSWFlat)

    def _new_index(self, hnsw: bool):
        if hnsw:
            inner = faiss.IndexHNSWFlat(self.dim, self._hnsw_m, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = self._ef_construction
        else:
            inner = faiss.IndexFlatIP(self.dim)
        return faiss.IndexIDMap2(inner)

    def _rebuild(self, hnsw: bool) -> None:
        """Copy the live vectors into a fresh index (switching to HNSW, or dropping tombstones)."""
        ids = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        vectors = self._index.index.reconstruct_n(0, self._index.ntotal) if len(ids) else None
        live = ~np.isin(ids, self._deleted)
        self._index = self._new_index(hnsw)
        self._deleted = np.zeros(0, dtype=np.int64)
        if live.any():
            self._index.add_with_ids(np.ascontiguousarray(vectors[live]), ids[live])


def fsync_path(path: Path) -> None:
    """Flush a file or directory entry to disk (a directory after a rename makes the rename durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
