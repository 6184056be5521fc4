"""/openapi.json also describes what the SSE routes stream: the `JobEvent` union of app/kernel/event_types.py."""

from typing import Any

from fastapi import FastAPI

from app.kernel.event_types import JOB_EVENT

EVENT_SCHEMA_REF = {"$ref": "#/components/schemas/JobEvent"}


def install_event_schemas(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()  # caches itself on app.openapi_schema; completed in place below
        union = JOB_EVENT.json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(union.pop("$defs", {}))
        components["JobEvent"] = union
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
