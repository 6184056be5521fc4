"""Context for a chat answer: search the user's knowledge bases, decide relevance, pack the best hits."""

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from app.kernel.models import Document, KnowledgeBase
from app.kernel.registry.embeddings import default_relevance_threshold
from worker.jobs.knowledge.hits import Found, live_hits
from worker.rag.pipeline import build_context
from worker.runtime import db_sessions


@dataclass(frozen=True)
class SearchableKb:
    id: int
    embedding_model: str
    retrieval_mode: str
    threshold: float


@dataclass
class Retrieved:
    """The packed context and its citations; `relevance` holds each searched knowledge base's decision."""

    context: str = ""
    citations: list[dict] = field(default_factory=list)
    relevance: list[dict] = field(default_factory=list)


def searchable_kbs(knowledge_base_ids: list[int], owner_id: int) -> list[SearchableKb]:
    """The given knowledge bases that `owner_id` owns and that hold indexed documents, with their settings."""
    if not knowledge_base_ids:
        return []
    indexed = select(Document.id).where(
        Document.knowledge_base_id == KnowledgeBase.id, Document.indexed_at.is_not(None)
    )
    query = select(KnowledgeBase).where(
        KnowledgeBase.id.in_(knowledge_base_ids), KnowledgeBase.owner_id == owner_id, indexed.exists()
    )
    with db_sessions()() as session:
        return [
            SearchableKb(
                kb.id,
                kb.embedding_model,
                kb.retrieval_mode,
                default_relevance_threshold(kb.embedding_model)
                if kb.relevance_threshold is None
                else kb.relevance_threshold,
            )
            for kb in session.scalars(query.order_by(KnowledgeBase.id))
        ]


def search_knowledge_bases(knowledge_base_ids: list[int], owner_id: int, query: str, k: int) -> list[Found]:
    """Each knowledge base searched in its own mode and judged with its own threshold."""
    return [
        live_hits(kb.id, kb.embedding_model, query, kb.retrieval_mode, k, kb.threshold)  # type: ignore[arg-type]
        for kb in searchable_kbs(knowledge_base_ids, owner_id)
    ]


def relevant_pairs(found: list[Found], k: int) -> list:
    """(hit, file name) of the knowledge bases judged relevant, best first by cosine similarity (comparable
    across modes, unlike the modes' own scores)."""
    pairs = [pair for result in found if result.relevance.relevant for pair in result.hits]
    pairs.sort(key=lambda pair: -(pair[0].similarity or 0.0))
    return pairs[:k]


def retrieve(
    knowledge_base_ids: list[int],
    owner_id: int,
    question: str,
    budget_tokens: int,
    k: int = 6,
    count_tokens: Callable[[str], int] | None = None,
) -> Retrieved:
    """Context of "[n] text" blocks with citations (`document_name` added); empty when nothing is relevant.

    Pass the chat model's `count_tokens` so the passages really fit its context window.
    """
    found = search_knowledge_bases(knowledge_base_ids, owner_id, question, k)
    decisions = [{"knowledge_base_id": f.knowledge_base_id, **f.relevance.as_dict()} for f in found]
    pairs = relevant_pairs(found, k)
    names = {hit.document_id: name for hit, name in pairs}
    context, citations = build_context([hit for hit, _ in pairs], budget_tokens, count_tokens)
    if not context:
        return Retrieved(relevance=decisions)
    return Retrieved(context, [{**c, "document_name": names[c["document_id"]]} for c in citations], decisions)
