"""Celery tasks of this area; the domain logic lives outside the task module."""

from app.kernel.tasks import Completion, GenerateAnswer
from worker.celery_app import payload_task, rowless_task
from worker.jobs.generation.completion_job import run_completion_job
from worker.jobs.generation.job import run_chat_job


@payload_task(GenerateAnswer)
def generate(task: GenerateAnswer) -> str:
    return run_chat_job(task.message_id)


completion = rowless_task(Completion, run_completion_job)
