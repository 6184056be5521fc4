"""Chunk text and metadata in a SQLite file next to the vectors; it also holds the index version.

WAL mode lets other processes read while one writes; `BEGIN IMMEDIATE` serializes writers across processes.
Chunk ids are AUTOINCREMENT so a deleted chunk's id is never reused.
"""

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    page INTEGER,
    heading TEXT,
    tokens TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks(document_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class ChunkStore:
    def __init__(self, path: str | Path, busy_timeout_s: float = 300.0):
        self._conn = sqlite3.connect(
            str(path), timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        self._lock = threading.RLock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.executescript(_SCHEMA)

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

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def version(self) -> int:
        return int(self.get_meta("version") or 0)

    def insert(
        self, document_id: int, rows: Sequence[tuple[int, str, int | None, str | None, str]]
    ) -> list[int]:
        """Insert (position, text, page, heading, tokens) rows; returns their new chunk ids in order."""
        ids = []
        with self._lock:
            for position, text, page, heading, tokens in rows:
                cursor = self._conn.execute(
                    "INSERT INTO chunks (document_id, position, text, page, heading, tokens)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (document_id, position, text, page, heading, tokens),
                )
                ids.append(cursor.lastrowid)
        return ids

    def delete_document(self, document_id: int) -> list[int]:
        with self._lock:
            ids = [
                r[0]
                for r in self._conn.execute("SELECT id FROM chunks WHERE document_id = ?", (document_id,))
            ]
            self._conn.execute("DELETE FROM chunks WHERE document_id = ?", (document_id,))
        return ids

    def count(self, document_id: int | None = None) -> int:
        with self._lock:
            if document_id is None:
                return self._conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
            return self._conn.execute(
                "SELECT COUNT(*) FROM chunks WHERE document_id = ?", (document_id,)
            ).fetchone()[0]

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

    def tokens_snapshot(self) -> tuple[int, list[int], list[list[str]]]:
        """(version, chunk ids, BM25 tokens) read in one transaction, so they agree with each other."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                version = int(self.get_meta("version") or 0)
                rows = self._conn.execute("SELECT id, tokens FROM chunks ORDER BY id").fetchall()
            finally:
                self._conn.execute("COMMIT")
        return version, [r[0] for r in rows], [r[1].split() for r in rows]
