"""The API's SQLite driver (app/core/sqlite_driver.py): one trip to the connection's thread per statement, with
the DBAPI results SQLAlchemy relies on (rows, rowcount, lastrowid, errors, rollback) unchanged."""

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from app.core.db import create_api_engine, make_async_sessionmaker

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
