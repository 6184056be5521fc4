"""An assistant message's lifecycle: pending (queued) → streaming → done | cancelled | failed."""

from app.kernel.models.conversation import Message, MessageStatus
from app.kernel.states.lifecycle import Lifecycle

ACTIVE = frozenset({MessageStatus.PENDING, MessageStatus.STREAMING})
FINAL = frozenset({MessageStatus.DONE, MessageStatus.CANCELLED, MessageStatus.FAILED})

LIFECYCLE: Lifecycle[MessageStatus] = Lifecycle(
    Message,
    {
        MessageStatus.PENDING: {MessageStatus.STREAMING, MessageStatus.CANCELLED, MessageStatus.FAILED},
        MessageStatus.STREAMING: {MessageStatus.DONE, MessageStatus.CANCELLED, MessageStatus.FAILED},
    },
)
move = LIFECYCLE.move

__all__ = ["ACTIVE", "FINAL", "LIFECYCLE", "MessageStatus", "move"]
