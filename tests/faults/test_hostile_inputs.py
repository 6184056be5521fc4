"""Issue 18 item 8: malformed multipart bodies and bad `Last-Event-ID` headers answer 4xx, never 500, and leave
nothing behind. In-process app (ASGI) on SQLite and the test Redis."""

import re

import httpx
import pytest
from fastapi.routing import APIRoute

from app.api.deps import last_event_seq
from tests.conftest import make_settings
from tests.helpers import auth_headers

BOUNDARY = "hostileBoundary"


def _part(disposition: str, extra_header: str = "") -> bytes:
    return (
        f"--{BOUNDARY}\r\n{disposition}\r\n{extra_header}Content-Type: text/plain\r\n\r\nhello\r\n--{BOUNDARY}--\r\n"
    ).encode()


MALFORMED = {
    "garbage bytes": bytes(range(256)) * 8,
    "5,000-character filename": _part(f'Content-Disposition: form-data; name="files"; filename="{"a" * 5000}.txt"'),
    "control characters in a part header": _part(
        'Content-Disposition: form-data; name="files"; filename="a.txt"', "X-Evil\x07: \x01\x02\r\n"
    ),
    "header line without a colon": _part('Content-Disposition form-data; name="files"; filename="a.txt"'),
    "bare header line": _part('Content-Disposition: form-data; name="files"; filename="a.txt"', "NoColonHere\r\n"),
}
BAD_EVENT_IDS = {"superscript two": "\xb2", "5,000 digits": "9" * 5000, "negative": "-1", "float": "1e3"}


@pytest.fixture
async def admin_api(sqlite_url, redis_url, redis_client, model_store):
    from app.main import create_app

    settings = make_settings(sqlite_url, redis_url, model_store, rate_limit_uploads_per_window=0)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            headers = await auth_headers(client, "hostile")  # the first account: admin routes too
            yield client, headers, application, settings


async def test_malformed_multipart_is_a_400(admin_api):
    client, headers, _app, settings = admin_api
    kb = (await client.post("/api/v1/knowledge-bases", json={"name": "target"}, headers=headers)).json()["id"]
    multipart = {**headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    for label, body in MALFORMED.items():
        for url in (f"/api/v1/knowledge-bases/{kb}/documents", "/api/v1/finetune/datasets"):
            response = await client.post(url, content=body, headers=multipart)
            assert response.status_code == 400, f"{label} on {url}: {response.status_code} {response.text[:200]}"
    uploads = settings.uploads_dir
    leftovers = [p for p in uploads.rglob("*") if p.is_file()] if uploads.exists() else []
    assert leftovers == [], f"refused uploads left files behind: {leftovers}"
    documents = await client.get(f"/api/v1/knowledge-bases/{kb}/documents", headers=headers)
    assert documents.json() == []


def _sse_routes(app) -> list[str]:
    """Every route that reads `Last-Event-ID` (found from the dependency, so a new SSE route is covered)."""

    def walk(routes):
        for route in routes:
            if isinstance(route, APIRoute):
                yield route
            elif getattr(route, "original_router", None) is not None:
                yield from walk(route.original_router.routes)

    found = []
    for route in walk(app.routes):
        stack = list(route.dependant.dependencies)
        while stack:
            dependency = stack.pop()
            if dependency.call is last_event_seq:
                found.append(route.path_format)
                break
            stack.extend(dependency.dependencies)
    return found


async def test_bad_last_event_id_is_a_400_on_every_sse_route(admin_api):
    client, headers, app, _settings = admin_api
    routes = _sse_routes(app)
    assert len(routes) >= 4, routes
    for path in routes:
        url = "/api/v1" + re.sub(r"{[^}]+}", "1", path)
        for label, value in BAD_EVENT_IDS.items():
            response = await client.get(url, headers={**headers, "Last-Event-ID": value.encode("latin-1")})
            assert response.status_code == 400, f"{label} on {url}: {response.status_code} {response.text[:200]}"
            assert response.json()["error"]["code"] == "invalid_last_event_id"
