"""Tool arguments checked against the tool's JSON Schema (Draft 2020-12) by the `jsonschema` library.

The schema stays the one description of a tool's arguments: the prompt shows it, constrained decoding
compiles it (worker/agent/planners/plan.py) and this module enforces it.
"""

from typing import Any

from jsonschema import Draft202012Validator


def validate(value: Any, schema: dict) -> list[str]:
    """Human-readable errors, one per violated rule (`$.k: 11 is greater than the maximum of 10`); [] if valid."""
    errors = Draft202012Validator(schema).iter_errors(value)
    return sorted(f"{error.json_path}: {error.message}" for error in errors)
