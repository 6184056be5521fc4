"""Fine-tuning: dataset uploads validated here (torch-free), jobs queued for the training worker."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

import anyio
import redis.asyncio as aioredis
from fastapi import Request
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_object_session
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from app.core.errors import QUEUE_ERRORS, AppError, not_found, queue_unavailable
from app.core.tasks import dispatch
from app.events.relay import just, relay, subscribe_unless_expired
from app.kernel.contracts import QUEUE_TRAINING, EventType, JobKind
from app.kernel.events import publish_async
from app.kernel.keys import REPLAY_TTL_SECONDS, cancel_key, lease_key, pending_queue_key
from app.kernel.models import Dataset, FinetuneJob, User
from app.kernel.registry.errors import UnknownModelError
from app.kernel.registry.model_files import model_dir
from app.kernel.registry.registry import get_registry
from app.kernel.registry.spec import ModelSpec
from app.kernel.schemas.finetune import FinetuneJobCreate, FinetuneJobDetail, FinetuneJobPublic
from app.kernel.settings import Settings
from app.kernel.states import finetune_job as job_state
from app.kernel.states.finetune_job import JobStatus
from app.kernel.tasks import Finetune
from app.kernel.training.config import MAX_EVAL_FRACTION, TrainConfig
from app.kernel.training.dataset import DEFAULT_MAX_SEQ_LEN, DatasetReport, validate_dataset
from app.kernel.training.errors import ConfigError
from app.kernel.training.naming import dataset_path, datasets_dir
from app.kernel.training.tokens import ChatTokenizer
from app.services import ownership
from app.services.job_health import no_worker_message, waiting_status
from app.services.model_entries import lookup_fresh
from app.services.queue_wait import training_wait

FORM_OVERHEAD_BYTES = 64 * 1024
COPY_CHUNK_BYTES = 1024 * 1024
DONE_GRACE = timedelta(seconds=5)


def field_error(field: str, message: str, code: str = "validation_error", **extra: Any) -> AppError:
    return AppError(422, code, f"{field}: {message}", [{"field": field, "message": message, **extra}])


def _too_large(limit: int) -> AppError:
    return AppError(413, "payload_too_large", f"The file is larger than the {limit // 2**20} MiB upload limit.")


# --- datasets ---------------------------------------------------------------------------------


def _copy_limited(source: BinaryIO, target: Path, limit: int) -> int:
    size = 0
    with open(target, "wb") as out:
        while chunk := source.read(COPY_CHUNK_BYTES):
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            out.write(chunk)
    return size


async def receive_upload(request: Request, settings: Settings) -> tuple[str, Path, dict[str, str]]:
    """Stream the multipart body (aborting past the size limit) into the uploads dir.

    Returns (original filename, stored path, the other form fields). Read by hand rather than through an
    `UploadFile` parameter so an oversized body is refused while it arrives, not after.
    """
    limit = settings.max_upload_mb * 2**20
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + FORM_OVERHEAD_BYTES:
        raise _too_large(limit)
    received = 0

    async def receive():
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > limit + FORM_OVERHEAD_BYTES:
            raise _too_large(limit)
        return message

    target = datasets_dir(settings) / f"{uuid.uuid4().hex}.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        async with Request(request.scope, receive).form(max_files=1, max_fields=8) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise field_error("file", "attach the dataset as multipart field 'file' (JSONL)")
            fields = {key: value for key, value in form.items() if isinstance(value, str)}
            await anyio.to_thread.run_sync(_copy_limited, upload.file, target, limit)
    except MultiPartException as exc:
        target.unlink(missing_ok=True)
        raise AppError(422, "validation_error", f"Malformed multipart body: {exc.message}") from exc
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return Path(upload.filename or "dataset.jsonl").name[:255], target, fields


def _parse_eval_fraction(raw: str | None) -> float:
    try:
        value = float(raw) if raw not in (None, "") else 0.0
    except ValueError:
        raise field_error("eval_fraction", f"must be a number, got {raw!r}") from None
    if not 0.0 <= value <= MAX_EVAL_FRACTION:
        raise field_error("eval_fraction", f"must be between 0 and {MAX_EVAL_FRACTION}, got {value}")
    return value


async def trainable_spec(session: AsyncSession, model_id: str) -> ModelSpec:
    """A registry model that can be fine-tuned here (a local transformers model), else 422 naming base_model."""
    registry = get_registry()
    try:
        spec = await lookup_fresh(session, lambda: registry.get(model_id))
    except UnknownModelError:
        spec = None
    available = [known.id for known in registry.specs() if known.backend == "transformers"]
    if spec is None:
        message = f"unknown base model {model_id!r}; available: {', '.join(available)}"
        raise field_error("base_model", message, "unknown_model", available=available) from None
    if spec.backend != "transformers":
        message = f"{model_id!r} is served remotely ({spec.backend} backend) and cannot be fine-tuned here"
        raise field_error("base_model", message, "unknown_model", available=available)
    return spec


@lru_cache(maxsize=4)
def _tokenizer(directory: Path) -> ChatTokenizer:
    return ChatTokenizer(directory)


def _tokenizer_for(spec: ModelSpec) -> ChatTokenizer | None:
    """Token statistics need the base model's tokenizer on disk; without it only the structure is checked."""
    directory = model_dir(spec)
    if not ChatTokenizer.available(directory):
        return None
    try:
        return _tokenizer(directory)
    except (OSError, ValueError):
        return None


