"""Say what a queued fine-tuning job waits for: a training worker, the job that is training, or jobs ahead."""

import redis.asyncio as aioredis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kernel.contracts import QUEUE_TRAINING
from app.kernel.models import FinetuneJob
from app.kernel.schemas.finetune import QueueWait
from app.kernel.states.finetune_job import JobStatus
from app.services.job_health import live_workers


async def training_wait(session: AsyncSession | None, redis: aioredis.Redis, position: int | None) -> QueueWait:
    """`position` is the job's 1-based place in the training queue (None once a worker took it off)."""
    ahead = max((position or 1) - 1, 0)
    workers = await live_workers(redis, QUEUE_TRAINING)
    if not workers:
        return QueueWait(reason="no_worker", ahead=ahead)
    running = [] if session is None else await _running_jobs(session)
    if len(running) >= workers:
        progress = running[0].progress or {}
        return QueueWait(
            reason="job_running",
            ahead=ahead,
            job_id=running[0].id,
            step=progress.get("step"),
            total_steps=progress.get("total_steps"),
        )
    return QueueWait(reason="jobs_ahead" if ahead else "pickup", ahead=ahead)


async def _running_jobs(session: AsyncSession) -> list[FinetuneJob]:
    """Every user's training jobs, oldest first: one worker trains one job at a time."""
    query = select(FinetuneJob).where(FinetuneJob.status == JobStatus.RUNNING).order_by(FinetuneJob.started_at)
    return list(await session.scalars(query))
