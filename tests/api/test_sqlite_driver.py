"""The API's SQLite driver (app/core/sqlite_driver.py): one trip to the connection's thread per statement, with
the DBAPI results SQLAlchemy relies on (rows, rowcount, lastrowid, errors, rollback) unchanged, and its own wait
for another connection's write lock."""

import sqlite3
import threading
import time

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.db import create_api_engine, make_async_sessionmaker
from app.core.sqlite_driver import _lock_held_elsewhere, one_trip_dbapi

metadata = MetaData()
items = Table("items", metadata, Column("id", Integer, primary_key=True), Column("name", String, unique=True))


@pytest.fixture
async def maker(tmp_path):
    engine = create_api_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield make_async_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch):
    """Counts the calls queued to aiosqlite's connection threads."""
    calls = []
    original = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return calls


async def test_a_read_only_session_makes_one_trip_per_statement_and_no_rollback(maker, trips):
    async with maker() as session:
        await session.execute(insert(items), [{"name": "a"}, {"name": "b"}])
        await session.commit()
    async with maker() as session:  # the pool keeps the connection: no connect trips below
        trips.clear()
        names = (await session.scalars(select(items.c.name).order_by(items.c.id))).all()
        count = await session.scalar(select(text("count(*)")).select_from(items))
    assert names == ["a", "b"] and count == 2
    assert len(trips) == 2, trips  # the stock adapter: 4 per statement (cursor, execute, fetchall, close) + ROLLBACK


async def test_a_write_makes_one_trip_per_statement_plus_commit(maker, trips):
    async with maker() as session:
        await session.execute(text("SELECT 1"))  # connect outside the counted part
        trips.clear()
        await session.execute(insert(items).values(name="x"))
        await session.commit()
    assert len(trips) == 2, trips


async def test_rows_rowcount_lastrowid_and_executemany(maker):
    async with maker() as session:
        result = await session.execute(insert(items), [{"name": f"n{i}"} for i in range(5)])
        assert result.rowcount == 5
        result = await session.execute(text("INSERT INTO items (name) VALUES ('last')"))
        assert result.lastrowid == 6
        returned = await session.execute(insert(items).values(name="r").returning(items.c.id, items.c.name))
        assert returned.one() == (7, "r")
        updated = await session.execute(update(items).where(items.c.id <= 3).values(name=items.c.name + "!"))
        assert updated.rowcount == 3
        await session.commit()
    async with maker() as session:
        rows = (await session.execute(select(items.c.id, items.c.name).order_by(items.c.id))).all()
        assert (await session.execute(select(items).where(items.c.id == 99))).first() is None
    assert rows[:3] == [(1, "n0!"), (2, "n1!"), (3, "n2!")] and len(rows) == 7


async def test_a_failed_write_rolls_back_and_the_connection_stays_usable(maker):
    async with maker() as session:
        await session.execute(insert(items).values(name="kept"))
        await session.commit()
    async with maker() as session:
        await session.execute(insert(items).values(name="dropped"))
        with pytest.raises(IntegrityError):
            await session.execute(insert(items).values(name="kept"))
        await session.rollback()
        await session.execute(insert(items).values(name="after"))
    # leaving the session without commit rolls the open transaction back
    async with maker() as session:
        names = (await session.scalars(select(items.c.name).order_by(items.c.id))).all()
    assert names == ["kept"]


def _hold_write_lock(path, seconds: float) -> threading.Thread:
    """Another connection (as a worker process's) takes the write lock now and keeps it for `seconds`."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")

    def release() -> None:
        time.sleep(seconds)
        holder.execute("COMMIT")
        holder.close()

    thread = threading.Thread(target=release)
    thread.start()
    return thread


async def test_a_write_waits_for_another_connections_lock_then_succeeds(maker, tmp_path):
    async with maker() as session:
        await session.execute(text("SELECT 1"))  # the API connection exists before the lock is taken
    holder = _hold_write_lock(tmp_path / "driver.db", 0.4)
    started = time.monotonic()
    async with maker() as session:
        await session.execute(insert(items).values(name="after the lock"))
        await session.commit()
    waited = time.monotonic() - started
    holder.join()
    assert 0.35 < waited < 2, waited  # waited for the release, retried within milliseconds of it
    async with maker() as session:
        assert await session.scalar(select(items.c.name)) == "after the lock"


async def test_a_lock_held_past_the_wait_is_database_is_locked(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'short.db'}"
    engine = create_async_engine(url, module=one_trip_dbapi(0.2), connect_args={"timeout": 0})  # no busy_timeout
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    holder = _hold_write_lock(tmp_path / "short.db", 1.0)
    started = time.monotonic()
    with pytest.raises(OperationalError, match="database is locked"):
        async with engine.begin() as connection:
            await connection.execute(insert(items).values(name="too late"))
    assert time.monotonic() - started < 0.8
    holder.join()
    await engine.dispose()


def test_only_a_lock_held_elsewhere_is_retried():
    def error(code: int) -> sqlite3.OperationalError:
        exc = sqlite3.OperationalError("database is locked")
        exc.sqlite_errorcode = code
        return exc

    assert _lock_held_elsewhere(error(sqlite3.SQLITE_BUSY))
    assert _lock_held_elsewhere(error(261))  # SQLITE_BUSY_RECOVERY
    assert not _lock_held_elsewhere(error(517))  # SQLITE_BUSY_SNAPSHOT: a retry in the same transaction cannot help
    assert not _lock_held_elsewhere(error(sqlite3.SQLITE_IOERR))
