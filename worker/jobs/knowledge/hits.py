"""Search one knowledge base's index and keep only hits of documents that still exist."""

from sqlalchemy import select

from app.kernel.models import Document
from worker.rag.index import Hit, Mode
from worker.rag.pipeline import index_dir, open_index
from worker.runtime import db_sessions


def document_names(knowledge_base_id: int, document_ids: set[int]) -> dict[int, str]:
    """{document id: original file name} of the given ids that are still rows of this knowledge base."""
    if not document_ids:
        return {}
    with db_sessions()() as session:
        rows = session.execute(
            select(Document.id, Document.filename).where(
                Document.knowledge_base_id == knowledge_base_id, Document.id.in_(document_ids)
            )
        )
        return dict(rows.tuples().all())


def live_hits(knowledge_base_id: int, embedding_model: str, query: str, mode: Mode, k: int) -> list[tuple[Hit, str]]:
    """Top `k` (hit, file name) pairs; a deleted document's vectors may linger briefly but are never returned."""
    if not index_dir(knowledge_base_id).exists():
        return []
    hits = open_index(knowledge_base_id, embedding_model).search(query, mode=mode, k=2 * k)
    names = document_names(knowledge_base_id, {hit.document_id for hit in hits})
    return [(hit, names[hit.document_id]) for hit in hits if hit.document_id in names][:k]
