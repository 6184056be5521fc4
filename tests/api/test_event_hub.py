"""The per-process event hub: one Redis subscription serves every stream, and a dropped connection loses nothing."""

import asyncio

import pytest
import redis.asyncio as aioredis

from app.core.redis import create_redis
from app.events.hub import close_event_hub
from app.events.relay import JobEventStream
from app.kernel.contracts import EventType
from app.kernel.events import _PUBLISH_LUA, _encode, publish_async
from app.kernel.keys import channel_name

KIND = "hubtest"


@pytest.fixture
async def api_redis(redis_url, redis_client):
    client = create_redis(redis_url, 50)
    yield client
    await close_event_hub(client)
    await client.aclose()


async def _pubsub_connections(client: aioredis.Redis) -> int:
    return sum(1 for c in await client.client_list() if c.get("flags") == "P")


async def _collect(stream: JobEventStream) -> list[dict]:
    return [event async for event in stream.events(idle_seconds=0.2)]


async def _publish_answer(client: aioredis.Redis, job_id: int, tokens: list[str]) -> None:
    for token in tokens:
        await publish_async(client, KIND, job_id, EventType.TOKEN, {"text": token})
    await publish_async(client, KIND, job_id, EventType.DONE, {})


async def test_many_streams_share_one_subscription_connection(api_redis):
    before = await _pubsub_connections(api_redis)
    streams = [await JobEventStream(api_redis, KIND, job_id).open() for job_id in range(1, 51)]
    readers = [asyncio.create_task(_collect(stream)) for stream in streams]
    assert await _pubsub_connections(api_redis) == before + 1
    for job_id in range(1, 51):
        await _publish_answer(api_redis, job_id, [f"{job_id}-a", f"{job_id}-b"])
    results = await asyncio.wait_for(asyncio.gather(*readers), 10)
    for job_id, events in enumerate(results, start=1):
        assert [e["data"].get("text") for e in events] == [f"{job_id}-a", f"{job_id}-b", None]
        assert [e["seq"] for e in events] == [1, 2, 3]
    numsub = await api_redis.pubsub_numsub(*(channel_name(KIND, job_id) for job_id in range(1, 51)))
    assert all(count == 0 for _channel, count in numsub), "closed streams must unsubscribe"


async def test_two_readers_of_one_job_both_get_every_event(api_redis):
    first = await JobEventStream(api_redis, KIND, 7).open()
    second = await JobEventStream(api_redis, KIND, 7).open()
    readers = [asyncio.create_task(_collect(first)), asyncio.create_task(_collect(second))]
    await _publish_answer(api_redis, 7, ["x", "y"])
    one, two = await asyncio.wait_for(asyncio.gather(*readers), 10)
    assert one == two and [e["type"] for e in one] == ["token", "token", "done"]


async def test_events_published_while_the_connection_was_down_are_replayed(api_redis, redis_client):
    stream = await JobEventStream(api_redis, KIND, 9).open()
    batches = stream.batches(idle_seconds=0.2)
    await publish_async(api_redis, KIND, 9, EventType.TOKEN, {"text": "before"})
    assert [e["data"]["text"] for e in await anext(batches)] == ["before"]

    # Drop the hub's connection and publish in one transaction, so the event can only come from the replay list.
    keys, args = _encode(KIND, 9, EventType.TOKEN, {"text": "missed"})
    with redis_client.pipeline(transaction=True) as pipe:
        pipe.client_kill_filter(_type="pubsub")
        pipe.eval(_PUBLISH_LUA, len(keys), *keys, *args)
        pipe.execute()
    async with asyncio.timeout(10):
        assert [e["data"]["text"] for e in await anext(batches)] == ["missed"]
    await _publish_answer(api_redis, 9, ["after"])
    async with asyncio.timeout(10):
        rest = [event for batch in [b async for b in batches] for event in batch]
    assert [e["data"].get("text") for e in rest] == ["after", None]


async def test_a_reader_that_fell_behind_gets_the_backlog_in_one_batch(api_redis):
    stream = await JobEventStream(api_redis, KIND, 11).open()
    await _publish_answer(api_redis, 11, [str(i) for i in range(20)])
    batches = [batch async for batch in stream.batches(idle_seconds=0.2)]
    assert len(batches) == 1 and len(batches[0]) == 21


async def test_subscribing_after_a_quiet_spell_does_not_read_the_socket_the_reader_owns(redis_url, redis_client):
    """redis-py health checks read a PING reply from the subscribing task while the hub's reader reads too."""
    client = aioredis.Redis.from_url(redis_url, decode_responses=True, health_check_interval=0.05)
    try:
        first = await JobEventStream(client, KIND, 21).open()
        await first.close()  # no channel left: redis-py would health-check the next SUBSCRIBE
        await asyncio.sleep(0.2)
        second = await JobEventStream(client, KIND, 22).open()
        reader = asyncio.create_task(_collect(second))
        await _publish_answer(client, 22, ["ok"])
        events = await asyncio.wait_for(reader, 10)
        assert [e["type"] for e in events] == ["token", "done"]
    finally:
        await close_event_hub(client)
        await client.aclose()
