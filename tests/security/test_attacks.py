"""Attacks against the live app (uvicorn + worker + tiny model, see conftest): tokens, brute force, uploads,
secrets in logs, CORS and security headers.

Already covered in tests/api/test_auth.py and not repeated: expired, wrong-secret, tampered, alg=none (lower
case) and refresh-as-access tokens on /users/me.
"""

import base64
import io
import json
import logging
import os
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from jose import jwt
from loguru import logger

from tests.helpers import PASSWORD


def _sign_up(http: httpx.Client, username: str | None = None) -> tuple[dict, dict, dict]:
    username = username or f"u{uuid.uuid4().hex[:10]}"
    body = {"username": username, "email": f"{username}@x.io", "password": PASSWORD}
    created = http.post("/api/v1/auth/register", json=body)
    assert created.status_code == 201, created.text
    tokens = http.post("/api/v1/auth/login", data={"username": username, "password": PASSWORD}).json()
    return created.json(), tokens, {"Authorization": f"Bearer {tokens['access_token']}"}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _secret() -> str:
    return os.environ["SECRET_KEY"]  # shared_app exports the app's settings to the environment


@pytest.fixture(scope="module")
def user(shared_http):
    return _sign_up(shared_http)


# -- JWT ----------------------------------------------------------------------------------------------


def test_forged_tokens_are_refused(shared_http, user):
    public, tokens, _ = user
    now = datetime.now(UTC)
    claims = {"sub": str(public["id"]), "role": "admin", "type": "access", "jti": "x", "iat": now}
    live = {**claims, "exp": now + timedelta(minutes=5)}
    swapped = {**live, "exp": int(live["exp"].timestamp()), "iat": int(now.timestamp())}
    payload = tokens["access_token"].split(".")[1]
    forged = {  # jose's encode converts datetimes in place, so each claim set is copied
        "alg None (capitalised)": f"{_b64({'alg': 'None', 'typ': 'JWT'})}.{payload}.",
        "alg none with a signature": f"{_b64({'alg': 'none'})}.{payload}.{tokens['access_token'].split('.')[2]}",
        "HS512 with the right secret": jwt.encode(dict(live), _secret(), algorithm="HS512"),
        "empty secret": jwt.encode(dict(live), "", algorithm="HS256"),
        "no exp (never expires)": jwt.encode(dict(claims), _secret(), algorithm="HS256"),
        "unknown user": jwt.encode({**live, "sub": "987654"}, _secret(), algorithm="HS256"),
        "non-numeric sub": jwt.encode({**live, "sub": "1 OR 1=1"}, _secret(), algorithm="HS256"),
        "missing type": jwt.encode({k: v for k, v in live.items() if k != "type"}, _secret(), algorithm="HS256"),
        "payload swapped under a valid signature": ".".join(
            [tokens["access_token"].split(".")[0], _b64(swapped), tokens["access_token"].split(".")[2]]
        ),
        "not bearer": None,
    }
    for label, token in forged.items():
        header = {"Authorization": f"Bearer {token}"} if token else {"Authorization": f"Basic {_secret()}"}
        response = shared_http.get("/api/v1/users/me", headers=header)
        assert response.status_code == 401, f"{label}: {response.status_code} {response.text}"
        admin_only = shared_http.get("/api/v1/users", headers=header)
        assert admin_only.status_code == 401, f"{label} reached an admin route: {admin_only.status_code}"


def test_access_token_is_not_a_refresh_token_and_refresh_rotates(shared_http):
    _, tokens, _ = _sign_up(shared_http)
    as_refresh = shared_http.post("/api/v1/auth/refresh", json={"refresh_token": tokens["access_token"]})
    assert as_refresh.status_code == 401, as_refresh.text
    rotated = shared_http.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert rotated.status_code == 200, rotated.text
    replay = shared_http.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert replay.status_code == 401, "a rotated refresh token was accepted again"
    _, fresh, auth = _sign_up(shared_http)  # the replay above ended every session of the first account
    new_refresh = fresh["refresh_token"]
    logout = shared_http.post("/api/v1/auth/logout", json={"refresh_token": new_refresh}, headers=auth)
    assert logout.status_code == 204, logout.text
    after_logout = shared_http.post("/api/v1/auth/refresh", json={"refresh_token": new_refresh})
    assert after_logout.status_code == 401, "a logged-out refresh token still works"


