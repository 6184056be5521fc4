"""Search one knowledge base's index and keep only hits of documents that still exist."""

from dataclasses import dataclass

from sqlalchemy import select

from app.kernel.models import Document
from worker.rag.index import Hit, Mode
from worker.rag.pipeline import index_dir, open_index
from worker.rag.relevance import CANDIDATES, Relevance, judge
from worker.runtime import db_sessions


@dataclass(frozen=True)
class Found:
    """Top hits of one knowledge base with their file names, and whether any of them is relevant."""

    knowledge_base_id: int
    hits: list[tuple[Hit, str]]
    relevance: Relevance


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


def live_hits(knowledge_base_id: int, embedding_model: str, query: str, mode: Mode, k: int, threshold: float) -> Found:
    """Top `k` (hit, file name) pairs; a deleted document's vectors may linger briefly but are never returned."""
    if not index_dir(knowledge_base_id).exists():
        return Found(knowledge_base_id, [], judge(0.0, 0.0, 0.0, threshold))
    index = open_index(knowledge_base_id, embedding_model)
    hits = index.search(query, mode=mode, k=max(2 * k, CANDIDATES))
    names = document_names(knowledge_base_id, {hit.document_id for hit in hits})
    live = [hit for hit in hits if hit.document_id in names]
    relevance = index.assess(query, live, threshold)
    return Found(knowledge_base_id, [(hit, names[hit.document_id]) for hit in live[:k]], relevance)
