"""Planner selection by name, per conversation."""

from worker.agent.context import AgentContext
from worker.agent.planners.base import Observation, Planner, Step
from worker.agent.planners.deterministic import DeterministicPlanner
from worker.agent.planners.llm import LLMPlanner

PLANNER_NAMES = ("deterministic", "llm")


def make_planner(name: str, ctx: AgentContext) -> Planner:
    if name == "deterministic":
        return DeterministicPlanner(ctx.embed)
    if name == "llm":
        if ctx.complete is None:
            raise ValueError("the llm planner needs ctx.complete")
        return LLMPlanner(ctx.complete, ctx.complete_json, ctx.embed, ctx.tool_template)
    raise ValueError(f"unknown planner {name!r}; expected one of {PLANNER_NAMES}")


__all__ = ["PLANNER_NAMES", "Observation", "Planner", "Step", "make_planner"]