def test_bad_api_keys_are_refused(shared_http, user):
    _, _, headers = user
    created = shared_http.post("/api/v1/users/me/api-keys", json={"name": "attack"}, headers=headers).json()
    key = created["key"]
    for label, candidate in {
        "flipped last char": key[:-1] + ("A" if key[-1] != "A" else "B"),
        "prefix only": created["prefix"],
        "bare lm_": "lm_",
        "sql-ish": "lm_' OR '1'='1",
    }.items():
        response = shared_http.get("/api/v1/users/me", headers={"Authorization": f"Bearer {candidate}"})
        assert response.status_code == 401, f"{label}: {response.status_code}"
    assert shared_http.get("/api/v1/users/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    shared_http.delete(f"/api/v1/users/me/api-keys/{created['id']}", headers=headers)
    assert shared_http.get("/api/v1/users/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401


# -- brute force --------------------------------------------------------------------------------------


def test_login_brute_force_is_rate_limited(shared_http):
    public, _, _ = _sign_up(shared_http)
    statuses = []
    for attempt in range(15):
        response = shared_http.post(
            "/api/v1/auth/login", data={"username": public["username"], "password": f"guess-{attempt}"}
        )
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
    assert statuses[-1] == 429, f"15 wrong passwords and no 429: {statuses}"
    assert set(statuses[:-1]) == {401}, statuses
    assert int(response.headers["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "rate_limited"
    # Even the right password waits: the limit is on attempts, so guessing cannot continue in parallel.
    right = shared_http.post("/api/v1/auth/login", data={"username": public["username"], "password": PASSWORD})
    assert right.status_code == 429


# -- uploads ------------------------------------------------------------------------------------------


@pytest.fixture
def kb(shared_http):
    """A fresh user and knowledge base per test: uploads are rate limited per user (10 a minute)."""
    _, _, headers = _sign_up(shared_http)
    response = shared_http.post("/api/v1/knowledge-bases", json={"name": "attacks"}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"], headers


def _upload(http: httpx.Client, kb, name: str, content: bytes, mime: str = "application/octet-stream"):
    kb_id, headers = kb
    return http.post(f"/api/v1/knowledge-bases/{kb_id}/documents", files=[("files", (name, content, mime))],
                     headers=headers)  # fmt: skip


def test_path_traversal_names_are_neutralised(shared_http, kb):
    store = os.environ["MODEL_STORE_DIR"]
    for name in ("../../../../tmp/evil.txt", "..\\..\\windows\\evil.txt", "/etc/passwd.txt", "a/../../b.txt"):
        before = set(os.listdir("/tmp"))
        response = _upload(shared_http, kb, name, f"content of {name} {uuid.uuid4()}".encode(), "text/plain")
        assert response.status_code == 201, response.text
        stored = response.json()[0]["filename"]
        assert "/" not in stored and "\\" not in stored and not stored.startswith(".."), stored
        assert "evil.txt" not in set(os.listdir("/tmp")) - before
    uploads = os.path.join(store, "uploads")
    for root, _dirs, files in os.walk(store):
        for file in files:
            path = os.path.realpath(os.path.join(root, file))
            assert path.startswith(os.path.realpath(store)), path
    assert os.path.isdir(uploads)


def _zip_bomb_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"<w:document>" + b"A" * (200 * 1024 * 1024) + b"</w:document>")
    return buffer.getvalue()


def test_zip_bomb_docx_is_refused_without_expanding(shared_http, kb, tmp_path):
    from app.kernel.documents import DocumentError
    from worker.rag.loaders import load

    bomb = _zip_bomb_docx()
    assert len(bomb) < 1024 * 1024  # 200 MB of text in well under 1 MB
    response = _upload(shared_http, kb, "report.docx", bomb)
    # The API only sniffs the type (a DOCX); the indexing worker's loader refuses it before expanding it.
    assert response.status_code in (201, 413, 422), response.text
    if response.status_code == 201:
        assert response.json()[0]["size_bytes"] == len(bomb)
    path = tmp_path / "report.docx"
    path.write_bytes(bomb)
    with pytest.raises(DocumentError) as refused:
        load(path, "report.docx")
    assert refused.value.code == "zip_bomb"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("notes.txt", b"%PDF-1.7\n%binary", "type_mismatch"),
        ("paper.pdf", b"just text, not a PDF", "type_mismatch"),
        ("doc.docx", b"PK\x03\x04 not really a zip", "type_mismatch"),
        ("tool.exe", b"MZ\x90\x00", "unsupported_type"),
        ("script.html", b"\x7fELF\x02\x01\x01", "type_mismatch"),
        ("noext", b"\x7fELF\x02\x01\x01\x00\x00", "unsupported_type"),
    ],
)
def test_mismatched_types_are_refused(shared_http, kb, name, content, code):
    response = _upload(shared_http, kb, name, content)
    assert response.status_code in (415, 422), f"{name}: {response.status_code} {response.text}"
    assert response.json()["error"]["code"] == code, response.text


def test_oversize_upload_gets_413(shared_http, kb):
    from app.kernel.settings import Settings

    limit_mb = Settings().max_upload_mb
    response = _upload(shared_http, kb, "big.txt", b"a" * (limit_mb * 1024 * 1024 + 1024), "text/plain")
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "payload_too_large"


# -- secrets in logs ----------------------------------------------------------------------------------


@pytest.fixture
def captured_logs():
    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(str(message) + json.dumps(message.record["extra"], default=str)),
                      level="DEBUG", backtrace=True, diagnose=True)  # fmt: skip

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record) + " " + repr(record.args))

    handler = Collect(level=logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield lines
    finally:
        logger.remove(sink)
        root.removeHandler(handler)
        root.setLevel(old_level)


def test_secrets_never_appear_in_logs(shared_http, captured_logs):
    username = f"logs{uuid.uuid4().hex[:8]}"
    password = f"Sup3r-secret-{uuid.uuid4().hex}"
    body = {"username": username, "email": f"{username}@x.io", "password": password}
    assert shared_http.post("/api/v1/auth/register", json=body).status_code == 201
    wrong = f"Wr0ng-guess-{uuid.uuid4().hex}"
    assert shared_http.post("/api/v1/auth/login", data={"username": username, "password": wrong}).status_code == 401
    tokens = shared_http.post("/api/v1/auth/login", data={"username": username, "password": password}).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    key = shared_http.post("/api/v1/users/me/api-keys", json={"name": "ci"}, headers=headers).json()["key"]
    as_key = {"Authorization": f"Bearer {key}"}
    assert shared_http.get("/api/v1/users/me", headers=as_key).status_code == 200
    conversation = shared_http.post("/api/v1/conversations", json={}, headers=as_key).json()["id"]
    url = f"/api/v1/conversations/{conversation}/messages"
    body = {"content": "Hello", "params": {"max_new_tokens": 4}}
    with shared_http.stream("POST", url, json=body, headers=headers) as answer:
        assert answer.status_code == 200
        for line in answer.iter_lines():  # read to the end: no generation is left running behind the test
            if line.startswith("event:") and line.split(":", 1)[1].strip() in ("done", "error"):
                break
    refreshed = shared_http.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).json()
    shared_http.post(
        "/api/v1/users/me/password",
        json={"current_password": password, "new_password": password + "-2"},
        headers={"Authorization": f"Bearer {refreshed['access_token']}"},
    )
    shared_http.get("/api/v1/users/me", headers={"Authorization": "Bearer lm_not-a-real-key-0123456789"})
    text = "\n".join(captured_logs)
    assert captured_logs, "nothing was logged at all: the capture is broken"
    secrets = {
        "password": password,
        "wrong password": wrong,
        "new password": password + "-2",
        "access token": tokens["access_token"],
        "refresh token": tokens["refresh_token"],
        "rotated access token": refreshed["access_token"],
        "api key": key,
        "api key body": key[len("lm_") + 8 :],
        "invalid api key": "lm_not-a-real-key-0123456789",
        "jwt signature": tokens["access_token"].split(".")[2],
    }
    leaked = [label for label, secret in secrets.items() if secret and secret in text]
    assert not leaked, f"secrets in the logs: {leaked}"


# -- CORS and headers ---------------------------------------------------------------------------------


def test_cors_only_for_configured_origins(shared_http):
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    allowed = shared_http.options("/api/v1/auth/login", headers={"Origin": "http://allowed.example", **preflight})
    assert allowed.headers.get("access-control-allow-origin") == "http://allowed.example"
    for origin in ("http://evil.example", "null", "http://allowed.example.evil.io", "https://allowed.example"):
        denied = shared_http.options("/api/v1/auth/login", headers={"Origin": origin, **preflight})
        assert "access-control-allow-origin" not in denied.headers, origin
        simple = shared_http.get("/healthz", headers={"Origin": origin})
        assert "access-control-allow-origin" not in simple.headers, origin


@pytest.mark.parametrize("path", ["/", "/docs"])
def test_security_headers_on_html(shared_http, path):
    response = shared_http.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html"), path
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    csp = response.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, csp


def test_json_responses_carry_nosniff_and_no_stack_traces(shared_http):
    response = shared_http.post("/api/v1/auth/login", content=b"\xff\xfe{not json", headers={
        "Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert response.status_code in (400, 401, 422), response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "Traceback" not in response.text
