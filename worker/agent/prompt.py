"""Fold tool results and retrieved passages into the last user message the final answer is generated from."""

import json

from worker.agent.context import Messages
from worker.agent.runner import ToolRun

INSTRUCTIONS = (
    "Answer the question below using the context. Tool results were computed just now and are correct: "
    "use their figures exactly. If a tool failed, say you could not get that information."
)
STATED = (
    "The answer already begins with the exact tool results, shown to the user verbatim: do not repeat or "
    "change them; add only what the question still needs from the sources."
)
CITE = "Cite the sources you use by their number in square brackets, like [1]. Do not invent sources."


def _tool_section(run: ToolRun) -> str:
    header = f"### {run.event['name']}({json.dumps(run.event['arguments'], ensure_ascii=False)})"
    body = run.output.text if run.output else f"FAILED: {run.event.get('error', 'unknown error')}"
    return f"{header}\n{body}"


def augment_messages(
    messages: Messages, question: str, standalone: str, runs: list[ToolRun], stated: bool = False
) -> Messages:
    """A copy of `messages` whose last user turn carries the context; unchanged when no step ran.

    `stated`: the exact results open the answer already (worker/agent/answer.py), so the model adds the rest.
    """
    augmented = [dict(m) for m in messages]
    if not runs:
        return augmented
    tool_runs = [r for r in runs if not (r.output and r.output.citations)]
    source_runs = [r for r in runs if r.output and r.output.citations]
    parts = [INSTRUCTIONS + (" " + STATED if stated else "") + (" " + CITE if source_runs else "")]
    if tool_runs:
        parts.append("## Tool results\n\n" + "\n\n".join(_tool_section(r) for r in tool_runs))
    if source_runs:
        parts.append("## Sources\n\n" + "\n\n".join(r.output.text for r in source_runs))
    parts.append(f"## Question\n\n{question}")
    if standalone.strip() != question.strip():
        parts.append(f"(Standalone form: {standalone})")
    last_user = max(i for i, m in enumerate(augmented) if m.get("role") == "user")
    augmented[last_user]["content"] = "\n\n".join(parts)
    return augmented
