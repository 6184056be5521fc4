"""Ownership matrix generated from the route table: every object-id route answers another user with 404.

For each route with a path parameter, user A owns the object (one factory per parameter name) and user B
calls the route with A's id and a minimal body built from the OpenAPI request schema. B must get 404 (403 on
administrator-only routes, which B is not). Afterwards A's objects are unchanged. A new route is covered
without editing this file; a new *parameter name* fails `test_every_path_parameter_has_a_factory` until a
factory is added to FACTORIES below.
"""

import json
import re
import time
from collections.abc import Callable

import httpx
import pytest
from fastapi.routing import APIRoute

from app.api.deps import get_admin_user
from tests.chat.conftest import TINY_MODEL
from tests.helpers import PASSWORD

PARAM = re.compile(r"{([^}]+)}")


def _build_app():
    from pathlib import Path

    from app.main import create_app
    from tests.conftest import make_settings

    return create_app(make_settings("sqlite+aiosqlite:///:memory:", "redis://127.0.0.1:1/0", Path("/tmp")))


_APP = _build_app()
_SPEC = _APP.openapi()


def _api_routes(routes) -> list[APIRoute]:
    """Every APIRoute, including those of included routers (FastAPI keeps those behind a wrapper)."""
    found = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif getattr(route, "original_router", None) is not None:
            found.extend(_api_routes(route.original_router.routes))
        elif getattr(route, "routes", None):
            found.extend(_api_routes(route.routes))
    return found


def _route_for(method: str, path: str) -> APIRoute:
    """The APIRoute behind an OpenAPI operation (route paths lack the prefix of the router that includes them)."""
    matches = [r for r in _api_routes(_APP.routes) if method in r.methods and path.endswith(r.path)]
    assert matches, f"no route object for {method} {path}"
    return max(matches, key=lambda r: len(r.path))


def _is_admin_only(method: str, path: str) -> bool:
    stack = list(_route_for(method, path).dependant.dependencies)
    while stack:
        dependency = stack.pop()
        if dependency.call is get_admin_user:
            return True
        stack.extend(dependency.dependencies)
    return False


# The route table as the OpenAPI document states it: every operation with a path parameter.
CASES = [
    (method.upper(), path)
    for path, operations in _SPEC["paths"].items()
    if PARAM.search(path)
    for method in operations
    if method in ("get", "post", "put", "patch", "delete")
]
PARAM_NAMES = {name for _method, path in CASES for name in PARAM.findall(path)}


# -- users and A's objects ----------------------------------------------------------------------------


def _sign_up(http: httpx.Client, username: str) -> tuple[dict, dict]:
    body = {"username": username, "email": f"{username}@x.io", "password": PASSWORD}
    created = http.post("/api/v1/auth/register", json=body)
    assert created.status_code == 201, created.text
    tokens = http.post("/api/v1/auth/login", data={"username": username, "password": PASSWORD}).json()
    return created.json(), {"Authorization": f"Bearer {tokens['access_token']}"}


def _ok(response: httpx.Response) -> dict:
    assert response.status_code in (200, 201, 202), f"{response.request.url}: {response.status_code} {response.text}"
    return response.json()


def _jsonl(rows: list[dict]) -> bytes:
    return ("\n".join(json.dumps(r) for r in rows) + "\n").encode()


