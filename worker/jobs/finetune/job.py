"""One fine-tuning job: claim it, train through `worker.training`, publish progress, persist the outcome."""

import gc
import shutil
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loguru import logger

from app.kernel.contracts import QUEUE_TRAINING, EventType, JobKind
from app.kernel.events import EventPublisher
from app.kernel.keys import pending_queue_key
from app.kernel.models import Dataset, FinetuneJob
from app.kernel.registry.errors import EngineError
from app.kernel.schemas.finetune import FinetuneJobDetail
from app.kernel.settings import get_settings
from app.kernel.states import finetune_job as job_state
from app.kernel.states.finetune_job import JobStatus
from app.kernel.training.config import TrainConfig
from app.kernel.training.errors import ConfigError, TrainingError
from app.kernel.training.naming import adapter_name, dataset_path
from worker.engine.engine import get_engine
from worker.engine.store import pull_model
from worker.jobs.finetune.judge import JudgeUnavailable, ModelJudge
from worker.jobs.finetune.progress import ProgressRecorder
from worker.runtime import JobLease, db_sessions, publisher, redis_client
from worker.training.evaluation import evaluate_adapter
from worker.training.metadata import read_adapter_metadata, write_adapter_metadata
from worker.training.trainer import COMPLETED, TrainResult, train

CANCEL_CHECK_INTERVAL_SECONDS = 0.25


class ThrottledCheck:
    """`check` asked at most every `interval` seconds, its last answer in between.

    The trainer asks before every micro-batch; a Redis round trip each time cost fast steps several ms on
    a loaded host. A cancel still lands within `interval` plus one micro-batch.
    """

    def __init__(self, check: Callable[[], bool], interval: float = CANCEL_CHECK_INTERVAL_SECONDS):
        self._check = check
        self._interval = interval
        self._asked_at = float("-inf")
        self._answer = False

    def __call__(self) -> bool:
        now = time.monotonic()
        if now - self._asked_at >= self._interval:
            self._asked_at, self._answer = now, self._check()
        return self._answer


@dataclass(frozen=True)
class JobPlan:
    job_id: int
    owner_id: int
    base_model: str
    config: dict[str, Any]
    dataset: Path
    eval_dataset: Path | None = None


def claim(job_id: int) -> JobPlan | None:
    """queued → running exactly once; a cancelled or redelivered job finds nothing to claim."""
    with db_sessions()() as session:
        result = session.execute(
            job_state.move(job_id, JobStatus.RUNNING, sources=[JobStatus.QUEUED], started_at=datetime.now(UTC))
        )
        session.commit()
        if result.rowcount != 1:
            return None
        job = session.get(FinetuneJob, job_id)
        dataset = session.get(Dataset, job.dataset_id)
        path = dataset_path(get_settings(), dataset.stored_name)
        evaluation = session.get(Dataset, job.eval_dataset_id) if job.eval_dataset_id else None
        eval_path = dataset_path(get_settings(), evaluation.stored_name) if evaluation else None
        return JobPlan(job.id, job.owner_id, job.base_model, dict(job.config), path, eval_path)


def finish(job_id: int, status: JobStatus, recorder: ProgressRecorder, **values: Any) -> dict:
    """Persist the outcome with the full loss history; returns the job as its public detail dict."""
    recorder.close()  # every progress event goes out before the final one
    with db_sessions()() as session:
        job = session.get(FinetuneJob, job_id)
        job.status = status
        job.finished_at = datetime.now(UTC)
        if recorder.history:
            job.progress, job.loss_history = recorder.latest, list(recorder.history)
        for key, value in values.items():
            setattr(job, key, value)
        session.commit()
        return FinetuneJobDetail.model_validate(job).model_dump(mode="json")


