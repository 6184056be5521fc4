"""Tool registry: every module in this package that defines `TOOL` is a tool, so adding one is one file."""

import importlib
import pkgutil
from functools import cache

from worker.agent.tools.base import Tool, ToolEnv


@cache
def all_tools() -> dict[str, Tool]:
    tools: dict[str, Tool] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        tool = getattr(importlib.import_module(f"{__name__}.{module_info.name}"), "TOOL", None)
        if isinstance(tool, Tool):
            tools[tool.name] = tool
    return tools


def available_tools(env: ToolEnv) -> dict[str, Tool]:
    """Tools whose injected dependencies are present for this call."""
    return {name: tool for name, tool in all_tools().items() if tool.available(env)}