class Owner:
    """User A and the objects A owns, created lazily (one per parameter name)."""

    def __init__(self, http: httpx.Client, user: dict, headers: dict):
        self.http, self.user, self.headers = http, user, headers
        self._cache: dict[str, object] = {}
        self.answer_id: int | None = None

    def wait_for_answer(self, timeout: float = 90) -> None:
        """Leave no generation running behind the module (the session's worker must stop cleanly)."""
        deadline = time.time() + timeout
        while self.answer_id is not None and time.time() < deadline:
            status = self.http.get(f"/api/v1/messages/{self.answer_id}", headers=self.headers).json()["status"]
            if status not in ("pending", "streaming"):
                return
            time.sleep(0.5)

    def get(self, name: str, factory: Callable[["Owner"], object]) -> object:
        if name not in self._cache:
            self._cache[name] = factory(self)
        return self._cache[name]

    def conversation(self) -> int:
        return self.get("_conversation", lambda o: _ok(o.http.post(
            "/api/v1/conversations", json={"title": "A's secret"}, headers=o.headers))["id"])  # fmt: skip

    def question(self) -> int:
        """A's own question (role user, immutable): the answer may still be running, the question never changes."""

        def make(o: "Owner") -> int:
            url = f"/api/v1/conversations/{o.conversation()}/messages"
            body = {"content": "A's private question", "params": {"max_new_tokens": 4}}
            with o.http.stream("POST", url, json=body, headers=o.headers) as response:
                assert response.status_code == 200, response.read()
                for line in response.iter_lines():
                    if line.startswith("data:") and "user_message_id" in line:
                        ids = json.loads(line[5:])
                        o.answer_id = ids["assistant_message_id"]
                        return ids["user_message_id"]
            raise AssertionError("no status event with the message ids")

        return self.get("_question", make)

    def knowledge_base(self) -> int:
        return self.get("_kb", lambda o: _ok(o.http.post(
            "/api/v1/knowledge-bases", json={"name": "A's KB"}, headers=o.headers))["id"])  # fmt: skip

    def document(self) -> int:
        def make(o: "Owner") -> int:
            files = [("files", ("a.txt", b"A's confidential notes.", "text/plain"))]
            return _ok(o.http.post(f"/api/v1/knowledge-bases/{o.knowledge_base()}/documents", files=files,
                                   headers=o.headers))[0]["id"]  # fmt: skip

        return self.get("_document", make)

    def batch(self) -> str:
        def make(o: "Owner") -> str:
            files = [("files", ("b.txt", b"A's bulk-uploaded notes.", "text/plain"))]
            return _ok(o.http.post(f"/api/v1/knowledge-bases/{o.knowledge_base()}/batches", files=files,
                                   headers=o.headers))["id"]  # fmt: skip

        return self.get("_batch", make)

    def dataset(self) -> int:
        def make(o: "Owner") -> int:
            rows = [
                {"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]}
                for i in range(6)
            ]
            files = {"file": ("a.jsonl", _jsonl(rows), "application/jsonl")}
            return _ok(o.http.post("/api/v1/finetune/datasets", files=files, headers=o.headers))["id"]

        return self.get("_dataset", make)

    def finetune_job(self) -> int:
        def make(o: "Owner") -> int:
            body = {
                "base_model": TINY_MODEL,
                "dataset_id": o.dataset(),
                "max_steps": 1,
                "batch_size": 1,
                "max_seq_len": 64,
            }
            return _ok(o.http.post("/api/v1/finetune/jobs", json=body, headers=o.headers))["id"]

        return self.get("_job", make)

    def feedback_dataset(self) -> int:
        """A's rating of A's answer, curated into a dataset of A's."""

        def make(o: "Owner") -> int:
            o.question()
            o.wait_for_answer()
            body = {"rating": "down", "corrected_answer": "A's correction"}
            _ok(o.http.put(f"/api/v1/messages/{o.answer_id}/feedback", json=body, headers=o.headers))
            return _ok(o.http.post("/api/v1/feedback/datasets", json={"name": "A's set"}, headers=o.headers))["id"]

        return self.get("_feedback_dataset", make)

    def feedback_sample(self) -> int:
        detail = _ok(self.http.get(f"/api/v1/feedback/datasets/{self.feedback_dataset()}", headers=self.headers))
        return detail["samples"][0]["id"]

    def api_key(self) -> int:
        return self.get("_key", lambda o: _ok(o.http.post(
            "/api/v1/users/me/api-keys", json={"name": "A's key"}, headers=o.headers))["id"])  # fmt: skip

    def snapshot(self) -> dict:
        """What B must not be able to change: A's objects as A sees them (volatile job fields left out)."""
        h, http = self.headers, self.http
        conversation = _ok(http.get(f"/api/v1/conversations/{self.conversation()}", headers=h))
        job = _ok(http.get(f"/api/v1/finetune/jobs/{self.finetune_job()}", headers=h))
        documents = _ok(http.get(f"/api/v1/knowledge-bases/{self.knowledge_base()}/documents", headers=h))
        return {
            "conversation": {k: v for k, v in conversation.items() if k not in ("messages", "updated_at")},
            "question": _ok(http.get(f"/api/v1/messages/{self.question()}", headers=h)),
            "kb": _ok(http.get(f"/api/v1/knowledge-bases/{self.knowledge_base()}", headers=h)),
            "documents": sorted((d["id"], d["filename"]) for d in documents),
            "dataset": _ok(http.get(f"/api/v1/finetune/datasets/{self.dataset()}", headers=h)),
            "job": {k: job.get(k) for k in ("id", "base_model", "dataset_id", "method", "config")},
            "feedback": _ok(http.get(f"/api/v1/messages/{self.answer_id}/feedback", headers=h)),
            "feedback_dataset": _ok(http.get(f"/api/v1/feedback/datasets/{self.feedback_dataset()}", headers=h)),
            "api_keys": sorted(k["id"] for k in _ok(http.get("/api/v1/users/me/api-keys", headers=h))),
            "me": _ok(http.get("/api/v1/users/me", headers=h)),
        }


# One factory per path-parameter name: the id of an object A owns. Add one when a route introduces a new name.
FACTORIES: dict[str, Callable[[Owner], object]] = {
    "conversation_id": Owner.conversation,
    "message_id": Owner.question,
    "kb_id": Owner.knowledge_base,
    "document_id": Owner.document,
    "batch_id": Owner.batch,
    "dataset_id": Owner.dataset,
    "job_id": Owner.finetune_job,  # also names model-pull jobs, whose routes are admin-only (403 first)
    "key_id": Owner.api_key,
    "feedback_dataset_id": Owner.feedback_dataset,
    "sample_id": Owner.feedback_sample,
    "user_id": lambda o: o.user["id"],
    "model_id": lambda _o: TINY_MODEL,  # admin-only routes
}


# -- minimal bodies from the OpenAPI schema -----------------------------------------------------------


def _deref(schema: dict, spec: dict) -> dict:
    seen = 0
    while "$ref" in schema and seen < 20:
        node = spec
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema, seen = node, seen + 1
    return schema


def _sample(schema: dict, spec: dict):
    schema = _deref(schema, spec)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if _deref(s, spec).get("type") != "null"]
            return _sample(options[0], spec)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {name: _sample(sub, spec) for name, sub in schema.get("properties", {}).items()
                if name in schema.get("required", [])}  # fmt: skip
    if kind == "array":
        return []
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return schema.get("minimum", 0.5) or 0.5
    if kind == "boolean":
        return False
    if schema.get("format") == "binary" or schema.get("contentMediaType") == "application/octet-stream":
        return b"tiny file"
    return "x" * max(1, schema.get("minLength", 1))


