"""One merge job: a succeeded job's LoRA adapter merged into its base model, published as `merge` events.

State lives outside the database: the merged directory (complete once `localmind_merge.json` is in it) and, while
queued, running or failed, a record in Redis (`payload:merge:<job id>`) that the API reads.
"""

import gc
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from loguru import logger

from app.kernel.contracts import EventType, JobKind
from app.kernel.events import EventPublisher
from app.kernel.keys import payload_key
from app.kernel.models import FinetuneJob
from app.kernel.registry.errors import EngineError
from app.kernel.registry.model_files import dir_size
from app.kernel.schemas.finetune import FinetuneMergePublic
from app.kernel.settings import get_settings
from app.kernel.states.finetune_job import JobStatus
from app.kernel.training.errors import TrainingError
from app.kernel.training.naming import MERGE_METADATA, MERGE_STATE_TTL_SECONDS, merged_model_dir
from worker.engine.store import pull_model
from worker.runtime import JobLease, db_sessions, publisher, redis_client
from worker.training.merge import merge_adapter


def _merge_into(job: dict[str, Any], target: Path, events: EventPublisher) -> None:
    """Merge into a staging directory, then move it into place: a half-written model is never visible."""
    base_dir = pull_model(
        job["base_model"], lambda stage, _done: events.publish(EventType.STATUS, {"state": "preparing", "stage": stage})
    )
    adapter_dir = get_settings().adapters_dir / job["adapter_name"]
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        merge_adapter(
            adapter_dir,
            staging,
            base_dir,
            lambda stage, done: events.publish(EventType.PROGRESS, {"stage": stage, "fraction": done}),
        )
        metadata = job | {"size_bytes": dir_size(staging), "merged_at": datetime.now(UTC).isoformat()}
        (staging / MERGE_METADATA).write_text(json.dumps(metadata, indent=2))
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _load_job(job_id: int) -> dict[str, Any] | None:
    """What the merge needs from the job row; None when there is no succeeded adapter to merge."""
    with db_sessions()() as session:
        job = session.get(FinetuneJob, job_id)
        if job is None or job.status != JobStatus.SUCCEEDED or not job.adapter_name:
            return None
        return {"job_id": job.id, "base_model": job.base_model, "adapter_name": job.adapter_name}


def _public(target: Path) -> dict[str, Any]:
    """The finished merge as the API shows it, from the metadata written into the merged directory."""
    metadata = json.loads((target / MERGE_METADATA).read_text())
    return FinetuneMergePublic(state="done", path=str(target), **metadata).model_dump(mode="json")


def _set_state(client: redis.Redis, job_id: int, state: str, error: str | None = None) -> None:
    record = {"state": state} | ({"error": error} if error else {})
    client.set(payload_key(JobKind.MERGE, job_id), json.dumps(record), ex=MERGE_STATE_TTL_SECONDS)


def run_merge_job(job_id: int) -> str:
    """Entry point of the `training.merge_adapter` task. Returns the final state."""
    client = redis_client()
    events = publisher(JobKind.MERGE, job_id)
    target = merged_model_dir(get_settings(), job_id)
    with JobLease(client, JobKind.MERGE, job_id) as lease:
        if not lease.held:
            logger.info("job {} is already being merged by another worker", job_id)
            return "skipped"
        if (target / MERGE_METADATA).is_file():  # a redelivered or repeated task: the result stands
            client.delete(payload_key(JobKind.MERGE, job_id))
            events.publish(EventType.DONE, {"merge": _public(target)})
            return "done"
        job = _load_job(job_id)
        if job is None:
            return _fail(client, events, job_id, f"Fine-tuning job {job_id} has no succeeded adapter to merge.")
        _set_state(client, job_id, "running")
        events.publish(EventType.STATUS, {"state": "running"})
        try:
            _merge_into(job, target, events)
        except (TrainingError, EngineError, OSError) as exc:
            return _fail(client, events, job_id, str(exc))
        except Exception as exc:  # noqa: BLE001 - the worker must survive and record why
            logger.opt(exception=exc).error("merging job {} failed", job_id)
            return _fail(client, events, job_id, f"{type(exc).__name__}: {exc}")
        finally:
            gc.collect()
        client.delete(payload_key(JobKind.MERGE, job_id))
        events.publish(EventType.DONE, {"merge": _public(target)})
        return "done"


def _fail(client: redis.Redis, events: EventPublisher, job_id: int, message: str) -> str:
    _set_state(client, job_id, "failed", message)
    events.publish(EventType.ERROR, {"code": "merge_failed", "message": message})
    return "failed"
