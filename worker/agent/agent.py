"""Entry point: rewrite the question, plan and run bounded tool steps, build the messages to answer from."""

import logging
from dataclasses import replace

from worker.agent.answer import needs_model, preface
from worker.agent.context import AgentContext, AgentResult, Messages
from worker.agent.planners import Observation, Step, make_planner
from worker.agent.planners.deterministic import RETRIEVAL_TOOL, DeterministicPlanner
from worker.agent.prompt import augment_messages
from worker.agent.rewrite import last_user_text, rewrite_query
from worker.agent.runner import ToolRun, error_event, execute
from worker.agent.tools import available_tools
from worker.agent.tools.base import ToolEnv

log = logging.getLogger(__name__)


def _tool_env(ctx: AgentContext, planner_name: str) -> ToolEnv:
    return ToolEnv(
        complete=ctx.complete,
        small_complete=ctx.small_complete,
        knowledge_search=ctx.knowledge_search,
        sql_db_path=ctx.sql_db_path,
        sql_writer=ctx.sql_writer or ("model" if planner_name == "llm" else "template"),
    )


def run_agent(messages: Messages, ctx: AgentContext, planner_name: str = "deterministic") -> AgentResult:
    """Run up to `ctx.max_steps` planner steps for the last user message; tools can fail, the run cannot.

    `ctx.on_tool_event` is called with each `tool` event right after the step, before any answer is generated;
    an exception it raises (e.g. a cancellation) propagates to the caller.
    """
    planner = make_planner(planner_name, ctx)
    question = last_user_text(messages)
    standalone = rewrite_query(messages, ctx.complete if planner_name == "llm" else None)
    env = _tool_env(ctx, planner_name)
    tools = available_tools(env)
    observations: list[Observation] = []
    runs: list[ToolRun] = []
    citations: list[dict] = []

    def run_step(step: Step) -> None:
        if step.error is not None or step.name not in tools:
            error = step.error or f"tool '{step.name}' is not available"
            run = ToolRun(error_event(step.name, step.arguments, error), None)
        else:
            run = execute(tools[step.name], step.arguments, replace(env, citation_start=len(citations) + 1))
        runs.append(run)
        if run.output is not None:
            citations.extend(run.output.citations)
        seen = run.output.text if run.output else run.event["error"]
        observations.append(Observation(step.name, step.arguments, run.event["ok"], seen))
        if ctx.on_tool_event is not None:
            ctx.on_tool_event(run.event)

    final = Step("answer")
    for _ in range(ctx.max_steps):
        try:
            step = planner.next_step(standalone, tools, observations)
        except Exception:  # noqa: BLE001 - a failing planner model means answering without further tools
            log.warning("planner %s failed; answering without further tools", planner_name, exc_info=True)
            break
        if step.action == "answer":
            final = step
            break
        run_step(step)
    else:  # max_steps ran out: the rule-based view says whether every part of the question was answered
        final = DeterministicPlanner(ctx.embed).next_step(standalone, tools, observations)
    if _must_search(tools, runs, final):
        run_step(Step("retrieve", RETRIEVAL_TOOL, tools[RETRIEVAL_TOOL].suggest_args(standalone) or {}))
    opening = preface(runs)
    return AgentResult(
        messages=augment_messages(messages, question, standalone, runs, bool(opening)),
        citations=citations,
        trace=[run.event for run in runs],
        standalone_question=standalone,
        preface=opening,
        generate=needs_model(runs),
        replaced_plans=list(getattr(planner, "fallbacks", [])),
        results=[run.output.text if run.output else run.event["error"] for run in runs],
    )


def _must_search(tools: dict, runs: list[ToolRun], final: Step) -> bool:
    """An attached knowledge base is searched once per question unless the plan said why it is not needed."""
    searched = any(run.event["name"] == RETRIEVAL_TOOL for run in runs)
    return RETRIEVAL_TOOL in tools and not searched and not final.reason
