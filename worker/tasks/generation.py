from app.contracts import TASK_GENERATE
from worker.celery_app import celery_app
from worker.chat.job import run_chat_job


@celery_app.task(name=TASK_GENERATE)
def generate(message_id: int) -> str:
    return run_chat_job(message_id)
