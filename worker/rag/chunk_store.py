"""Chunk text and metadata in a SQLite file next to the vectors; it also holds the index version.

WAL mode lets other processes read while one writes; `BEGIN IMMEDIATE` serializes writers across processes.
Chunk ids are AUTOINCREMENT so a deleted chunk's id is never reused. BM25 tokens are stored as term ids
(little-endian int32 blobs, ids from the `terms` table) so the whole corpus loads as one numpy array.
"""

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from worker.rag.bm25 import PackedCorpus

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    page INTEGER,
    heading TEXT,
    token_ids BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks(document_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS terms (id INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE);
"""
_TERM_ID = np.dtype("<i4")
_SQL_VARIABLES = 500  # terms looked up per statement


class ChunkStore:
    def __init__(self, path: str | Path, busy_timeout_s: float = 300.0):
        self._conn = sqlite3.connect(str(path), timeout=busy_timeout_s, isolation_level=None, check_same_thread=False)
        self._lock = threading.RLock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.executescript(_SCHEMA)
            self._migrate_text_tokens()

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def write(self) -> Iterator[None]:
        """One cross-process write transaction; everything inside commits together or not at all."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[None]:
        """Several reads that see one committed state (inside `write()` its transaction already does)."""
        with self._lock:
            if self._conn.in_transaction:
                yield
                return
            self._conn.execute("BEGIN")
            try:
                yield
            finally:
                self._conn.execute("COMMIT")

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def version(self) -> int:
        return int(self.get_meta("version") or 0)

    def insert(self, document_id: int, rows: Sequence[tuple[int, str, int | None, str | None, list[str]]]) -> list[int]:
        """Insert (position, text, page, heading, BM25 tokens) rows inside `write()`; returns the new chunk ids."""
        ids = []
        with self._lock:
            blobs = self._term_blobs([row[4] for row in rows])
            for (position, text, page, heading, _), blob in zip(rows, blobs, strict=True):
                cursor = self._conn.execute(
                    "INSERT INTO chunks (document_id, position, text, page, heading, token_ids)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (document_id, position, text, page, heading, blob),
                )
                ids.append(cursor.lastrowid)
        return ids

    def _term_blobs(self, token_lists: Sequence[list[str]]) -> list[bytes]:
        """Each token list as an int32 blob of term ids, adding the terms not seen before."""
        term_ids = self._term_ids(sorted(set().union(*token_lists)))
        return [np.fromiter((term_ids[t] for t in tokens), _TERM_ID, len(tokens)).tobytes() for tokens in token_lists]

    def _term_ids(self, terms: list[str]) -> dict[str, int]:
        self._conn.executemany("INSERT OR IGNORE INTO terms (term) VALUES (?)", ((t,) for t in terms))
        ids: dict[str, int] = {}
        for start in range(0, len(terms), _SQL_VARIABLES):
            batch = terms[start : start + _SQL_VARIABLES]
            marks = ",".join("?" * len(batch))
            ids.update(self._conn.execute(f"SELECT term, id FROM terms WHERE term IN ({marks})", batch))
        return ids

    def delete_document(self, document_id: int) -> list[int]:
        with self._lock:
            ids = [r[0] for r in self._conn.execute("SELECT id FROM chunks WHERE document_id = ?", (document_id,))]
            self._conn.execute("DELETE FROM chunks WHERE document_id = ?", (document_id,))
        return ids

    def count(self, document_id: int | None = None) -> int:
        with self._lock:
            if document_id is None:
                return self._conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
            return self._conn.execute("SELECT COUNT(*) FROM chunks WHERE document_id = ?", (document_id,)).fetchone()[0]

    def chunk_documents(self) -> tuple[np.ndarray, np.ndarray]:
        """(chunk ids, their document ids), for every chunk."""
        with self._lock:
            rows = self._conn.execute("SELECT id, document_id FROM chunks").fetchall()
        pairs = np.array(rows, dtype=np.int64).reshape(-1, 2)
        return pairs[:, 0], pairs[:, 1]

    def get(self, ids: Sequence[int]) -> dict[int, tuple[int, str, int | None, str | None]]:
        """id -> (document_id, text, page, heading) for the ids that still exist."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = self._conn.execute(
                f"SELECT id, document_id, text, page, heading FROM chunks WHERE id IN ({marks})", list(ids)
            ).fetchall()
        return {r[0]: r[1:] for r in rows}

    def bm25_corpus(self) -> PackedCorpus:
        """Every chunk's term ids (in chunk id order) and the vocabulary, read in one transaction."""
        with self.read():
            rows = self._conn.execute("SELECT id, token_ids FROM chunks ORDER BY id").fetchall()
            vocabulary = dict(self._conn.execute("SELECT term, id FROM terms"))
        blobs = [r[1] for r in rows]
        return PackedCorpus(
            chunk_ids=np.fromiter((r[0] for r in rows), np.int64, len(rows)),
            lengths=np.fromiter(map(len, blobs), np.int64, len(blobs)) // _TERM_ID.itemsize,
            terms=np.frombuffer(b"".join(blobs), dtype=_TERM_ID).astype(np.int32),
            vocabulary=vocabulary,
        )

    def _migrate_text_tokens(self) -> None:
        """Files written before term ids kept the tokens as space-separated text: convert them once."""
        if not self._has_text_tokens():
            return
        with self.write():
            if not self._has_text_tokens():  # another process converted it first
                return
            rows = self._conn.execute("SELECT id, tokens FROM chunks").fetchall()
            self._conn.execute("ALTER TABLE chunks ADD COLUMN token_ids BLOB")
            blobs = self._term_blobs([tokens.split() for _, tokens in rows])
            self._conn.executemany(
                "UPDATE chunks SET token_ids = ? WHERE id = ?", zip(blobs, (r[0] for r in rows), strict=True)
            )
            self._conn.execute("ALTER TABLE chunks DROP COLUMN tokens")

    def _has_text_tokens(self) -> bool:
        return any(row[1] == "tokens" for row in self._conn.execute("PRAGMA table_info(chunks)"))
