"""Concurrent writers on SQLite (the default database): the real app under uvicorn, many requests at once.

Each client owns a conversation and, IN_FLIGHT requests at a time, POSTs messages (SSE: the `queued` status event
comes once the question and its pending answer are committed) and renames the conversation. No generation worker
runs: what is measured is the API's own writes contending for SQLite's single write lock.

Each client leaves its stream after the first event. With the default 10 s disconnect grace, every left answer
was cancelled 10 s later (`_cancel_if_abandoned`): on a loaded host, while requests were still in flight, 300 extra
writers joined at a time set by the host's speed, held pool connections at the write gate and ran the pool dry
(`QueuePool limit ... timed out`, dropped streams). The grace here outlasts the test, so the writers are exactly
the requests sent.
"""

import asyncio
import sqlite3

import httpx
import pytest
from sqlalchemy.engine import make_url

from app.core.db import SQLITE_API_POOL
from tests.conftest import make_settings
from tests.helpers import auth_headers
from tests.support.live import live_server

CLIENTS = 100
ROUNDS = 3
ABANDON_GRACE_S = 3600.0  # longer than the test: no left stream's answer is cancelled while it runs
# Requests in flight at once: as many as the API's SQLite pool has connections, so every one of them is always
# contending for the write lock; but the last request no longer queues behind all 600 (on a loaded host that took
# longer than the API's 30 s pool and write-gate timeouts: 503 database_busy, whatever the locking).
IN_FLIGHT = SQLITE_API_POOL["pool_size"] + SQLITE_API_POOL["max_overflow"]


@pytest.fixture
def base_url(sqlite_url, redis_url, redis_client, model_store):
    from app.main import create_app

    with live_server(
        create_app(
            make_settings(
                sqlite_url,
                redis_url,
                model_store,
                rate_limit_messages_per_window=0,
                sse_disconnect_grace_seconds=ABANDON_GRACE_S,
            )
        )
    ) as url:
        yield url


async def _first_event(http: httpx.AsyncClient, conversation: int, headers: dict) -> str:
    """POST a message and read its SSE stream up to the first event; returns the status or the error body."""
    path = f"/api/v1/conversations/{conversation}/messages"
    async with http.stream("POST", path, json={"content": f"Question {conversation}"}, headers=headers) as response:
        if response.status_code != 200:
            return f"{response.status_code} {(await response.aread()).decode()[:200]}"
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                return line.removeprefix("event:").strip()
    return "stream ended without an event"


async def _rename(http: httpx.AsyncClient, conversation: int, headers: dict) -> str:
    response = await http.patch(
        f"/api/v1/conversations/{conversation}", json={"title": f"T{conversation}"}, headers=headers
    )
    return "ok" if response.status_code == 200 else f"{response.status_code} {response.text[:200]}"


async def test_concurrent_messages_and_renames_all_succeed(base_url, sqlite_url):
    # Waiting for one of the IN_FLIGHT connections is not part of a request's time limit.
    limits, timeout = httpx.Limits(max_connections=IN_FLIGHT), httpx.Timeout(60, pool=None)
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits) as http:
        users = [await auth_headers(http, f"writer{i}") for i in range(4)]
        owners = [users[i % len(users)] for i in range(CLIENTS)]
        conversations = []
        for headers in owners:
            created = await http.post("/api/v1/conversations", json={"title": "start"}, headers=headers)
            assert created.status_code == 201, created.text
            conversations.append(created.json()["id"])

        pairs = list(zip(conversations, owners, strict=True)) * ROUNDS
        calls = [_first_event(http, c, h) for c, h in pairs] + [_rename(http, c, h) for c, h in pairs]
        outcomes = await asyncio.gather(*calls)

    failures = [o for o in outcomes if o not in ("status", "ok")]
    assert not failures, f"{len(failures)} of {len(outcomes)} requests failed, e.g. {failures[:3]}"
    with sqlite3.connect(make_url(sqlite_url).database) as db:
        rows = dict(db.execute("SELECT id, title FROM conversations").fetchall())
        messages = db.execute("SELECT conversation_id, role, content FROM messages ORDER BY id").fetchall()
    assert all(rows[c] == f"T{c}" for c in conversations), "a rename was lost"
    for conversation in conversations:
        mine = [(role, content) for c, role, content in messages if c == conversation]
        questions = [content for role, content in mine if role == "user"]
        assert questions == [f"Question {conversation}"] * ROUNDS and len(mine) == 2 * ROUNDS, mine
