"""The API's SQLite driver: SQLAlchemy's aiosqlite adapter with one trip to the connection's thread per statement.

The stock adapter makes four (open cursor, execute, fetch, close), plus a ROLLBACK when a read-only session
ends. Each trip is a thread wake-up and a turn through the event loop; under load every turn waits behind the
other requests' work, so a request's latency grows with its trips (bench/sqlite_driver.py measures both).

A statement that meets another process's write lock is retried here, every 0.5–5 ms, instead of in SQLite's
busy handler (the connection's busy_timeout is 0): that handler sleeps up to 100 ms at a time and misses the
short gaps between a busy worker's transactions (bench/sqlite_busy.py: p99 wait 330–630 ms against 54–70 ms).
"""

import sqlite3
import time
from collections import deque
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

FIRST_RETRY_S = 0.0005
LONGEST_RETRY_S = 0.005


class _Outcome:
    """What a DBAPI cursor reports about the statement it ran, copied in the connection's thread."""

    __slots__ = ("description", "rowcount", "lastrowid", "arraysize")

    def __init__(self, cursor: sqlite3.Cursor | None = None):
        self.description = cursor.description if cursor else None
        self.rowcount = cursor.rowcount if cursor else -1
        self.lastrowid = cursor.lastrowid if cursor else None
        self.arraysize = 1

    def close(self) -> None:
        """Nothing to close: the statement's cursor was closed in the connection's thread."""


def _lock_held_elsewhere(exc: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY (or BUSY_RECOVERY): retrying the statement can succeed. Not BUSY_SNAPSHOT, which a retry in
    the same transaction cannot cure (SQLite's own busy handler does not retry it either)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY and code != 517  # 517: SQLITE_BUSY_SNAPSHOT


def _execute(cursor: sqlite3.Cursor, operation: str, parameters: Any, many: bool, wait_s: float) -> None:
    """Run the statement, retrying while another connection holds the write lock, for up to `wait_s`."""
    deadline, pause = time.monotonic() + wait_s, FIRST_RETRY_S
    while True:
        try:
            if many:
                cursor.executemany(operation, parameters)
            else:
                cursor.execute(operation, () if parameters is None else parameters)
            return
        except sqlite3.OperationalError as exc:
            if not _lock_held_elsewhere(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, LONGEST_RETRY_S)


def _run(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool, wait_s: float
) -> tuple[_Outcome, list]:
    cursor = connection.cursor()
    try:
        _execute(cursor, operation, parameters, many, wait_s)
        rows = cursor.fetchall() if cursor.description else []
        return _Outcome(cursor), rows
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """Runs the statement and fetches all its rows in one call on the connection's thread."""

    __slots__ = ()
    _awaitable_cursor_close = False

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection):
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = _Outcome()
        self._soft_closed_memoized = {}
        self._rows = deque()

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._trip(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._trip(operation, seq_of_parameters, many=True)

    async def _trip(self, operation: Any, parameters: Any, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            driver, wait_s = self._connection, self._adapt_connection.dbapi.busy_wait_s
            self._cursor, rows = await driver._execute(_run, driver._conn, operation, parameters, many, wait_s)
            self._rows = deque(rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """Also skips the ROLLBACK of a connection with no open transaction (a session that only read)."""

    __slots__ = ()
    _cursor_cls = OneTripCursor

    def rollback(self) -> None:
        if self._connection._connection and self._connection.in_transaction:
            super().rollback()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def __init__(self, busy_wait_s: float):
        super().__init__(aiosqlite, sqlite3)
        self.busy_wait_s = busy_wait_s

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        stock = super().connect(*arg, **kw)
        return OneTripConnection(self, stock._connection)


def one_trip_dbapi(busy_wait_s: float) -> OneTripDBAPI:
    """Pass as `module=` to create_async_engine for a sqlite+aiosqlite URL, with PRAGMA busy_timeout=0 on its
    connections; a statement waits up to `busy_wait_s` for another process's write lock."""
    return OneTripDBAPI(busy_wait_s)
