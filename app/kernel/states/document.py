"""A document's lifecycle: queued → parsing → embedding → indexed | failed; a final document may be re-queued."""

from app.kernel.models.knowledge import Document, DocumentStatus
from app.kernel.states.lifecycle import Lifecycle

ACTIVE = frozenset({DocumentStatus.PARSING, DocumentStatus.EMBEDDING})
FINAL = frozenset({DocumentStatus.INDEXED, DocumentStatus.FAILED})

LIFECYCLE: Lifecycle[DocumentStatus] = Lifecycle(
    Document,
    {
        DocumentStatus.QUEUED: {DocumentStatus.PARSING, DocumentStatus.FAILED},
        # indexed straight from parsing when the stage events were skipped (a small document, one batch)
        DocumentStatus.PARSING: {
            DocumentStatus.PARSING,
            DocumentStatus.EMBEDDING,
            DocumentStatus.INDEXED,
            DocumentStatus.FAILED,
        },
        DocumentStatus.EMBEDDING: {DocumentStatus.EMBEDDING, DocumentStatus.INDEXED, DocumentStatus.FAILED},
        DocumentStatus.INDEXED: {DocumentStatus.QUEUED},
        DocumentStatus.FAILED: {DocumentStatus.QUEUED},
    },
)
move = LIFECYCLE.move

__all__ = ["ACTIVE", "FINAL", "LIFECYCLE", "DocumentStatus", "move"]
