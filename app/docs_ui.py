"""Swagger UI at /docs and ReDoc at /redoc from assets the UI build copies into app/static/swagger and
app/static/vendor (npm swagger-ui-dist and redoc, pinned in frontend/package.json).

FastAPI's default pages load them from a CDN (and Google Fonts), which leaves the docs blank on the offline
networks LocalMind is made for. Without a built UI the pages fall back to the CDN, as before.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from loguru import logger

from app.spa import STATIC_DIR

DOCS_URL = "/docs"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
ASSETS = "swagger"
REDOC_URL = "/redoc"
REDOC_BUNDLE = "vendor/redoc.standalone.js"  # not under /redoc: app/spa.py keeps that prefix for the API


def _built(marker: Path, what: str, url: str, **urls: str) -> dict[str, str]:
    """`urls` when the UI build put `marker` in place; else {} (FastAPI's CDN defaults) and a warning."""
    if marker.is_file():
        return urls
    logger.warning(f"{what} not built (scripts/build_frontend.sh); {url} loads them from a CDN")
    return {}


def _serve_page(app: FastAPI, url: str, label: str, render: Callable[..., HTMLResponse], **options: Any) -> None:
    """GET `url` (named `label` in snake case, left out of the schema): `render`'s page for the app's OpenAPI
    document, titled "<app title> - <label>"."""

    def page() -> HTMLResponse:
        return render(openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} - {label}", **options)

    name = label.lower().replace(" ", "_")
    app.add_api_route(url, page, methods=["GET"], include_in_schema=False, name=name)


def mount_swagger_ui(app: FastAPI, static_dir: Path = STATIC_DIR) -> None:
    """Call on an app created with `docs_url=None`; the SPA route serves the asset files themselves."""
    assets = _built(
        static_dir / ASSETS / "swagger-ui-bundle.js",
        "Swagger UI assets",
        DOCS_URL,
        swagger_js_url=f"/{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"/{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"/{ASSETS}/favicon-32x32.png",
    )
    _serve_page(
        app,
        DOCS_URL,
        "Swagger UI",
        get_swagger_ui_html,
        oauth2_redirect_url=OAUTH2_REDIRECT_URL,
        swagger_ui_parameters=app.swagger_ui_parameters,
        **assets,
    )

    @app.get(OAUTH2_REDIRECT_URL, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()


def mount_redoc(app: FastAPI, static_dir: Path = STATIC_DIR) -> None:
    """Call on an app created with `redoc_url=None`; the SPA route serves the bundle itself."""
    assets = _built(
        static_dir / REDOC_BUNDLE,
        "ReDoc bundle",
        REDOC_URL,
        redoc_js_url=f"/{REDOC_BUNDLE}",
        redoc_favicon_url=f"/{ASSETS}/favicon-32x32.png",
    )
    _serve_page(app, REDOC_URL, "ReDoc", get_redoc_html, with_google_fonts=False, **assets)
