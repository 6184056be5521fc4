from app.kernel.tasks import HealthCheck
from worker.celery_app import payload_task


@payload_task(HealthCheck)
def health(_task: HealthCheck) -> str:
    """Round-trip check that a worker consumes its queue."""
    return "ok"