def _check_dataset(path: Path, spec: ModelSpec | None, eval_fraction: float) -> tuple[DatasetReport, bool]:
    tokenizer = _tokenizer_for(spec) if spec else None
    max_len = (spec.context_length if spec else None) or DEFAULT_MAX_SEQ_LEN
    return validate_dataset(path, tokenizer, max_len, eval_fraction), tokenizer is not None


async def create_dataset(
    session: AsyncSession, settings: Settings, user: User, filename: str, path: Path, fields: dict[str, str]
) -> Dataset:
    """Validate the stored upload; invalid → 422 with line-numbered errors and the file removed."""
    try:
        eval_fraction = _parse_eval_fraction(fields.get("eval_fraction"))
        base_model = fields.get("base_model") or None
        spec = await trainable_spec(session, base_model) if base_model else await _default_spec(session, settings)
        report, counted = await anyio.to_thread.run_sync(_check_dataset, path, spec, eval_fraction)
        if not report.valid:
            errors = [{"line": issue.line, "message": issue.message} for issue in report.errors]
            first = errors[0]
            raise AppError(
                422,
                "invalid_dataset",
                f"The dataset has {report.error_count} invalid line(s); line {first['line']}: {first['message']}",
                {"errors": errors, "error_count": report.error_count},
            )
    except BaseException:
        await anyio.Path(path).unlink(missing_ok=True)
        raise
    token_stats = asdict(report.token_stats) | {"base_model": spec.id} if counted and report.token_stats else None
    dataset = Dataset(
        owner_id=user.id,
        name=filename,
        stored_name=path.name,
        format=report.format,
        count=report.count,
        eval_fraction=eval_fraction,
        token_stats=token_stats,
        preview=[{"messages": messages} for messages in report.preview],
    )
    session.add(dataset)
    await session.commit()
    await session.refresh(dataset)
    return dataset


async def _default_spec(session: AsyncSession, settings: Settings) -> ModelSpec | None:
    try:
        return await trainable_spec(session, settings.default_model)
    except AppError:
        return None


async def get_owned_dataset(session: AsyncSession, user: User, dataset_id: int) -> Dataset:
    return await ownership.get_owned(session, Dataset, dataset_id, "Dataset", owner_id=user.id)


async def list_datasets(session: AsyncSession, user: User) -> list[Dataset]:
    return list(await session.scalars(select(Dataset).where(Dataset.owner_id == user.id).order_by(Dataset.id.desc())))


async def delete_dataset(session: AsyncSession, settings: Settings, dataset: Dataset) -> None:
    uses = or_(FinetuneJob.dataset_id == dataset.id, FinetuneJob.eval_dataset_id == dataset.id)
    active = await session.scalar(select(FinetuneJob.id).where(uses, FinetuneJob.status.in_(job_state.ACTIVE)).limit(1))
    if active is not None:
        raise AppError(409, "dataset_in_use", f"Fine-tuning job {active} is using this dataset; cancel it first.")
    await anyio.Path(dataset_path(settings, dataset.stored_name)).unlink(missing_ok=True)
    await session.delete(dataset)
    await session.commit()


