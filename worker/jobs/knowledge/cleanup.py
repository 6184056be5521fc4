"""Remove what a deleted document or knowledge base left in the index (the API already removed rows and uploads)."""

from loguru import logger

from app.kernel.models import Document, KnowledgeBase
from worker.rag.pipeline import drop_index, index_dir, open_index
from worker.runtime import db_sessions


def run_cleanup_job(knowledge_base_id: int, document_id: int | None = None) -> str:
    """Without `document_id` the whole index of a deleted knowledge base goes."""
    with db_sessions()() as session:
        kb = session.get(KnowledgeBase, knowledge_base_id)
        embedding_model = kb.embedding_model if kb else None
        reused = document_id is not None and session.get(Document, document_id) is not None
    if kb is None:
        drop_index(knowledge_base_id)
        return "dropped"
    if document_id is None or reused:  # the id now names a new row: nothing of the old one to remove
        logger.info("cleanup of knowledge base {} skipped: its ids are in use again", knowledge_base_id)
        return "skipped"
    if index_dir(knowledge_base_id).exists():
        open_index(knowledge_base_id, embedding_model).delete_document(document_id)
    return "deleted"
