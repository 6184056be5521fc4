"""/docs and /redoc work without internet: Swagger UI's and ReDoc's assets come from the app, not a CDN."""

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.docs_ui import mount_redoc, mount_swagger_ui
from app.spa import mount_frontend


def _client(static_dir) -> TestClient:
    app = FastAPI(docs_url=None, redoc_url=None)
    mount_swagger_ui(app, static_dir)
    mount_redoc(app, static_dir)
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
    urls = _page_urls(page.text)
    assert urls and all(url.startswith("/") for url in urls), urls
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert "oauth2RedirectUrl" in page.text and client.get("/docs/oauth2-redirect").status_code == 200


def test_without_a_built_ui_docs_fall_back_to_the_cdn(tmp_path):
    page = _client(tmp_path).get("/docs")
    assert page.status_code == 200 and "cdn.jsdelivr.net" in page.text


def _page_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_redoc_loads_its_bundle_from_the_app_and_nothing_external(tmp_path):
    (tmp_path / "index.html").write_text("<html></html>")
    for name in ("vendor/redoc.standalone.js", "swagger/favicon-32x32.png"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(f"/* {name} */")
    client = _client(tmp_path)
    page = client.get("/redoc")
    assert page.status_code == 200
    assert "http://" not in page.text and "https://" not in page.text, "no CDN, no Google Fonts"
    urls = _page_urls(page.text)
    assert "/vendor/redoc.standalone.js" in urls, urls
    for url in urls:
        served = client.get(url)
        assert served.status_code == 200 and served.text == f"/* {url[1:]} */", url


def test_without_a_built_ui_redoc_falls_back_to_the_cdn(tmp_path):
    page = _client(tmp_path).get("/redoc")
    assert page.status_code == 200 and "cdn.jsdelivr.net" in page.text