def _train_adapter(plan: JobPlan, events: EventPublisher, recorder: ProgressRecorder) -> tuple[TrainResult, str]:
    """Train into a staging directory, then move it into place: the registry never sees half an adapter."""
    base_dir = pull_model(
        plan.base_model,
        lambda stage, _fraction: events.publish(EventType.STATUS, {"state": "preparing", "stage": stage}),
    )
    events.publish(EventType.STATUS, {"state": "running"})
    name = adapter_name(plan.job_id)
    adapters = get_settings().adapters_dir
    staging, target = adapters / f".{name}.partial", adapters / name
    shutil.rmtree(staging, ignore_errors=True)
    try:
        config = TrainConfig.from_dict(plan.config)
        cancelled = ThrottledCheck(events.cancelled)
        result = train(config, base_dir, plan.dataset, staging, recorder, cancelled, plan.base_model)
        # `base_model_id` is the key app/services/models_catalog.py lists adapters by.
        extra = {"base_model_id": plan.base_model, "job_id": plan.job_id, "owner_id": plan.owner_id}
        if plan.eval_dataset is not None and result.status == COMPLETED:
            events.publish(EventType.STATUS, {"state": "evaluating"})
            result.metrics["evaluation"] = _evaluate(base_dir, staging, plan.eval_dataset, config.method)
            extra["metrics"] = result.metrics
        write_adapter_metadata(staging, read_adapter_metadata(staging) | extra)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result, name


def _evaluate(base_dir: Path, adapter_dir: Path, dataset: Path, method: str) -> dict[str, Any]:
    """Base vs adapter on the job's evaluation set; a failure is recorded, the trained adapter is kept.

    A misconfigured judge (EVAL_JUDGE_MODEL) is found before any answer is generated; it does not fail the job
    (its owner cannot fix a server setting): the report says why there is no judge score, next to the others.
    """
    judging: AbstractContextManager[ModelJudge | None] = nullcontext()
    judge_problem = None
    if judge_id := get_settings().eval_judge_model:
        try:
            judging = ModelJudge(get_engine(), judge_id)
        except JudgeUnavailable as exc:
            logger.warning("evaluating {} without a judge: {}", adapter_dir.name, exc)
            judge_problem = {"model": judge_id, "error": str(exc)}
    try:
        with judging as judge:
            report = evaluate_adapter(base_dir, adapter_dir, dataset, method, judge)
    except Exception as exc:  # noqa: BLE001 - the adapter is good; say why it could not be scored
        logger.opt(exception=exc).warning("evaluation of {} failed", adapter_dir.name)
        return {"error": f"evaluation failed: {type(exc).__name__}: {exc}"}
    return (report | {"judge": judge_problem}) if judge_problem else report


def run_finetune_job(job_id: int) -> str:
    """Entry point of the `training.finetune` task. Returns the final status."""
    client = redis_client()
    client.zrem(pending_queue_key(QUEUE_TRAINING), job_id)
    events = publisher(JobKind.FINETUNE, job_id)
    # The lease exists before the claim so the API never sees `running` without a live worker behind it.
    with JobLease(client, JobKind.FINETUNE, job_id):
        plan = claim(job_id)
        if plan is None:
            logger.info("fine-tuning job {} is no longer queued; not running it", job_id)
            return "skipped"
        recorder = ProgressRecorder(job_id, events)
        try:
            result, name = _train_adapter(plan, events, recorder)
        except ConfigError as exc:
            return _fail(events, job_id, recorder, "invalid_config", str(exc))
        except (TrainingError, EngineError) as exc:
            return _fail(events, job_id, recorder, "training_failed", str(exc))
        except Exception as exc:  # noqa: BLE001 - the worker must survive and record why
            logger.opt(exception=exc).error("fine-tuning job {} failed", job_id)
            return _fail(events, job_id, recorder, "training_failed", f"{type(exc).__name__}: {exc}")
        finally:
            recorder.close()
            gc.collect()
        status = JobStatus.SUCCEEDED if result.status == COMPLETED else JobStatus.CANCELLED
        final = finish(job_id, status, recorder, metrics=result.metrics, adapter_name=name)
        events.publish(EventType.DONE, {"job": final})
        return status


def _fail(events: EventPublisher, job_id: int, recorder: ProgressRecorder, code: str, message: str) -> str:
    final = finish(job_id, JobStatus.FAILED, recorder, error=message)
    events.publish(EventType.ERROR, {"code": code, "message": message, "job": final})
    return "failed"
