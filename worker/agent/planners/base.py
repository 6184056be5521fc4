"""The planner interface: one step at a time, given the question and what earlier steps observed."""

from dataclasses import dataclass, field
from typing import Literal, Protocol

from worker.agent.tools.base import Tool


@dataclass(frozen=True)
class Step:
    """`answer` stops; `retrieve` searches the knowledge bases; `tool` calls `name` with `arguments`.

    `error` marks a tool call the planner could not form (bad JSON, unknown tool): it is reported as a failed
    tool event and not executed. `reason` on an `answer` step says why no (further) knowledge search is needed;
    without one, an attached knowledge base is searched before answering.
    """

    action: Literal["answer", "retrieve", "tool"]
    name: str = ""
    arguments: dict = field(default_factory=dict)
    error: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class Observation:
    name: str
    arguments: dict
    ok: bool
    text: str


class Planner(Protocol):
    def next_step(self, question: str, tools: dict[str, Tool], observations: list[Observation]) -> Step:
        """The next step for the standalone `question`, given the tools on offer and earlier results."""
