"""Celery tasks of this area; the domain logic lives outside the task module."""

from app.kernel.tasks import Finetune, MergeAdapter
from worker.celery_app import payload_task
from worker.finetune.job import run_finetune_job
from worker.finetune.merge_job import run_merge_job


@payload_task(Finetune)
def finetune(task: Finetune) -> str:
    return run_finetune_job(task.job_id)


@payload_task(MergeAdapter)
def merge_adapter(task: MergeAdapter) -> str:
    return run_merge_job(task.job_id)
