"""Context for a chat answer: search the user's knowledge bases and pack the best hits with citations."""

from collections.abc import Callable

from sqlalchemy import select

from app.kernel.models import Document, KnowledgeBase
from worker.jobs.knowledge.hits import live_hits
from worker.rag.pipeline import build_context, relevant_hits
from worker.runtime import db_sessions


def searchable_kbs(knowledge_base_ids: list[int], owner_id: int) -> list[tuple[int, str]]:
    """(id, embedding model) of the given knowledge bases that `owner_id` owns and that hold indexed documents."""
    if not knowledge_base_ids:
        return []
    indexed = select(Document.id).where(
        Document.knowledge_base_id == KnowledgeBase.id, Document.indexed_at.is_not(None)
    )
    query = select(KnowledgeBase.id, KnowledgeBase.embedding_model).where(
        KnowledgeBase.id.in_(knowledge_base_ids), KnowledgeBase.owner_id == owner_id, indexed.exists()
    )
    with db_sessions()() as session:
        return list(session.execute(query.order_by(KnowledgeBase.id)).tuples())


def retrieve(
    knowledge_base_ids: list[int],
    owner_id: int,
    question: str,
    budget_tokens: int,
    k: int = 6,
    count_tokens: Callable[[str], int] | None = None,
) -> tuple[str, list[dict]]:
    """(context of "[n] text" blocks, citations with `document_name`); ("", []) when nothing relevant was found.

    Each knowledge base is searched in hybrid mode; hits are merged by score before the relevance cut-off.
    Pass the chat model's `count_tokens` so the passages really fit its context window.
    """
    found = []
    for kb_id, embedding_model in searchable_kbs(knowledge_base_ids, owner_id):
        found.extend(live_hits(kb_id, embedding_model, question, "hybrid", k))
    found.sort(key=lambda pair: -pair[0].score)
    names = {hit.document_id: name for hit, name in found}
    hits = relevant_hits([hit for hit, _ in found])[:k]
    context, citations = build_context(hits, budget_tokens, count_tokens)
    if not context:
        return "", []
    return context, [{**c, "document_name": names[c["document_id"]]} for c in citations]
