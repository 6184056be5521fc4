"""Versioned BM25 snapshots beside the vector snapshots, so a search never has to build the index itself.

`bm25-<version>/` is written by the writer that commits `version`, from that transaction's own view and before
it commits, so the snapshot of a committed version always matches it (writes done back to back each save their
own version). It appears by one directory rename: a crash mid-save leaves only a `.bm25-*` temp directory,
which `prune` removes, never a half-written snapshot under a version's name.
"""

import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np

from worker.rag.bm25 import BM25Index
from worker.rag.vector_store import fsync_path

_SNAPSHOT = re.compile(r"^bm25-(\d+)$")


class BM25Snapshots:
    def __init__(self, directory: str | Path):
        self.directory = Path(directory)

    def save(self, version: int, index: BM25Index) -> None:
        """Make `index` durable as `version` (not yet current until the caller commits that version)."""
        tmp = Path(tempfile.mkdtemp(prefix=".bm25-", suffix=".tmp", dir=self.directory))
        try:
            index.save(tmp)
            for path in tmp.iterdir():
                fsync_path(path)
            fsync_path(tmp)
            target = self._path(version)
            if target.exists():  # left by a write of this version that crashed before committing it
                shutil.rmtree(target)
            os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        fsync_path(self.directory)

    def load(self, version: int) -> BM25Index:
        """Raises when the snapshot is missing (pruned, or written before snapshots existed) or unreadable."""
        if version == 0 and not self._path(0).exists():  # nothing was ever written
            return BM25Index(np.zeros(0, dtype=np.int64), None)
        return BM25Index.load(self._path(version))

    def prune(self, keep: set[int]) -> None:
        """Delete snapshots other than `keep` and temp directories of crashed saves."""
        for path in self.directory.iterdir():
            match = _SNAPSHOT.match(path.name)
            stale = (match and int(match.group(1)) not in keep) or path.name.startswith(".bm25-")
            if stale:
                shutil.rmtree(path, ignore_errors=True)

    def _path(self, version: int) -> Path:
        return self.directory / f"bm25-{version:08d}"
