"""Merging a succeeded job's LoRA adapter into a full model for export, on the training queue.

No table holds merges: a complete merged directory (`model_store/merged/ft-<id>`, with `localmind_merge.json`
written last) is the result, and a Redis record says queued / running / failed in between (see
worker/jobs/finetune/merge_job.py). Events stream on `events:merge:<job id>` like every other job.
"""

import json
from collections.abc import AsyncIterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import anyio
import redis.asyncio as aioredis
from fastapi import Request
from redis.exceptions import RedisError

from app.core.errors import QUEUE_ERRORS, AppError, queue_unavailable
from app.core.tasks import dispatch
from app.events.relay import just, relay, subscribe_unless_expired
from app.kernel.contracts import EventType, JobKind
from app.kernel.events import publish_async
from app.kernel.keys import lease_key, payload_key, replay_key
from app.kernel.models import FinetuneJob
from app.kernel.schemas.finetune import FinetuneMergePublic
from app.kernel.settings import Settings
from app.kernel.states import finetune_job as job_state
from app.kernel.states.finetune_job import JobStatus
from app.kernel.tasks import MergeAdapter
from app.kernel.training.naming import (
    MERGE_METADATA,
    MERGE_STATE_TTL_SECONDS,
    adapter_name,
    merged_model_dir,
    served_model_id,
)

IN_PROGRESS = ("queued", "running")  # states of the merge record in Redis

# Queue a merge unless one is queued or running: atomic, so two clicks dispatch one task. A new attempt also
# drops the replay list, so a client following it never replays the previous attempt's `error`.
_CLAIM_LUA = """
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current)['state'] ~= 'failed' then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('DEL', KEYS[2])
return 1
"""


def refuse_unmergeable(job: FinetuneJob) -> None:
    """409 with what to do instead, for adapters that cannot (QLoRA) or cannot yet (not succeeded) be merged."""
    if job.method == "qlora":
        raise AppError(
            409,
            "merge_unsupported",
            f"Job {job.id} was trained with QLoRA on a 4-bit base; merging into 4-bit weights would round the "
            f"adapter away, so it is not supported. Serve it as the adapter model "
            f"{served_model_id(job.base_model, adapter_name(job.id))}, "
            "or start a new job with method 'lora' to export a merged model.",
        )
    if job.status in job_state.ACTIVE:
        raise AppError(409, "job_not_finished", f"Job {job.id} is {job.status}; merge it once it has succeeded.")
    if job.status != JobStatus.SUCCEEDED or not job.adapter_name:
        raise AppError(
            409,
            "job_not_finished",
            f"Job {job.id} ended {job.status}; only a succeeded job's adapter can be merged. "
            "Start a new job and merge it when it succeeds.",
        )


def _read_result(target: Path) -> dict[str, Any] | None:
    try:
        return json.loads((target / MERGE_METADATA).read_text())
    except (OSError, ValueError):
        return None


async def _result(settings: Settings, job: FinetuneJob) -> FinetuneMergePublic | None:
    target = merged_model_dir(settings, job.id)
    metadata = await anyio.to_thread.run_sync(_read_result, target)
    return FinetuneMergePublic(state="done", path=str(target), **metadata) if metadata else None


async def check_merge(redis: aioredis.Redis, settings: Settings, job: FinetuneJob) -> FinetuneMergePublic:
    """The merge's state; a `running` merge whose worker lease expired is failed here (and its clients told)."""
    done = await _result(settings, job)
    if done is not None:
        return done
    key = payload_key(JobKind.MERGE, job.id)
    record = json.loads(await redis.get(key) or '{"state": "none"}')
    if record["state"] == "running" and not await redis.exists(lease_key(JobKind.MERGE, job.id)):
        if (done := await _result(settings, job)) is not None:  # finished between the two reads
            return done
        reason = "The training worker merging this adapter stopped (crashed or restarted); start the merge again."
        record = {"state": "failed", "error": reason}
        await redis.set(key, json.dumps(record), ex=MERGE_STATE_TTL_SECONDS)
        await publish_async(redis, JobKind.MERGE, job.id, EventType.ERROR, {"code": "worker_lost", "message": reason})
    return FinetuneMergePublic(
        job_id=job.id,
        state=record["state"],
        base_model=job.base_model,
        adapter_name=job.adapter_name,
        error=record.get("error"),
    )


async def start_merge(redis: aioredis.Redis, tasks, settings: Settings, job: FinetuneJob) -> FinetuneMergePublic:
    """Queue the merge once; a merge already queued, running or done is returned as it is (idempotent)."""
    refuse_unmergeable(job)
    current = await check_merge(redis, settings, job)
    if current.state in (*IN_PROGRESS, "done"):
        return current
    key = payload_key(JobKind.MERGE, job.id)
    try:
        claimed = await redis.eval(
            _CLAIM_LUA, 2, key, replay_key(JobKind.MERGE, job.id), '{"state": "queued"}', MERGE_STATE_TTL_SECONDS
        )
        if claimed:
            await dispatch(tasks, MergeAdapter(job_id=job.id))
    except QUEUE_ERRORS as exc:
        with suppress(RedisError):
            await redis.delete(key)
        raise queue_unavailable("the merge was not started. Please retry shortly.") from exc
    return await check_merge(redis, settings, job)


def _final_event(merge: FinetuneMergePublic) -> dict[str, Any]:
    if merge.state == "failed":
        return {"type": EventType.ERROR, "data": {"code": "merge_failed", "message": merge.error}}
    return {"type": EventType.DONE, "data": {"merge": merge.model_dump(mode="json")}}


async def merge_events(request: Request, settings: Settings, job: FinetuneJob, after_seq: int) -> AsyncIterator[dict]:
    """Subscribe, then relay `status`, `progress {stage, fraction}` and `done {merge}` | `error {code, message}`."""
    app = request.app
    redis = app.state.redis
    merge = await check_merge(redis, settings, job)
    if merge.state == "none":
        raise AppError(
            404, "merge_not_found", f"No merge was started for job {job.id}; POST /api/v1/finetune/jobs/{job.id}/merge."
        )
    stream = await subscribe_unless_expired(redis, JobKind.MERGE, job.id, merge.state in ("done", "failed"))
    if stream is None:
        return just(_final_event(merge))

    job_id = job.id

    async def on_idle() -> None:
        async with app.state.sessionmaker() as session:
            current_job = await session.get(FinetuneJob, job_id)
            current = await check_merge(redis, settings, current_job) if current_job else None
        if current is not None and current.state == "done":  # the worker finished but died before `done`
            event = _final_event(current)
            await publish_async(redis, JobKind.MERGE, job_id, event["type"], event["data"])

    return relay(stream, {"type": EventType.STATUS, "data": {"state": merge.state}}, after_seq, on_idle)
