"""Serve the built React bundle (app/static) at `/`, with index.html for client-side routes."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

STATIC_DIR = Path(__file__).with_name("static")
API_PREFIXES = ("api/", "v1/", "docs", "redoc", "openapi.json", "metrics", "healthz", "readyz")


def mount_frontend(app: FastAPI, static_dir: Path = STATIC_DIR) -> None:
    """Without a built bundle the API still works and `/` explains how to build the UI."""

    @app.get("/{path:path}", include_in_schema=False)
    def frontend(path: str):
        if path.startswith(API_PREFIXES):
            raise StarletteHTTPException(404, "Not Found")
        index = static_dir / "index.html"
        if not index.is_file():
            raise StarletteHTTPException(
                404, "The web UI is not built; run ./start_all.sh (or scripts/build_frontend.sh). API docs: /docs"
            )
        candidate = (static_dir / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(static_dir.resolve()):
            return FileResponse(candidate)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