# --- jobs -------------------------------------------------------------------------------------


def _train_config(body: FinetuneJobCreate, spec: ModelSpec, dataset: Dataset) -> TrainConfig:
    values = body.model_dump(exclude={"base_model", "dataset_id", "eval_dataset_id"})
    values |= {"eval_fraction": dataset.eval_fraction}
    try:
        config = TrainConfig.from_dict(values).validate(max_context=spec.context_length)
    except ConfigError as exc:
        raise field_error(exc.field, str(exc).removeprefix(f"{exc.field}: ")) from None
    stats = dataset.token_stats or {}
    if stats.get("base_model") == spec.id and stats.get("max", 0) > config.max_seq_len:
        raise field_error(
            "max_seq_len", f"the dataset's longest sample is {stats['max']} tokens; raise max_seq_len to at least that"
        )
    return config


async def create_job(
    session: AsyncSession, redis: aioredis.Redis, tasks, user: User, body: FinetuneJobCreate
) -> FinetuneJob:
    """Commit the queued job, then dispatch it; Redis down → 503 and the job is marked failed."""
    spec = await trainable_spec(session, body.base_model)
    dataset = await get_owned_dataset(session, user, body.dataset_id)
    config = _train_config(body, spec, dataset)
    if config.method == "dpo" and dataset.format != "preference":
        message = f"dpo trains on preference pairs (prompt, chosen, rejected); this dataset is {dataset.format}"
        raise field_error("method", message)
    if config.method != "dpo" and dataset.format == "preference":
        raise field_error("method", "the dataset holds preference pairs (prompt, chosen, rejected); use method dpo")
    eval_dataset = await get_owned_dataset(session, user, body.eval_dataset_id) if body.eval_dataset_id else None
    job = FinetuneJob(
        owner_id=user.id,
        dataset_id=dataset.id,
        eval_dataset_id=eval_dataset.id if eval_dataset else None,
        base_model=spec.id,
        method=config.method,
        config=config.to_dict(),
        status=JobStatus.QUEUED,
        progress={},
        loss_history=[],
        metrics={},
    )
    session.add(job)
    await session.commit()
    await session.refresh(job)
    try:
        await redis.zadd(pending_queue_key(QUEUE_TRAINING), {str(job.id): datetime.now(UTC).timestamp()})
        await dispatch(tasks, Finetune(job_id=job.id))
    except QUEUE_ERRORS as exc:
        error = queue_unavailable("the job was not started. Please retry shortly.")
        await _finish(session, job.id, JobStatus.FAILED, JobStatus.QUEUED, error=error.message)
        raise error from exc
    return job


async def _finish(
    session: AsyncSession, job_id: int, status: JobStatus, source: JobStatus, error: str | None = None
) -> bool:
    """Conditional transition: only one of API replicas and the worker wins it."""
    result = await session.execute(
        job_state.move(job_id, status, sources=[source], error=error, finished_at=datetime.now(UTC))
    )
    await session.commit()
    return result.rowcount == 1


async def check_job(session: AsyncSession, redis: aioredis.Redis, job: FinetuneJob) -> FinetuneJob:
    """A `running` job whose worker lease expired is failed here, so a dead worker never leaves it running."""
    if job.status == JobStatus.RUNNING and not await redis.exists(lease_key(JobKind.FINETUNE, job.id)):
        reason = "The training worker running this job stopped (crashed or restarted); start a new job."
        if await _finish(session, job.id, JobStatus.FAILED, JobStatus.RUNNING, error=reason):
            data = {"code": "worker_lost", "message": reason}
            await publish_async(redis, JobKind.FINETUNE, job.id, EventType.ERROR, data)
        await session.refresh(job)
    return job


async def get_visible_job(session: AsyncSession, redis: aioredis.Redis, user: User, job_id: int) -> FinetuneJob:
    """The owner's job (administrators see every job); anyone else gets 404."""
    job = await session.get(FinetuneJob, job_id, populate_existing=True)
    if job is None or (job.owner_id != user.id and user.role != "admin"):
        raise not_found("Fine-tuning job")
    return await check_job(session, redis, job)


