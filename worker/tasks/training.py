"""Celery tasks of this area; the domain logic lives outside the task module."""

from app.contracts import TASK_FINETUNE
from worker.celery_app import celery_app
from worker.finetune.job import run_finetune_job


@celery_app.task(name=TASK_FINETUNE)
def finetune(job_id: int) -> str:
    return run_finetune_job(job_id)
