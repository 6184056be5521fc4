"""Cross-cutting behaviour: error shape, body limits, request ids, health, CORS, JSON logs."""

import json

from tests.helpers import auth_headers


async def test_huge_json_body_is_413(client):
    headers = await auth_headers(client, "alice")
    huge = {"title": "x", "system_prompt": "y" * (2 * 1024 * 1024)}
    response = await client.post("/api/v1/conversations", json=huge, headers=headers)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"

    async def chunks():
        for _ in range(64):
            yield b"z" * 65536

    streamed = await client.post(
        "/api/v1/conversations", content=chunks(), headers={**headers, "Content-Type": "application/json"}
    )
    assert streamed.status_code == 413


async def test_errors_have_one_shape_and_no_traces(client):
    missing = await client.get("/api/v1/nope")
    assert missing.status_code == 404
    assert set(missing.json()["error"]) == {"code", "message", "details"}
    wrong_method = await client.delete("/healthz")
    assert wrong_method.status_code == 405 and wrong_method.json()["error"]["code"] == "method_not_allowed"


async def test_request_id_round_trip_and_security_headers(client):
    response = await client.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert response.headers["x-request-id"] == "abc123"
    assert response.headers["x-content-type-options"] == "nosniff"
    generated = await client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 16


async def test_readyz_reports_db_and_redis(client):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}
    workers = response.json()["workers"]  # counts depend on which test workers beat lately
    assert set(workers) == {"generation", "indexing", "training", "retrieval"} and all(
        isinstance(n, int) for n in workers.values()
    )


async def test_cors_only_for_configured_origins(client):
    allowed = await client.options(
        "/api/v1/conversations", headers={"Origin": "http://allowed.example", "Access-Control-Request-Method": "GET"}
    )
    assert allowed.headers.get("access-control-allow-origin") == "http://allowed.example"
    denied = await client.options(
        "/api/v1/conversations", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in denied.headers


def test_json_logs_carry_request_id(capfd):
    from loguru import logger

    from app.core.logging import configure_logging, request_id_var

    configure_logging("INFO", "json")
    token = request_id_var.set("req-42")
    try:
        logger.info("hello")
    finally:
        request_id_var.reset(token)
        configure_logging("INFO", "text")
    line = [ln for ln in capfd.readouterr().err.splitlines() if "hello" in ln][0]
    record = json.loads(line)
    assert record["message"] == "hello" and record["request_id"] == "req-42"


async def test_spa_fallback_serves_index_but_not_for_api_paths(app, tmp_path):
    import httpx
    from fastapi import FastAPI

    from app.spa import mount_frontend

    (tmp_path / "index.html").write_text("<html>LocalMind</html>")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app.js").write_text("console.log(1)")
    spa = FastAPI()
    mount_frontend(spa, tmp_path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=spa), base_url="http://t") as http:
        assert "LocalMind" in (await http.get("/chat/42")).text
        assert (await http.get("/assets/app.js")).text == "console.log(1)"
        assert "LocalMind" in (await http.get("/../../etc/passwd")).text
        assert (await http.get("/api/v1/nothing")).status_code == 404


def test_api_process_never_imports_torch():
    import subprocess
    import sys

    from app.kernel.settings import PROJECT_ROOT

    code = "import sys, app.main; app.main.create_app(); print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


async def test_no_free_database_connection_is_a_503_not_a_500(app, client, settings):
    from sqlalchemy.ext.asyncio import create_async_engine

    from app.core.db import make_async_sessionmaker
    from app.kernel.db import async_url

    headers = await auth_headers(client, "alice")
    engine = create_async_engine(async_url(settings.database_url), pool_size=1, max_overflow=0, pool_timeout=0.2)
    app.state.sessionmaker, normal = make_async_sessionmaker(engine), app.state.sessionmaker
    try:
        async with engine.connect():  # the only connection is busy
            response = await client.get("/api/v1/conversations", headers=headers)
    finally:
        app.state.sessionmaker = normal
        await engine.dispose()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_busy"
    assert response.headers["retry-after"] == "5"