async def queue_position(redis: aioredis.Redis, job_id: int) -> int | None:
    rank = await redis.zrank(pending_queue_key(QUEUE_TRAINING), str(job_id))
    return rank + 1 if rank is not None else None


async def job_public(redis: aioredis.Redis, job: FinetuneJob, detail: bool = False, owner: str | None = None):
    schema = FinetuneJobDetail if detail else FinetuneJobPublic
    public = schema.model_validate(job)
    public.owner = owner
    if job.status == JobStatus.QUEUED:
        public.queue_position = await queue_position(redis, job.id)
        public.queue_message = await no_worker_message(redis, QUEUE_TRAINING)
        public.waiting_for = await training_wait(async_object_session(job), redis, public.queue_position)
    return public


async def list_jobs(session: AsyncSession, redis: aioredis.Redis, user: User) -> list[FinetuneJobPublic]:
    """The user's jobs, newest first; an administrator gets everyone's, with the owner's username."""
    query = select(FinetuneJob, User.username).join(User, User.id == FinetuneJob.owner_id)
    if user.role != "admin":
        query = query.where(FinetuneJob.owner_id == user.id)
    rows = (await session.execute(query.order_by(FinetuneJob.id.desc()))).all()
    admin = user.role == "admin"
    return [
        await job_public(redis, await check_job(session, redis, job), owner=name if admin else None)
        for job, name in rows
    ]


async def request_cancel(session: AsyncSession, redis: aioredis.Redis, job: FinetuneJob) -> FinetuneJob:
    """Set the cancel flag the trainer checks every micro-batch; a job still in the queue is cancelled here."""
    if job.status in job_state.FINAL:
        raise AppError(409, "job_finished", f"The job already finished ({job.status}).")
    await redis.set(cancel_key(JobKind.FINETUNE, job.id), "1", ex=REPLAY_TTL_SECONDS * 24)
    if await _finish(session, job.id, JobStatus.CANCELLED, JobStatus.QUEUED):
        await redis.zrem(pending_queue_key(QUEUE_TRAINING), str(job.id))
        await session.refresh(job)
        data = {"job": (await job_public(redis, job, detail=True)).model_dump(mode="json")}
        await publish_async(redis, JobKind.FINETUNE, job.id, EventType.DONE, data)
    return job


def stored_final_event(job_data: dict) -> dict:
    if job_data["status"] == JobStatus.FAILED:
        return {"type": EventType.ERROR, "data": {"code": "failed", "message": job_data["error"], "job": job_data}}
    return {"type": EventType.DONE, "data": {"job": job_data}}


async def job_events(request: Request, job: FinetuneJob, after_seq: int) -> AsyncIterator[dict[str, Any]]:
    """Subscribe now, then relay replay + live events led by the job's status; a final job with no history
    is sent whole."""
    app = request.app
    redis = app.state.redis
    detail = (await job_public(redis, job, detail=True)).model_dump(mode="json")
    stream = await subscribe_unless_expired(redis, JobKind.FINETUNE, job.id, job.status in job_state.FINAL)
    if stream is None:
        return just(stored_final_event(detail))
    job_id = job.id
    state = {"state": job.status, "queue_position": None}
    if job.status == JobStatus.QUEUED:
        state = await waiting_status(redis, QUEUE_TRAINING, detail["queue_position"])
    first, last_state = {"type": EventType.STATUS, "data": state}, [state]

    async def on_idle() -> dict | None:
        async with app.state.sessionmaker() as session:
            current = await check_job(session, redis, await session.get(FinetuneJob, job_id))
            if current.status == JobStatus.QUEUED:
                state = await waiting_status(redis, QUEUE_TRAINING, await queue_position(redis, job_id))
                if state != last_state[0]:
                    last_state[0] = state
                    return {"type": EventType.STATUS, "data": state}
            elif (
                current.status in job_state.FINAL
                and current.finished_at.replace(tzinfo=UTC) < datetime.now(UTC) - DONE_GRACE
            ):
                # Finished but its terminal event never came (the worker died between commit and publish).
                event = stored_final_event((await job_public(redis, current, detail=True)).model_dump(mode="json"))
                await publish_async(redis, JobKind.FINETUNE, job_id, event["type"], event["data"])
        return None

    return relay(stream, first, after_seq, on_idle)
