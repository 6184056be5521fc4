from app.kernel.contracts import TASK_HEALTH
from worker.celery_app import celery_app


@celery_app.task(name=TASK_HEALTH)
def health() -> str:
    """Round-trip check that a worker consumes its queue."""
    return "ok"
