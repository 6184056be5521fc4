"""knowledge_search: passages from the user's own knowledge bases, returned with numbered citations."""

from worker.agent.tools.base import Tool, ToolEnv, ToolOutput, closed_object

SNIPPET_CHARS = 300
PASSAGE_CHARS = 1200


def run(args: dict, env: ToolEnv) -> ToolOutput:
    hits = env.knowledge_search(args["query"], args.get("k", 4))
    citations, passages = [], []
    for n, hit in enumerate(hits, start=env.citation_start):
        text = str(hit.get("text", ""))
        citations.append(
            {
                "n": n,
                "document_id": hit.get("document_id"),
                "document_name": hit.get("document_name", ""),
                "page": hit.get("page"),
                "snippet": text[:SNIPPET_CHARS],
                "score": hit.get("score"),
            }
        )
        page = f", page {hit['page']}" if hit.get("page") is not None else ""
        passages.append(f"[{n}] {hit.get('document_name', '')}{page}: {text[:PASSAGE_CHARS]}")
    return ToolOutput("\n\n".join(passages) or "No matching passages found.", citations)


TOOL = Tool(
    name="knowledge_search",
    needs="knowledge_search",
    description=(
        "Search the user's uploaded documents and knowledge bases for passages relevant to a question; "
        "use it for questions about the content of documents, manuals, policies, reports or notes."
    ),
    parameters=closed_object(
        {
            "query": {"type": "string", "minLength": 1, "maxLength": 1000},
            "k": {"type": "integer", "minimum": 1, "maximum": 10},
        },
        ["query"],
    ),
    run=run,
    suggest_args=lambda question: {"query": question, "k": 4},
    timeout_s=15.0,
    max_output_chars=6000,
    examples=(
        "What does the employee handbook say about vacation days?",
        "Summarize the section on warranty in the manual",
        "According to the report, what were the main findings?",
    ),
    keywords=frozenset(
        "document documents doc docs file files pdf manual handbook policy report paper notes says say "
        "according uploaded knowledge section chapter page".split()
    ),
)
