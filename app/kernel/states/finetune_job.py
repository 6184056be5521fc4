"""A fine-tune job's lifecycle: queued → running → succeeded | failed | cancelled."""

from app.kernel.models.finetune import FinetuneJob, JobStatus
from app.kernel.states.lifecycle import JobLifecycle

LIFECYCLE: JobLifecycle[JobStatus] = JobLifecycle(
    FinetuneJob, JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED, (JobStatus.FAILED, JobStatus.CANCELLED)
)
ACTIVE, FINAL, move = LIFECYCLE.active, LIFECYCLE.final, LIFECYCLE.move

__all__ = ["ACTIVE", "FINAL", "LIFECYCLE", "JobStatus", "move"]
