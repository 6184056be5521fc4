"""Synchronous database access shared by the workers, the CLI and Alembic, and the URL and SQLite settings the
API's async engine (app/core/db.py) applies too."""

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

SYNC_DRIVERS = {"sqlite+aiosqlite": "sqlite", "postgresql+asyncpg": "postgresql+psycopg"}
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgresql+psycopg": "postgresql+asyncpg",
}


def sync_url(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername=SYNC_DRIVERS.get(parsed.drivername, parsed.drivername)).render_as_string(
        hide_password=False
    )


def async_url(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername=ASYNC_DRIVERS.get(parsed.drivername, parsed.drivername)).render_as_string(
        hide_password=False
    )


BUSY_TIMEOUT_S = 10


def configure_sqlite(engine: Engine, busy_timeout_ms: int = BUSY_TIMEOUT_S * 1000) -> None:
    """WAL lets the API read while a worker writes; busy_timeout turns 'database is locked' into a wait.

    The driver's own transaction handling is kept on purpose: it sends BEGIN just before the first INSERT/UPDATE/
    DELETE, and reads before that run outside a transaction. A write transaction therefore never upgrades an old
    read snapshot (SQLITE_BUSY_SNAPSHOT fails at once, without busy_timeout); it starts at its first write, where
    SQLite waits out another writer for up to busy_timeout (the API's driver, with busy_timeout 0, waits itself).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _without_nul(value: object) -> object:
    return value.replace("\x00", "") if type(value) is str and "\x00" in value else value


def _strip_nul_characters(
    _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool
) -> tuple[str, Any]:
    """Drop NUL characters from every string a statement binds, on every backend alike.

    PostgreSQL refuses them in text ("invalid byte sequence for encoding UTF8: 0x00"), and they come from places
    we do not control: a model's byte-fallback token, a pasted message, a document's text. Before this, one
    such character failed the answer's final write and then the API's attempt to keep the partial text
    (found by the PostgreSQL load run). The character is invisible, so nothing a person reads is lost.
    """

    def clean(params: Any) -> Any:
        if isinstance(params, Mapping):
            return {key: _without_nul(value) for key, value in params.items()}
        if isinstance(params, (list, tuple)):
            return type(params)(_without_nul(value) for value in params)
        return params

    if executemany and isinstance(parameters, (list, tuple)):
        return statement, type(parameters)(clean(p) for p in parameters)
    return statement, clean(parameters)


def install_nul_guard(engine: Engine) -> None:
    event.listen(engine, "before_cursor_execute", _strip_nul_characters, retval=True)


def ensure_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def create_sync_engine(url: str) -> Engine:
    url = sync_url(url)
    ensure_sqlite_dir(url)
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine)
    install_nul_guard(engine)
    return engine


@lru_cache
def sync_session_factory(url: str) -> sessionmaker[Session]:
    """One engine per URL per process (workers call this on every task)."""
    return sessionmaker(create_sync_engine(url), expire_on_commit=False)
