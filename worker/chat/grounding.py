"""Ground an answer in the user's knowledge bases: search, pack numbered passages, keep citations."""

from dataclasses import dataclass, field

from sqlalchemy import select

from app.models import Document, KnowledgeBase
from worker.rag.index import Hit
from worker.rag.pipeline import build_context, open_index, relevant_hits
from worker.runtime import db_sessions

CITE_INSTRUCTION = (
    "Answer the question using only the numbered passages below from the user's documents. "
    "Cite the passages you use like [1] or [2]. If they do not contain the answer, say so plainly."
)
NOTHING_FOUND = (
    "The user's documents contain no passage relevant to this question. Say that you could not find the "
    "answer in their documents; do not invent one."
)


@dataclass
class Grounding:
    system_note: str
    citations: list[dict] = field(default_factory=list)


def search_knowledge(owner_id: int, knowledge_base_ids: list[int], query: str, k: int = 6) -> list[tuple[Hit, str]]:
    """Relevant hits from the owner's knowledge bases only, best first, with each hit's document name."""
    with db_sessions()() as session:
        bases = session.scalars(
            select(KnowledgeBase).where(KnowledgeBase.id.in_(knowledge_base_ids), KnowledgeBase.owner_id == owner_id)
        ).all()
        specs = [(kb.id, kb.embedding_model) for kb in bases]
    hits: list[Hit] = []
    for kb_id, embedding_model in specs:
        hits.extend(relevant_hits(open_index(kb_id, embedding_model).search(query, "hybrid", k)))
    hits.sort(key=lambda h: -(h.similarity if h.similarity is not None else h.score))
    hits = hits[:k]
    with db_sessions()() as session:
        names = dict(
            session.execute(
                select(Document.id, Document.filename).where(Document.id.in_({h.document_id for h in hits}))
            ).all()
        )
    return [
        (hit, names.get(hit.document_id, f"document {hit.document_id}")) for hit in hits if hit.document_id in names
    ]


def as_search_results(found: list[tuple[Hit, str]]) -> list[dict]:
    """The shape the agent's knowledge_search tool expects."""
    return [
        {"document_id": h.document_id, "document_name": name, "page": h.page, "text": h.text, "score": h.score}
        for h, name in found
    ]


def ground(owner_id: int, knowledge_base_ids: list[int], question: str, budget_tokens: int) -> Grounding:
    found = search_knowledge(owner_id, knowledge_base_ids, question)
    if not found:
        return Grounding(NOTHING_FOUND)
    context, citations = build_context([hit for hit, _ in found], budget_tokens)
    names = {hit.document_id: name for hit, name in found}
    for citation in citations:
        citation["document_name"] = names[citation["document_id"]]
    return Grounding(f"{CITE_INSTRUCTION}\n\n{context}", citations)


def with_system_note(messages: list[dict[str, str]], note: str) -> list[dict[str, str]]:
    """Add `note` to the system prompt (creating one), keeping the conversation itself unchanged."""
    if messages and messages[0]["role"] == "system":
        return [{"role": "system", "content": f"{messages[0]['content']}\n\n{note}"}, *messages[1:]]
    return [{"role": "system", "content": note}, *messages]
