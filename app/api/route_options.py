"""Route decorator arguments that several routes share."""

from typing import Any

from fastapi import status

from app.core.admission import Kind, admit


def multipart_body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """The `openapi_extra` of a route that reads its multipart body itself (streamed): these form fields."""
    schema = {"type": "object", "required": required, "properties": properties}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


FILES_BODY = multipart_body({"files": {"type": "array", "items": {"type": "string", "format": "binary"}}}, ["files"])
"""The body of the document uploads: one or more `files`."""


def accepted(response_model: Any, kind: Kind = Kind.FREE) -> dict[str, Any]:
    """A request taken on for later (a worker stops, cancels, loads, pulls or re-indexes): 202, admitted as `kind`."""
    return {"status_code": status.HTTP_202_ACCEPTED, "response_model": response_model, "dependencies": [admit(kind)]}


def uploaded(response_model: Any, body: dict[str, Any] = FILES_BODY) -> dict[str, Any]:
    """A multipart upload (the body is streamed, so OpenAPI learns its form from `body`): 201, admitted as an
    upload."""
    return {
        "status_code": status.HTTP_201_CREATED,
        "response_model": response_model,
        "openapi_extra": body,
        "dependencies": [admit(Kind.UPLOAD)],
    }
