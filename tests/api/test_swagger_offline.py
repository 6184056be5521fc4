"""/docs works without internet: Swagger UI's assets come from the app, not from a CDN."""

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.docs_ui import mount_swagger_ui
from app.spa import mount_frontend


def _client(static_dir) -> TestClient:
    app = FastAPI(docs_url=None)
    mount_swagger_ui(app, static_dir)
    mount_frontend(app, static_dir)
    return TestClient(app)


def test_docs_load_every_asset_from_the_app(tmp_path):
    (tmp_path / "index.html").write_text("<html></html>")
    (tmp_path / "swagger").mkdir()
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
        (tmp_path / "swagger" / name).write_text(f"/* {name} */")
    client = _client(tmp_path)
    page = client.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert urls and all(url.startswith("/") for url in urls), urls
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert "oauth2RedirectUrl" in page.text and client.get("/docs/oauth2-redirect").status_code == 200


def test_without_a_built_ui_docs_fall_back_to_the_cdn(tmp_path):
    page = _client(tmp_path).get("/docs")
    assert page.status_code == 200 and "cdn.jsdelivr.net" in page.text
