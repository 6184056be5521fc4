"""The API's async database engine: one driver trip per SQLite statement and a write gate (the sync engine the
workers use is app/kernel/db.py)."""

import asyncio
import sqlite3
from collections.abc import AsyncIterator

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_only

from app.core.sqlite_driver import one_trip_dbapi
from app.kernel.db import BUSY_TIMEOUT_S, async_url, configure_sqlite, ensure_sqlite_dir, install_nul_guard

# Waiting at the write gate is queueing behind this process's writers, which are making progress: allow longer.
WRITE_GATE_TIMEOUT_S = 30
# The API's SQLite pool: writers queued at the write gate hold a connection each, so leave room for readers.
SQLITE_API_POOL = {"pool_size": 5, "max_overflow": 45}
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE")


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


def create_api_engine(url: str) -> AsyncEngine:
    """PostgreSQL: the default pool, pre-pinged. SQLite: a file needs no pre-ping (one thread hop less per
    checkout), one thread hop per statement (app/core/sqlite_driver.py), a larger pool and the write gate (see
    SqliteWriteGate)."""
    url = async_url(url)
    ensure_sqlite_dir(url)
    if make_url(url).get_backend_name() != "sqlite":
        engine = create_async_engine(url, pool_pre_ping=True)
        install_nul_guard(engine.sync_engine)
        return engine
    in_memory = make_url(url).database in (None, "", ":memory:")
    driver = one_trip_dbapi(busy_wait_s=BUSY_TIMEOUT_S)
    engine = create_async_engine(url, module=driver, **({} if in_memory else SQLITE_API_POOL))
    configure_sqlite(engine.sync_engine, busy_timeout_ms=0)  # the driver waits for the lock itself
    SqliteWriteGate().install(engine.sync_engine)
    install_nul_guard(engine.sync_engine)
    return engine


def make_async_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def session_scope(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with maker() as session:
        yield session
