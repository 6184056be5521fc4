"""Tool arguments checked against the tool's JSON Schema (Draft 2020-12) by the `jsonschema` library, and the
JSON Schema of a whole call.

The schema stays the one description of a tool's arguments: the prompt shows it, constrained decoding
compiles it (worker/agent/planners/plan.py, and /v1 function calling in worker/jobs/generation) and this
module enforces it.
"""

from typing import Any

from jsonschema import Draft202012Validator


def validate(value: Any, schema: dict) -> list[str]:
    """Human-readable errors, one per violated rule (`$.k: 11 is greater than the maximum of 10`); [] if valid."""
    errors = Draft202012Validator(schema).iter_errors(value)
    return sorted(f"{error.json_path}: {error.message}" for error in errors)


def call_branch(name: str, arguments: dict) -> dict:
    """A call `{"name": name, "arguments": {...}}` whose arguments fit `arguments` (the Hermes/Qwen shape)."""
    return {
        "type": "object",
        "properties": {"name": {"const": name}, "arguments": arguments},
        "required": ["name", "arguments"],
        "additionalProperties": False,
    }


def call_schema(functions: dict[str, dict]) -> dict:
    """A call of any of `functions` (name -> parameters schema), one `anyOf` branch each."""
    return {"anyOf": [call_branch(name, parameters) for name, parameters in functions.items()]}
