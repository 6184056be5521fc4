"""Ground an answer in the user's knowledge bases: the instructions around the retrieved, numbered passages."""

from collections.abc import Callable
from dataclasses import dataclass, field

from worker.jobs.knowledge.retrieval import relevant_pairs, retrieve, search_knowledge_bases
from worker.rag.relevance import nothing_relevant_message

CITE_INSTRUCTION = (
    "Answer the question using only the numbered passages below from the user's documents. "
    "Cite the passages you use like [1] or [2]. If they do not contain the answer, say so plainly."
)


@dataclass
class Grounding:
    """The note for the system prompt, or, when nothing is relevant, the fixed answer to give instead."""

    system_note: str = ""
    citations: list[dict] = field(default_factory=list)
    relevance: list[dict] = field(default_factory=list)
    answer: str | None = None


def ground(
    owner_id: int,
    knowledge_base_ids: list[int],
    question: str,
    budget_tokens: int,
    count_tokens: Callable[[str], int],
) -> Grounding:
    """With nothing relevant the answer is fixed ("nothing relevant", in the question's language): a model given
    no passages would answer from its own knowledge as if the documents said so."""
    retrieved = retrieve(knowledge_base_ids, owner_id, question, budget_tokens, count_tokens=count_tokens)
    if not retrieved.context:
        return Grounding(relevance=retrieved.relevance, answer=nothing_relevant_message(question))
    return Grounding(f"{CITE_INSTRUCTION}\n\n{retrieved.context}", retrieved.citations, retrieved.relevance)


def search_results(owner_id: int, knowledge_base_ids: list[int], query: str, k: int) -> list[dict]:
    """Relevant passages in the shape the agent's knowledge_search tool expects (owner's bases only)."""
    pairs = relevant_pairs(search_knowledge_bases(knowledge_base_ids, owner_id, query, k), k)
    return [
        {"document_id": h.document_id, "document_name": name, "page": h.page, "text": h.text, "score": h.score}
        for h, name in pairs
    ]


def with_system_note(messages: list[dict[str, str]], note: str) -> list[dict[str, str]]:
    """Add `note` to the system prompt (creating one), keeping the conversation itself unchanged."""
    if messages and messages[0]["role"] == "system":
        return [{"role": "system", "content": f"{messages[0]['content']}\n\n{note}"}, *messages[1:]]
    return [{"role": "system", "content": note}, *messages]
