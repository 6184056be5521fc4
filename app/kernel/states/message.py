"""An assistant message's lifecycle: pending (queued) → streaming → done | cancelled | failed."""

from app.kernel.models.conversation import Message, MessageStatus
from app.kernel.states.lifecycle import JobLifecycle

LIFECYCLE: JobLifecycle[MessageStatus] = JobLifecycle(
    Message,
    MessageStatus.PENDING,
    MessageStatus.STREAMING,
    MessageStatus.DONE,
    (MessageStatus.CANCELLED, MessageStatus.FAILED),
)
ACTIVE, FINAL, move = LIFECYCLE.active, LIFECYCLE.final, LIFECYCLE.move

__all__ = ["ACTIVE", "FINAL", "LIFECYCLE", "MessageStatus", "move"]
