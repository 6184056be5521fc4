from app.kernel.contracts import TASK_COMPLETION, TASK_GENERATE
from worker.celery_app import celery_app
from worker.chat.completion_job import run_completion_job
from worker.chat.job import run_chat_job


@celery_app.task(name=TASK_GENERATE)
def generate(message_id: int) -> str:
    return run_chat_job(message_id)


@celery_app.task(name=TASK_COMPLETION)
def completion(job_id: str) -> str:
    return run_completion_job(job_id)
