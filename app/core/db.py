"""Database engines: async (API) and sync (workers, CLI, Alembic) from the same URL."""

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Mapping
from functools import lru_cache

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.util import await_only

from app.core.sqlite_driver import one_trip_dbapi

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
# Waiting at the write gate is queueing behind this process's writers, which are making progress: allow longer.
WRITE_GATE_TIMEOUT_S = 30
# The API's SQLite pool: writers queued at the write gate hold a connection each, so leave room for readers.
SQLITE_API_POOL = {"pool_size": 5, "max_overflow": 45}
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _configure_sqlite(engine: Engine, busy_timeout_ms: int = BUSY_TIMEOUT_S * 1000) -> None:
    """WAL lets the API read while a worker writes; busy_timeout turns 'database is locked' into a wait.

    The driver's own transaction handling is kept on purpose: it sends BEGIN just before the first INSERT/UPDATE/
    DELETE, and reads before that run outside a transaction. A write transaction therefore never upgrades an old
    read snapshot (SQLITE_BUSY_SNAPSHOT fails at once, without busy_timeout); it starts at its first write, where
    SQLite waits out another writer for up to busy_timeout (the API's driver, with busy_timeout 0, waits itself).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _without_nul(value: object) -> object:
    return value.replace("\x00", "") if type(value) is str and "\x00" in value else value


def _strip_nul_characters(_conn, _cursor, statement: str, parameters, _context, executemany: bool):  # noqa: ANN001, ANN202
    """Drop NUL characters from every string a statement binds, on every backend alike.

    PostgreSQL refuses them in text ("invalid byte sequence for encoding UTF8: 0x00"), and they come from places
    we do not control: a model's byte-fallback token, a pasted message, a document's text. Before this, one
    such character failed the answer's final write and then the API's attempt to keep the partial text
    (found by the PostgreSQL load run). The character is invisible, so nothing a person reads is lost.
    """

    def clean(params):  # noqa: ANN001, ANN202
        if isinstance(params, Mapping):
            return {key: _without_nul(value) for key, value in params.items()}
        if isinstance(params, (list, tuple)):
            return type(params)(_without_nul(value) for value in params)
        return params

    if executemany and isinstance(parameters, (list, tuple)):
        return statement, type(parameters)(clean(p) for p in parameters)
    return statement, clean(parameters)


def _install_nul_guard(engine: Engine) -> None:
    event.listen(engine, "before_cursor_execute", _strip_nul_characters, retval=True)


class SqliteWriteGate:
    """One write transaction at a time per API process, in arrival order.

    SQLite has one write lock per file. Without the gate every pooled aiosqlite connection (a thread each) waits
    for it in SQLite's busy handler, which polls with sleeps of up to 100 ms and is not fair: under load a writer
    could lose for longer than busy_timeout and fail with "database is locked". Here the process's writers queue
    on an asyncio lock instead, taken at a transaction's first write statement and given back once its COMMIT or
    ROLLBACK has run; only writers of other processes (workers) are still waited for, in the driver.
    """

    def __init__(self, timeout_s: float = WRITE_GATE_TIMEOUT_S):
        self._lock = asyncio.Lock()
        self._timeout_s = timeout_s
        self._holder = None  # the DBAPI connection whose transaction holds the gate
        self._loop: asyncio.AbstractEventLoop | None = None

    def install(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before_execute)
        # The "commit"/"rollback" events come before the statement runs: the next writer would meet the lock
        # still held. The pool's rollback of a connection returned mid-transaction goes through do_rollback too.
        dialect = engine.dialect
        dialect.do_commit = self._then_release(dialect.do_commit)
        dialect.do_rollback = self._then_release(dialect.do_rollback)
        # A connection dropped by the garbage collector never rolls back: it must not keep the gate.
        event.listen(engine.pool, "detach", self._release_detached)

    async def _acquire(self) -> None:
        async with asyncio.timeout(self._timeout_s):
            await self._lock.acquire()
        self._loop = asyncio.get_running_loop()

    def _before_execute(self, conn: Connection, _cursor, statement: str, parameters, _context, _many) -> None:  # noqa: ANN001
        dbapi_connection = conn.connection.dbapi_connection
        if self._holder is dbapi_connection or not statement.lstrip()[:8].upper().startswith(_WRITE_VERBS):
            return
        try:
            await_only(self._acquire())
        except TimeoutError:
            reason = sqlite3.OperationalError(
                f"database is locked: other writers of this process for {self._timeout_s} s"
            )
            raise OperationalError(statement, parameters, reason) from None
        self._holder = dbapi_connection

    def _then_release(self, end_transaction):  # noqa: ANN001, ANN202
        def end_then_release(pooled_connection) -> None:  # noqa: ANN001
            try:
                end_transaction(pooled_connection)
            finally:
                if self._holder is not None and self._holder is pooled_connection.dbapi_connection:
                    self._holder = None
                    self._lock.release()

        return end_then_release

    def _release_detached(self, dbapi_connection, _record) -> None:  # noqa: ANN001
        if self._holder is not None and self._holder is dbapi_connection and self._loop is not None:
            self._holder = None
            self._loop.call_soon_threadsafe(self._lock.release)  # the garbage collector runs in any thread


def _ensure_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        from pathlib import Path

        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def create_api_engine(url: str) -> AsyncEngine:
    """PostgreSQL: the default pool, pre-pinged. SQLite: a file needs no pre-ping (one thread hop less per
    checkout), one thread hop per statement (app/core/sqlite_driver.py), a larger pool and the write gate (see
    SqliteWriteGate)."""
    url = async_url(url)
    _ensure_sqlite_dir(url)
    if make_url(url).get_backend_name() != "sqlite":
        engine = create_async_engine(url, pool_pre_ping=True)
        _install_nul_guard(engine.sync_engine)
        return engine
    in_memory = make_url(url).database in (None, "", ":memory:")
    driver = one_trip_dbapi(busy_wait_s=BUSY_TIMEOUT_S)
    engine = create_async_engine(url, module=driver, **({} if in_memory else SQLITE_API_POOL))
    _configure_sqlite(engine.sync_engine, busy_timeout_ms=0)  # the driver waits for the lock itself
    SqliteWriteGate().install(engine.sync_engine)
    _install_nul_guard(engine.sync_engine)
    return engine


def create_sync_engine(url: str) -> Engine:
    url = sync_url(url)
    _ensure_sqlite_dir(url)
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    _install_nul_guard(engine)
    return engine


def make_async_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@lru_cache
def sync_session_factory(url: str) -> sessionmaker[Session]:
    """One engine per URL per process (workers call this on every task)."""
    return sessionmaker(create_sync_engine(url), expire_on_commit=False)


async def session_scope(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with maker() as session:
        yield session
