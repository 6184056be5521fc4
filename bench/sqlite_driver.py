"""The API's SQLite driver against SQLAlchemy's stock aiosqlite adapter, side by side in one process.

    .venv/bin/python -m bench.sqlite_driver [--requests 2000] [--rounds 3]

Both engines come from app.core.db.create_api_engine (the stock one inside bench.common.stock_aiosqlite_adapter)
on one SQLite file with the product's schema. A "read" is a request-shaped session: the user by id, a page of
20 conversations and its count, as GET /conversations does. A "write" adds a message and touches its
conversation, then commits, as a chat request does. Rounds alternate stock / one-trip; prints the median per
round of wall time and CPU time per request, and the ratio.
"""

import asyncio
import contextlib
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import bench_args, machine_note, stock_aiosqlite_adapter


def _prepare(url: str) -> tuple[int, int]:
    """The product's schema, one user with 50 conversations; returns (user id, a conversation id)."""
    from sqlalchemy.orm import Session

    from app.kernel.db import create_sync_engine
    from app.kernel.models import Base, Conversation, User

    engine = create_sync_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        user = User(username="bench", email="bench@example.com", password_hash="x")
        session.add(user)
        session.flush()
        conversations = [Conversation(owner_id=user.id, title=f"c{i}", model="m") for i in range(50)]
        session.add_all(conversations)
        session.commit()
        ids = user.id, conversations[0].id
    engine.dispose()
    return ids


async def _measure(url: str, one_trip: bool, n: int, user_id: int, conversation_id: int) -> dict[str, tuple]:
    from sqlalchemy import func, select

    from app.core import db
    from app.kernel.models import Conversation, Message, User

    with contextlib.nullcontext() if one_trip else stock_aiosqlite_adapter():
        engine = db.create_api_engine(url)
    sessions = db.make_async_sessionmaker(engine)

    async def read() -> None:
        async with sessions() as session:
            await session.get(User, user_id, populate_existing=True)
            query = select(Conversation).where(Conversation.owner_id == user_id)
            await session.scalar(select(func.count()).select_from(query.subquery()))
            (await session.scalars(query.order_by(Conversation.updated_at.desc()).limit(20))).all()

    async def write() -> None:
        async with sessions() as session:
            conversation = await session.get(Conversation, conversation_id, populate_existing=True)
            session.add(Message(conversation_id=conversation_id, owner_id=user_id, role="user", content="hi"))
            conversation.title = "touched"
            await session.commit()

    figures = {}
    for name, call in (("read", read), ("write", write)):
        await call()  # connect and warm the statement cache outside the timing
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            await call()
        figures[name] = ((time.perf_counter() - wall) / n * 1e6, (time.process_time() - cpu) / n * 1e6)
    await engine.dispose()
    return figures


async def main() -> None:
    args = bench_args(
        __doc__,
        requests={"type": int, "default": 2000, "help": "requests of each kind per round and driver"},
        rounds={"type": int, "default": 3},
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        user_id, conversation_id = _prepare(url)
        runs = {True: [], False: []}
        for _ in range(args.rounds):
            for one_trip in (False, True):
                runs[one_trip].append(await _measure(url, one_trip, args.requests, user_id, conversation_id))
    print(f"{args.requests} requests per kind, {args.rounds} alternating rounds; medians of the rounds, µs/request")
    print(f"{'request':<7} {'stock wall':>10} {'one-trip':>9} {'ratio':>6} {'stock CPU':>10} {'one-trip':>9}")
    for kind in ("read", "write"):
        (wall, cpu), (fast_wall, fast_cpu) = (
            [statistics.median(r[kind][i] for r in runs[one_trip]) for i in (0, 1)] for one_trip in (False, True)
        )
        print(f"{kind:<7} {wall:>10.0f} {fast_wall:>9.0f} {wall / fast_wall:>5.2f}x {cpu:>10.0f} {fast_cpu:>9.0f}")
    print(machine_note())


if __name__ == "__main__":
    asyncio.run(main())