def _request_kwargs(method: str, path: str, spec: dict) -> dict:
    operation = spec["paths"][path][method.lower()]
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = _sample(content["application/json"].get("schema", {}), spec)
        if isinstance(body, dict) and path.endswith("/messages"):
            body.setdefault("stream", False)
        return {"json": body}
    if "multipart/form-data" in content:
        schema = _deref(content["multipart/form-data"].get("schema", {}), spec)
        files, data = [], {}
        for name, sub in schema.get("properties", {}).items():
            sub = _deref(sub, spec)
            is_file = sub.get("format") == "binary" or _deref(sub.get("items", {}), spec).get("format") == "binary"
            if is_file:
                files.append((name, ("tiny.txt", b"tiny file", "text/plain")))
            elif name in schema.get("required", []):
                data[name] = str(_sample(sub, spec))
        return {"files": files or [("file", ("tiny.txt", b"tiny file", "text/plain"))], "data": data}
    return {}


# -- tests --------------------------------------------------------------------------------------------


def test_routes_were_found():
    assert len(CASES) >= 20, "the route table looks empty; the matrix would prove nothing"


def test_every_path_parameter_has_a_factory():
    missing = sorted(PARAM_NAMES - set(FACTORIES))
    assert not missing, (
        f"path parameter(s) {missing} have no factory in tests/security/test_ownership_matrix.py FACTORIES: "
        "add one that creates an object owned by user A and returns its id"
    )


