"""The final answer's exact part: results of exact tools stated verbatim, so no model can misquote them.

Calculator and SQL results are composed from a template (the model never retypes a figure); knowledge and
small-model results still go through the model, and a knowledge answer that cites nothing gets its sources.
"""

import re

from worker.agent.runner import ToolRun

EXACT_TOOLS = frozenset({"calculator", "sql_query"})
_CITED = re.compile(r"\[\d+\]")
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


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


def ungrounded_figures(text: str, grounds: list[str]) -> list[str]:
    """Numbers in `text` that occur in none of `grounds` (the question and the passages): likely invented."""
    known = {n.replace(",", "") for g in grounds for n in _NUMBER.findall(g)}
    cited = {m.strip("[]") for m in _CITED.findall(text)}
    return [n for n in _NUMBER.findall(_CITED.sub("", text)) if n.replace(",", "") not in known | cited]


def sources_footer(text: str, citations: list[dict], question: str = "") -> str:
    """What a knowledge answer needs appended: '' when it cites a source and invents no figure.

    Otherwise the top passage, quoted with its source, so the answer carries what the documents say; plus the
    list of sources when the answer cites none of them.
    """
    if not citations:
        return ""
    cites = bool(_CITED.search(text))
    invented = ungrounded_figures(text, [question, *(str(c.get("snippet", "")) for c in citations)])
    if cites and not invented:
        return ""
    top = citations[0]
    footer = f"\n\n> {top.get('snippet', '').strip()}\n\n— [{top['n']}] {_source(top)}"
    if not cites:
        footer += "\n\nSources: " + "; ".join(f"[{c['n']}] {_source(c)}" for c in citations)
    return footer


def _source(citation: dict) -> str:
    page = f", page {citation['page']}" if citation.get("page") is not None else ""
    return f"{citation.get('document_name', '')}{page}"
