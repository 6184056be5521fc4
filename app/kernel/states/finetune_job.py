"""A fine-tune job's lifecycle: queued → running → succeeded | failed | cancelled."""

from app.kernel.models.finetune import FinetuneJob, JobStatus
from app.kernel.states.lifecycle import Lifecycle

ACTIVE = frozenset({JobStatus.QUEUED, JobStatus.RUNNING})
FINAL = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})

LIFECYCLE: Lifecycle[JobStatus] = Lifecycle(
    FinetuneJob,
    {
        JobStatus.QUEUED: {JobStatus.RUNNING, JobStatus.FAILED, JobStatus.CANCELLED},
        JobStatus.RUNNING: {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED},
    },
)
move = LIFECYCLE.move

__all__ = ["ACTIVE", "FINAL", "LIFECYCLE", "JobStatus", "move"]
