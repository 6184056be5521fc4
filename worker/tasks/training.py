"""Celery tasks of this area; the domain logic lives outside the task module."""

from app.kernel.tasks import Finetune, MergeAdapter
from worker.celery_app import payload_task
from worker.jobs.finetune.job import run_finetune_job
from worker.jobs.finetune.merge_job import run_merge_job

# Acknowledged on receipt, not at the end: a fine-tune outlives Redis' visibility timeout (1 h), after which an
# unacked task is delivered again and KEDA would start a second GPU pod for it. The database is the source of
# truth instead: the job is claimed queued -> running once, and one whose worker died (lease gone) is failed.
TRAINING_TASK = {"acks_late": False, "reject_on_worker_lost": False}


@payload_task(Finetune, **TRAINING_TASK)
def finetune(task: Finetune) -> str:
    return run_finetune_job(task.job_id)


@payload_task(MergeAdapter, **TRAINING_TASK)
def merge_adapter(task: MergeAdapter) -> str:
    return run_merge_job(task.job_id)
