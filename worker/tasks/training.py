"""Celery tasks of this area; the domain logic lives outside the task module."""

from app.kernel.contracts import TASK_FINETUNE, TASK_MERGE_ADAPTER
from worker.celery_app import celery_app
from worker.finetune.job import run_finetune_job
from worker.finetune.merge_job import run_merge_job


@celery_app.task(name=TASK_FINETUNE)
def finetune(job_id: int) -> str:
    return run_finetune_job(job_id)


@celery_app.task(name=TASK_MERGE_ADAPTER)
def merge_adapter(job_id: int) -> str:
    return run_merge_job(job_id)
