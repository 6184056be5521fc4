"""Files the services create are private to the service account: 0600 files, 0700 directories.

They were created world-readable (0644): the SQLite database (password hashes, API-key hashes, every
conversation), uploaded documents and logs. The API and the workers set a 0o077 umask at startup, and tighten
what an earlier version left behind.
"""

import os
from pathlib import Path

from loguru import logger
from sqlalchemy.engine import make_url

from app.kernel.settings import Settings

PRIVATE_UMASK = 0o077


def _sqlite_files(database_url: str) -> list[Path]:
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or not url.database or url.database == ":memory:":
        return []
    database = Path(url.database)
    return [database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")]


def keep_files_private(settings: Settings) -> None:
    """Set the process umask and make the existing store directories and SQLite files private."""
    os.umask(PRIVATE_UMASK)
    targets = [(settings.model_store_dir, 0o700), (settings.uploads_dir, 0o700), (settings.logs_dir, 0o700)]
    targets += [(path, 0o600) for path in _sqlite_files(settings.database_url)]
    for path, mode in targets:
        try:
            if path.exists() and path.stat().st_mode & 0o777 != mode:
                path.chmod(mode)
        except OSError as exc:  # a mounted volume owned by someone else: report, keep serving
            logger.warning("could not make {} private ({:o}): {}", path, mode, exc)
