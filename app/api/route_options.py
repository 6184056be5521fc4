"""Route decorator arguments that several routes share."""

from typing import Any

from fastapi import status

from app.core.admission import Kind, admit


def accepted(response_model: Any, kind: Kind = Kind.FREE) -> dict[str, Any]:
    """A request taken on for later (a worker stops, cancels, loads, pulls or re-indexes): 202, admitted as `kind`."""
    return {"status_code": status.HTTP_202_ACCEPTED, "response_model": response_model, "dependencies": [admit(kind)]}
