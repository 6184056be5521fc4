"""Issue 18 item 7: a 500 logs no request data, the access log carries no keys, and what the API creates on
disk (SQLite database, uploads) is private to the service account. In-process app on SQLite and the test Redis."""

import logging
import os
import stat

import httpx
import pytest
from fastapi import Request

from tests.conftest import make_settings
from tests.helpers import auth_headers

API_KEY = "lm_" + "S3cretKeyMaterial" * 3


@pytest.fixture
async def app_and_client(sqlite_url, redis_url, redis_client, model_store, capsys):
    from app.main import create_app

    settings = make_settings(sqlite_url, redis_url, model_store, log_format="text")
    application = create_app(settings)  # configures logging now: its sink writes to the captured stderr

    @application.post("/boom-for-test")
    async def boom(request: Request) -> None:
        authorization = request.headers.get("authorization")  # a local holding the credential, as real code has
        raise RuntimeError(f"failed with {len(authorization or '')} header characters")

    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield settings, client


async def test_a_500_and_the_access_log_print_no_credentials(app_and_client, capsys):
    _settings, client = app_and_client
    response = await client.post(f"/boom-for-test?api_key={API_KEY}", headers={"Authorization": f"Bearer {API_KEY}"})
    assert response.status_code == 500
    access = logging.getLogger("uvicorn.access")
    level, access.level = access.level, logging.INFO  # as served; a test server before may have raised it
    try:
        access.info(  # uvicorn's own access-log call, with the full request target
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", f"/v1/models?api_key={API_KEY}&limit=5", "1.1", 200
        )
    finally:
        access.level = level
    err = capsys.readouterr().err
    assert "unhandled error on POST /boom-for-test" in err and "RuntimeError" in err, "the capture is broken"
    assert "/v1/models?api_key=[redacted]&limit=5" in err, "the access line is kept, its key is not"
    assert "S3cretKeyMaterial" not in err, "a credential reached the log"


async def test_database_and_uploads_are_private(app_and_client):
    settings, client = app_and_client
    headers = await auth_headers(client, "private")
    kb = (await client.post("/api/v1/knowledge-bases", json={"name": "p"}, headers=headers)).json()["id"]
    files = [("files", ("notes.txt", b"private notes", "text/plain"))]
    uploaded = await client.post(f"/api/v1/knowledge-bases/{kb}/documents", files=files, headers=headers)
    assert uploaded.status_code == 201, uploaded.text
    database = settings.database_url.split("///", 1)[1]
    modes = {"database": stat.S_IMODE(os.stat(database).st_mode)}
    modes["uploads dir"] = stat.S_IMODE(settings.uploads_dir.stat().st_mode)
    modes.update({f"upload {p.name}": stat.S_IMODE(p.stat().st_mode) for p in settings.uploads_dir.iterdir()})
    wrong = {name: oct(mode) for name, mode in modes.items() if mode & 0o077}
    assert len(modes) >= 3 and not wrong, f"readable by others: {wrong}"
