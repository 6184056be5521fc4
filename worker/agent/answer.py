"""The final answer's exact part: results of exact tools stated verbatim, so no model can misquote them.

Calculator and SQL results are composed from a template (the model never retypes a figure); knowledge and
small-model results still go through the model, and a knowledge answer that cites nothing gets its sources.
"""

import re

from worker.agent.runner import ToolRun

EXACT_TOOLS = frozenset({"calculator", "sql_query"})
_CITED = re.compile(r"\[\d+\]")


def is_exact(run: ToolRun) -> bool:
    return run.event["name"] in EXACT_TOOLS


def statement(run: ToolRun) -> str:
    """One exact run in the answer's words: the result verbatim, or why there is none."""
    if run.output is None:
        return f"I could not get that result ({run.event['name']}: {run.event.get('error', 'failed')})."
    return run.output.answer or f"**{run.output.text}**"


def preface(runs: list[ToolRun]) -> str:
    """The answer's opening: every exact run's statement, in the order the tools ran."""
    return "\n\n".join(statement(run) for run in runs if is_exact(run))


def needs_model(runs: list[ToolRun]) -> bool:
    """Whether the model must still write part of the answer: no step ran, or one of them is not exact."""
    return not runs or any(not is_exact(run) for run in runs)


def sources_footer(text: str, citations: list[dict]) -> str:
    """`Sources: [1] doc, page 2` for an answer that used passages but cites none of them; else ''."""
    if not citations or _CITED.search(text):
        return ""
    names = []
    for c in citations:
        page = f", page {c['page']}" if c.get("page") is not None else ""
        names.append(f"[{c['n']}] {c.get('document_name', '')}{page}")
    return "\n\nSources: " + "; ".join(names)
