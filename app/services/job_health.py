"""Keep queued work from hanging unexplained: say when no worker consumes a job's queue, and fail chat answers
that waited too long in the queue or whose worker died."""

import json
from datetime import UTC, datetime

import anyio
import redis.asyncio as aioredis
from loguru import logger
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.kernel.contracts import QUEUE_GENERATION, EventType, JobKind
from app.kernel.events import publish_async
from app.kernel.keys import QUEUE_BEAT_STALE_SECONDS, lease_key, pending_queue_key, queue_workers_key, replay_key
from app.kernel.models import Message
from app.kernel.settings import Settings
from app.kernel.states import message as message_state
from app.kernel.states.message import MessageStatus
from app.services.chat import mark_failed

SWEEP_INTERVAL_SECONDS = 10
# Workers whose last beat (worker/ops/liveness.py) is recent, by Redis server time: one round trip, no clock skew.
_LIVE_WORKERS = """
local now = tonumber(redis.call('TIME')[1])
return redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[1]), '+inf')
"""


async def live_workers(redis: aioredis.Redis, queue: str) -> int:
    """How many workers consume `queue` right now."""
    return int(await redis.eval(_LIVE_WORKERS, 1, queue_workers_key(queue), QUEUE_BEAT_STALE_SECONDS))


async def no_worker_message(redis: aioredis.Redis, queue: str) -> str | None:
    """Why a job queued on `queue` is not starting, while no worker consumes it; None when one does."""
    if await live_workers(redis, queue):
        return None
    return (
        f"No {queue} worker is running; start one with ./start_all.sh or "
        f"`celery -A worker.celery_app worker -Q {queue}`. The job starts as soon as one runs."
    )


async def waiting_status(redis: aioredis.Redis, queue: str, position: int | None) -> dict:
    """A queued job's `status` event data: its queue position and, while no worker consumes the queue, why."""
    data: dict = {"state": "queued", "queue_position": position}
    if message := await no_worker_message(redis, queue):
        data["message"] = message
    return data


def _age_seconds(message: Message) -> float:
    created = message.created_at if message.created_at.tzinfo else message.created_at.replace(tzinfo=UTC)
    return (datetime.now(UTC) - created).total_seconds()


async def _streamed_text(redis: aioredis.Redis, message_id: int) -> str:
    """The tokens a dead worker already published (the replay buffer): the partial answer the client saw."""
    events = [json.loads(raw) for raw in await redis.lrange(replay_key(JobKind.MESSAGE, message_id), 0, -1)]
    return "".join(e["data"].get("text", "") for e in events if e.get("type") == EventType.TOKEN)


async def _fail(session: AsyncSession, redis: aioredis.Redis, message_id: int, code: str, reason: str) -> None:
    partial = await _streamed_text(redis, message_id)
    if partial:  # keep the partial answer: the worker that would have stored it is gone
        await session.execute(
            update(Message)
            .where(Message.id == message_id, Message.status.in_(message_state.ACTIVE))
            .values(content=partial)
        )
    await mark_failed(session, message_id, reason)
    await redis.zrem(pending_queue_key(QUEUE_GENERATION), str(message_id))
    await publish_async(redis, JobKind.MESSAGE, message_id, EventType.ERROR, {"code": code, "message": reason})
    logger.warning("message {} failed: {}", message_id, code)


async def _status_event(redis: aioredis.Redis, position: int | None) -> dict:
    return {"type": EventType.STATUS, "data": await waiting_status(redis, QUEUE_GENERATION, position)}


async def queued_status(redis: aioredis.Redis, message_id: int) -> dict | None:
    """The `status` event of an answer still in the generation queue (Redis only); None once a worker took it."""
    rank = await redis.zrank(pending_queue_key(QUEUE_GENERATION), str(message_id))
    return None if rank is None else await _status_event(redis, rank + 1)


async def check_message(
    session: AsyncSession, redis: aioredis.Redis, settings: Settings, message_id: int
) -> dict | None:
    """Fail a stuck answer (publishing its `error` event); return a queue-position status while it waits."""
    message = await session.get(Message, message_id, populate_existing=True)
    if message is None:
        return None
    if message.status == MessageStatus.PENDING:
        if _age_seconds(message) > settings.generation_queue_timeout_seconds:
            reason = (
                f"No generation worker started this answer within {settings.generation_queue_timeout_seconds:.0f} s "
                "(all workers busy or none running). Please retry."
            )
            await _fail(session, redis, message_id, "queue_timeout", reason)
            return None
        return await queued_status(redis, message_id) or await _status_event(redis, None)
    if message.status == MessageStatus.STREAMING and not await redis.exists(lease_key(JobKind.MESSAGE, message_id)):
        reason = "The worker answering this message stopped (crashed or restarted). The partial answer is kept."
        await _fail(session, redis, message_id, "worker_lost", reason)
    return None


async def sweep_forever(sessions: async_sessionmaker[AsyncSession], redis: aioredis.Redis, settings: Settings):
    """Background duty of every API process; each check is a conditional update, so replicas don't clash."""
    while True:
        await anyio.sleep(SWEEP_INTERVAL_SECONDS)
        try:
            async with sessions() as session:
                ids = await session.scalars(
                    select(Message.id).where(Message.status.in_(message_state.ACTIVE)).limit(500)
                )
                for message_id in list(ids):
                    await check_message(session, redis, settings, message_id)
        except Exception as exc:  # noqa: BLE001 - the sweeper must outlive a Redis or DB outage
            logger.warning("job sweep skipped: {}", exc)
