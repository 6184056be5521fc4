"""Agent domain code: query rewriting, planning (deterministic or LLM) and sandboxed tools.

Pure library: the generation task injects the model, search and embedding callables, so nothing here
imports torch, Celery, Redis or the app database.
"""

from worker.agent.agent import run_agent
from worker.agent.context import AgentContext, AgentResult

__all__ = ["AgentContext", "AgentResult", "run_agent"]
