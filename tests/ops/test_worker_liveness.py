"""A worker counts for a queue (what the API's "no worker is running" hint reads) only while its consumer takes
tasks from that queue: not after `cancel_consumer`, not while its broker connection keeps breaking."""

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
import redis.asyncio as aioredis

from app.services.job_health import live_workers
from tests.support.redis_server import private_redis_server
from worker.ops.liveness import BEAT_CLIENT_NAME, CHECK_SECONDS, SETTLE_SECONDS

TEST_CLIENT_NAME = "liveness-test"
QUEUES = ["indexing", "training"]
PROMPTLY = CHECK_SECONDS + 2  # a change of the consumer shows within one check, plus slack for a busy machine


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory) -> Iterator[str]:
    """A redis-server of this module's own, since the tests kill its clients."""
    with private_redis_server(tmp_path_factory.mktemp("liveness-redis")) as url:
        yield url


@pytest.fixture(scope="module")
def worker(private_redis):
    """The production worker app (with its beat step) consuming `QUEUES`, embedded in a thread."""
    from celery.contrib.testing.worker import start_worker

    from worker.celery_app import create_celery

    app = create_celery(private_redis)
    with start_worker(
        app,
        pool="threads",
        concurrency=1,
        queues=QUEUES,
        hostname=f"liveness-{uuid.uuid4().hex[:8]}@test",
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=15,
    ) as started:
        yield started


@pytest.fixture
async def api_redis(private_redis):
    """The API's view: a Redis client like the app's, named so the tests' fault injection spares it."""
    client = aioredis.from_url(private_redis, client_name=TEST_CLIENT_NAME)
    yield client
    await client.aclose()


async def _counts(api_redis, queues) -> dict[str, int]:
    return {queue: await live_workers(api_redis, queue) for queue in queues}


async def wait_for_counts(api_redis, expected: dict[str, int], within: float) -> None:
    deadline = time.monotonic() + within
    while (seen := await _counts(api_redis, expected)) != expected:
        assert time.monotonic() < deadline, f"live workers {seen}, expected {expected} within {within} s"
        await asyncio.sleep(0.2)


async def assert_counts_hold(api_redis, expected: dict[str, int], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert await _counts(api_redis, expected) == expected
        await asyncio.sleep(0.25)


@contextmanager
def broken_broker_connections(url: str) -> Iterator[None]:
    """Kill every Redis connection but the beat's and the test's, every 0.2 s, like a broker link that keeps
    dropping: the worker's consumer reconnects over and over while its beat thread could still reach Redis."""
    client = redis.Redis.from_url(url, decode_responses=True, client_name=TEST_CLIENT_NAME)
    stop = threading.Event()

    def kill_loop():
        while not stop.wait(0.2):
            for entry in client.client_list():
                if entry["name"] not in (BEAT_CLIENT_NAME, TEST_CLIENT_NAME):
                    client.client_kill_filter(_id=entry["id"])

    thread = threading.Thread(target=kill_loop, name="kill-broker-connections", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)
        client.close()


async def test_a_healthy_worker_counts_for_each_queue_it_consumes_and_no_other(worker, api_redis):
    await wait_for_counts(api_redis, {"indexing": 1, "training": 1, "generation": 0}, within=PROMPTLY)


async def test_cancel_consumer_withdraws_the_queue_and_add_consumer_brings_it_back(worker, api_redis):
    await wait_for_counts(api_redis, {"indexing": 1, "training": 1}, within=PROMPTLY)
    control = worker.app.control

    replies = control.cancel_consumer("training", destination=[worker.hostname], reply=True, timeout=5)
    assert replies and "ok" in replies[0][worker.hostname]
    await wait_for_counts(api_redis, {"indexing": 1, "training": 0}, within=PROMPTLY)

    replies = control.add_consumer("training", destination=[worker.hostname], reply=True, timeout=5)
    assert replies and "ok" in replies[0][worker.hostname]
    await wait_for_counts(api_redis, {"indexing": 1, "training": 1}, within=PROMPTLY)


async def test_a_worker_whose_broker_connection_keeps_breaking_is_not_counted_until_it_holds(
    worker, private_redis, api_redis
):
    healthy = {"indexing": 1, "training": 1}
    await wait_for_counts(api_redis, healthy, within=PROMPTLY)
    restarts = worker.consumer.restart_count

    with broken_broker_connections(private_redis):
        await wait_for_counts(api_redis, {"indexing": 0, "training": 0}, within=PROMPTLY)
        # Longer than a reconnected consumer needs to count again: a flapping one must never.
        await assert_counts_hold(api_redis, {"indexing": 0, "training": 0}, seconds=SETTLE_SECONDS + 2)
        assert worker.consumer.restart_count >= restarts + 2, "the fault did not reach the worker's consumer"

    await wait_for_counts(api_redis, healthy, within=SETTLE_SECONDS + 15)  # Celery's reconnect backoff, then settle
