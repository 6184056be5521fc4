"""Ground an answer in the user's knowledge bases: the instructions around the retrieved, numbered passages."""

from collections.abc import Callable
from dataclasses import dataclass, field

from worker.jobs.knowledge.hits import live_hits
from worker.jobs.knowledge.retrieval import retrieve, searchable_kbs
from worker.rag.pipeline import relevant_hits

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


def ground(
    owner_id: int,
    knowledge_base_ids: list[int],
    question: str,
    budget_tokens: int,
    count_tokens: Callable[[str], int],
) -> Grounding:
    context, citations = retrieve(knowledge_base_ids, owner_id, question, budget_tokens, count_tokens=count_tokens)
    if not context:
        return Grounding(NOTHING_FOUND)
    return Grounding(f"{CITE_INSTRUCTION}\n\n{context}", citations)


def search_results(owner_id: int, knowledge_base_ids: list[int], query: str, k: int) -> list[dict]:
    """Relevant passages in the shape the agent's knowledge_search tool expects (owner's bases only)."""
    found = []
    for kb_id, embedding_model in searchable_kbs(knowledge_base_ids, owner_id):
        found.extend(live_hits(kb_id, embedding_model, query, "hybrid", k))
    names = {hit.document_id: name for hit, name in found}
    hits = relevant_hits(sorted((hit for hit, _ in found), key=lambda h: -h.score))[:k]
    return [
        {
            "document_id": h.document_id,
            "document_name": names[h.document_id],
            "page": h.page,
            "text": h.text,
            "score": h.score,
        }
        for h in hits
    ]


def with_system_note(messages: list[dict[str, str]], note: str) -> list[dict[str, str]]:
    """Add `note` to the system prompt (creating one), keeping the conversation itself unchanged."""
    if messages and messages[0]["role"] == "system":
        return [{"role": "system", "content": f"{messages[0]['content']}\n\n{note}"}, *messages[1:]]
    return [{"role": "system", "content": note}, *messages]
