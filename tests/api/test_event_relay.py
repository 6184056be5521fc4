"""The relay's shortcuts: events are cut out of the published JSON without decoding it, and a stream notices it
is idle from one periodic tick rather than a timeout per wait."""

import asyncio
import json

from app.core.redis import create_redis
from app.events.hub import close_event_hub
from app.events.relay import JobEventStream, encode_sse, parse_event
from app.kernel.contracts import EventType
from app.kernel.events import _encode, publish_async


def _published(event_type: str, data: dict, seq: int = 7) -> str:
    """What the Lua script stores and publishes for this event."""
    body = _encode("test", 1, event_type, data)[1][0]
    return f'{{"seq": {seq}, {body}'


def test_a_published_event_is_cut_out_unchanged_and_data_decoded_only_when_read():
    data = {"text": ' "你好", \\ {"data": 1}', "n": [1, 2.5, None]}
    event = parse_event(_published(EventType.TOKEN, data))
    assert (event["seq"], event["type"]) == (7, "token")
    assert "data" not in event  # not decoded yet
    frame = encode_sse(event)
    assert frame.startswith("id: 7\nevent: token\ndata: ") and "你好" in frame
    assert json.loads(frame.split("data: ", 1)[1]) == data
    assert event["data"] == data


def test_the_frame_is_the_one_a_decoded_event_gives():
    raw = _published(EventType.DONE, {"message": {"id": 3, "content": "ok\nline"}})
    assert encode_sse(parse_event(raw)) == encode_sse(json.loads(raw))


def test_events_in_another_layout_are_decoded_whole():
    """Replay lists written before `data` moved last (an upgrade mid-answer) still relay."""
    old = '{"seq": 4, "type": "token", "data": {"text": "a"}, "ts": 1.5}'
    event = parse_event(old)
    assert event == {"seq": 4, "type": "token", "data": {"text": "a"}, "ts": 1.5}
    assert encode_sse(event) == 'id: 4\nevent: token\ndata: {"text": "a"}\n\n'


async def test_idle_hook_runs_only_after_a_quiet_period(redis_url, redis_client):
    client = create_redis(redis_url, 10)
    try:
        stream = await JobEventStream(client, "idletest", 1).open()
        idle_at: list[float] = []
        loop = asyncio.get_running_loop()

        async def on_idle():
            idle_at.append(loop.time())

        async def publish_then_stop():
            for i in range(12):  # 1.2 s of events every 0.1 s: never idle for 0.4 s
                await publish_async(client, "idletest", 1, EventType.TOKEN, {"text": str(i)})
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)  # then quiet: idle after 0.4-0.6 s, and again every 0.4-0.6 s
            await publish_async(client, "idletest", 1, EventType.DONE, {})

        started = loop.time()
        publisher = asyncio.create_task(publish_then_stop())
        events = [event async for event in stream.events(idle_seconds=0.4, on_idle=on_idle)]
        await publisher
        assert [e["type"] for e in events] == ["token"] * 12 + ["done"]
        assert idle_at and all(t - started > 1.2 + 0.35 for t in idle_at), [t - started for t in idle_at]
        assert len(idle_at) <= 2
    finally:
        await close_event_hub(client)
        await client.aclose()
