"""The tool contract: one `Tool` per module in this package, exported as the module-level name `TOOL`."""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from worker.agent.context import Complete, SearchFn


class ToolError(Exception):
    """A refusal or failure the user may see verbatim (no traceback)."""


def closed_object(properties: dict[str, dict], required: list[str]) -> dict:
    """The JSON Schema of an object with these properties (`required` among them) and no others."""
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


@dataclass(frozen=True)
class ToolEnv:
    """What a tool may use for one call."""

    complete: Complete | None = None
    small_complete: Complete | None = None
    knowledge_search: SearchFn | None = None
    sql_db_path: Path | None = None
    sql_writer: Literal["model", "template"] = "template"
    citation_start: int = 1


@dataclass
class ToolOutput:
    """`text` is what the model sees; `answer`, where set, is the verbatim statement for the final answer;
    `images` (base64 PNG) go to the user with the tool event."""

    text: str
    citations: list[dict] = field(default_factory=list)
    answer: str | None = None
    images: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Tool:
    """A callable capability with a JSON-schema'd argument object, a deadline and an output cap.

    `needs` names the ToolEnv service the tool calls: without it in the env the tool is not offered.
    A `sandboxed` tool runs in worker.sandbox, whose start-up (once per process) is waited for before its deadline.
    `suggest_args` lets the deterministic planner derive arguments from a question (None: not applicable);
    with `pattern_routed` a match is itself a confident routing decision (an arithmetic expression, an
    explicit "translate: ..."), otherwise `examples` and `keywords` rank the tool by embedding or keywords.
    """

    name: str
    description: str
    parameters: dict
    run: Callable[[dict, ToolEnv], ToolOutput]
    suggest_args: Callable[[str], dict | None]
    needs: Literal["small_complete", "knowledge_search"] | None = None
    pattern_routed: bool = False
    sandboxed: bool = False
    timeout_s: float = 5.0
    max_output_chars: int = 4000
    examples: tuple[str, ...] = ()
    keywords: frozenset[str] = frozenset()

    def available(self, env: ToolEnv) -> bool:
        return self.needs is None or getattr(env, self.needs) is not None

    def schema(self) -> dict:
        """The OpenAI/Hermes function-calling description of this tool."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }
