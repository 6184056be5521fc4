"""What the caller injects into the agent and what it gets back."""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

Messages = list[dict[str, Any]]
"""Chat messages: role and content, plus `tool_calls` on an assistant call in a native tool template's format."""
Complete = Callable[[Messages], str]
CompleteJson = Callable[[Messages, dict, list[dict] | None], str]
"""(messages, JSON Schema of the reply, tool schemas for a native tool template or None) -> JSON text."""
SearchFn = Callable[[str, int], list[dict]]
EmbedFn = Callable[[list[str]], np.ndarray]


@dataclass
class AgentContext:
    """Callables and settings for one agent run; every callable is optional except where a tool needs it.

    `knowledge_search` must already be limited to the requesting user's knowledge bases.
    `on_tool_event` receives each tool event (the `tool` SSE payload) as soon as the tool finishes.
    `sql_writer` picks who writes SQL a template does not cover: "model" (via `complete`) or nobody
    ("template"); None follows the planner. Templates always go first: their figures are exact.
    `complete_json(messages, schema, tools)` answers with JSON constrained to `schema` (the llm planner's plans);
    with `tool_template` the model's chat template renders `tools` in its own tool-calling format.
    """

    complete: Complete | None = None
    complete_json: CompleteJson | None = None
    tool_template: bool = False
    small_complete: Complete | None = None
    knowledge_search: SearchFn | None = None
    embed: EmbedFn | None = None
    sql_db_path: Path | None = None
    on_tool_event: Callable[[dict], None] | None = None
    sql_writer: Literal["model", "template"] | None = None
    max_steps: int = 3


@dataclass
class AgentResult:
    """The final answer: `preface` (exact tool results, verbatim) first, then, when `generate`, the model's
    text from `messages`; plus what to store on the assistant message."""

    messages: Messages
    citations: list[dict] = field(default_factory=list)
    trace: list[dict] = field(default_factory=list)
    standalone_question: str = ""
    preface: str = ""
    generate: bool = True
    replaced_plans: list[str] = field(default_factory=list)
    """Why the llm planner's own steps were replaced by the deterministic planner's (one entry per step)."""
    results: list[str] = field(default_factory=list)
    """Each step's full result text (failed steps: the error), in trace order; the trace only has previews."""
