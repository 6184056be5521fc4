"""The JSON Schema of a tool call, shared by the agent's planner and the /v1 function calling (both decode
under it, so a small model can only write a call that fits a function)."""

from typing import Any


def call_branch(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """One call: this function's name and an `arguments` object fitting its parameters schema."""
    return {
        "type": "object",
        "properties": {"name": {"const": name}, "arguments": arguments},
        "required": ["name", "arguments"],
        "additionalProperties": False,
    }


def call_schema(functions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A call of any of `functions` (name -> parameters schema): one `anyOf` branch each."""
    return {"anyOf": [call_branch(name, parameters) for name, parameters in functions.items()]}