@pytest.fixture(scope="module")
def parties(shared_http):
    _sign_up(shared_http, "matrix_admin")  # the first account is the administrator; A and B are not
    owner = Owner(shared_http, *_sign_up(shared_http, "matrix_alice"))
    _bob, bob_headers = _sign_up(shared_http, "matrix_bob")
    for name, factory in FACTORIES.items():  # every object exists before the snapshot
        owner.get(name, factory)
    before = owner.snapshot()
    yield owner, bob_headers
    owner.wait_for_answer()
    assert owner.snapshot() == before, "another user's calls changed user A's objects"


@pytest.mark.parametrize(("method", "route_path"), CASES, ids=[f"{m} {p}" for m, p in CASES])
def test_other_user_gets_404(parties, shared_http, method: str, route_path: str):
    owner, bob = parties
    names = PARAM.findall(route_path)
    missing = [n for n in names if n not in FACTORIES]
    if missing:
        pytest.fail(f"no factory for path parameter(s) {missing}; add them to FACTORIES")
    path = route_path
    for name in names:
        path = path.replace("{" + name + "}", str(owner.get(name, FACTORIES[name])))
    kwargs = _request_kwargs(method, route_path, _SPEC)
    with shared_http.stream(method, path, headers=bob, timeout=20, **kwargs) as response:
        body = response.read().decode(errors="replace")[:300]
    expected = 403 if _is_admin_only(method, route_path) else 404
    assert response.status_code == expected, f"B {method} {path} {kwargs} -> {response.status_code}: {body}"
    if expected == 404:
        assert "A's" not in body, "the 404 leaks the owner's data"


def test_v1_neither_serves_nor_names_another_users_adapter(parties, shared_http):
    """/v1 has no object ids; what it must not hand to B is A's adapter, by use, by listing or in an error."""
    import os
    from pathlib import Path

    owner, bob = parties
    adapters = Path(os.environ["MODEL_STORE_DIR"]) / "adapters"
    secret = adapters / "alices-secret-adapter"
    secret.mkdir(parents=True, exist_ok=True)
    (secret / "adapter_config.json").write_text("{}")
    (secret / "localmind_adapter.json").write_text(
        json.dumps({"base_model_id": TINY_MODEL, "owner_id": owner.user["id"]})
    )
    model = f"{TINY_MODEL}+alices-secret-adapter"
    listed = lambda headers: [m["id"] for m in _ok(shared_http.get("/v1/models", headers=headers))["data"]]  # noqa: E731
    assert model in listed(owner.headers)
    assert model not in listed(bob)
    for candidate in (model, f"{TINY_MODEL}+no-such-adapter", f"{TINY_MODEL}+../../etc"):
        body = {"model": candidate, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1}
        response = shared_http.post("/v1/chat/completions", json=body, headers=bob)
        assert response.status_code == 422, f"{candidate}: {response.status_code} {response.text}"
        text = response.text
        assert "alices-secret" not in text.replace(candidate, ""), f"{candidate}: names A's adapter: {text}"
        assert str(adapters) not in text and "/etc" not in text.replace(candidate, ""), text
