"""small_model: delegate a self-contained sub-task (classify, summarize, translate...) to the small model."""

import re

from worker.agent.tools.base import Tool, ToolEnv, ToolOutput, closed_object

TASKS = ("classify", "summarize", "translate", "extract", "rewrite")
_REQUEST = re.compile(
    r"^\s*(?:please\s+|can you\s+|could you\s+)?(classify|summari[sz]e|translate|extract|rewrite)\b"
    r"(?P<instruction>[^:\n]*)[:\n]\s*(?P<text>.+)$",
    re.IGNORECASE | re.DOTALL,
)


def run(args: dict, env: ToolEnv) -> ToolOutput:
    instruction = args.get("instruction", "").strip()
    prompt = f"Task: {args['task']}." + (f" {instruction}" if instruction else "")
    reply = env.small_complete(
        [
            {"role": "system", "content": "You do exactly one sub-task and reply with only its result."},
            {"role": "user", "content": f"{prompt}\n\nText:\n{args['text']}"},
        ]
    )
    return ToolOutput(reply.strip())


def suggest_args(question: str) -> dict | None:
    """'Translate into French: good morning' -> {task: translate, instruction: into French, text: ...}."""
    match = _REQUEST.match(question)
    if match is None:
        return None
    task = match.group(1).lower().replace("summarise", "summarize")
    args = {"task": task, "text": match.group("text").strip()}
    if instruction := match.group("instruction").strip(" ,.-"):
        args["instruction"] = instruction
    return args


TOOL = Tool(
    name="small_model",
    needs="small_complete",
    description=(
        "Hand a self-contained text sub-task to a smaller, faster model: classify, summarize, translate, "
        "extract or rewrite a given text."
    ),
    parameters=closed_object(
        {
            "task": {"type": "string", "enum": list(TASKS)},
            "text": {"type": "string", "minLength": 1, "maxLength": 8000},
            "instruction": {"type": "string", "maxLength": 500},
        },
        ["task", "text"],
    ),
    run=run,
    suggest_args=suggest_args,
    pattern_routed=True,
    timeout_s=60.0,
    max_output_chars=4000,
    examples=(
        "Translate into French: good morning everyone",
        "Summarize: <a long paragraph>",
        "Classify the sentiment of this review: the battery died after a day",
    ),
    keywords=frozenset("translate translation summarize summarise summary classify classification".split()),
)
