"""Issue 18: one admission path for every entry point, model names only from configuration, no silently ignored
/v1 parameters. In-process app (ASGI) on SQLite and the test Redis: these answers come before any worker."""

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from app.core.admission import Kind, require_admission, route_kinds
from tests.conftest import make_settings
from tests.helpers import auth_headers

COSTLY = {
    ("POST", "/conversations/{conversation_id}/messages"): Kind.GENERATION,
    ("POST", "/messages/{message_id}/regenerate"): Kind.GENERATION,
    ("POST", "/v1/chat/completions"): Kind.GENERATION,
    ("POST", "/v1/embeddings"): Kind.EMBEDDING,
    ("POST", "/knowledge-bases/{kb_id}/search"): Kind.EMBEDDING,
    ("POST", "/knowledge-bases/{kb_id}/documents"): Kind.UPLOAD,
    ("POST", "/finetune/datasets"): Kind.UPLOAD,
    ("POST", "/finetune/jobs"): Kind.JOB,
    ("POST", "/documents/{document_id}/reindex"): Kind.JOB,
    ("POST", "/auth/login"): Kind.LOGIN,
    ("POST", "/auth/register"): Kind.REGISTER,
    ("POST", "/users/me/password"): Kind.PASSWORD,
}


@pytest.fixture
def security_settings(sqlite_url, redis_url, redis_client, model_store):
    return make_settings(sqlite_url, redis_url, model_store)


@pytest.fixture
async def api(security_settings):
    from app.main import create_app

    application = create_app(security_settings)
    async with application.router.lifespan_context(application):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://t") as client:
            yield client


def test_every_entry_point_is_admitted_by_construction(security_settings):
    from app.main import create_app

    kinds = route_kinds(create_app(security_settings))
    assert all(len(declared) == 1 for declared in kinds.values()), kinds
    for route, kind in COSTLY.items():
        assert kinds[route] == [kind], f"{route} is admitted as {kinds.get(route)}, expected {kind}"


def test_an_entry_point_without_admission_refuses_to_start():
    app = FastAPI()
    router = APIRouter()

    @router.post("/new-costly-thing")
    async def new_costly_thing() -> None:
        """Forgot to declare what it costs."""

    app.include_router(router)
    with pytest.raises(RuntimeError, match="POST /new-costly-thing"):
        require_admission(app)


async def test_model_names_come_only_from_configuration(api):
    headers = await auth_headers(api, "modelnamer")
    for name in ("/etc", "/tmp", "../../models", "sentence-transformers/paraphrase-MiniLM-L3-v2"):
        kb = await api.post(
            "/api/v1/knowledge-bases", json={"name": f"kb {name}", "embedding_model": name}, headers=headers
        )
        assert kb.status_code == 422 and kb.json()["error"]["code"] == "unknown_model", kb.text
        assert "all-MiniLM-L6-v2" in kb.json()["error"]["message"], "the error names what may be chosen"
        embedded = await api.post("/v1/embeddings", json={"model": name, "input": "x"}, headers=headers)
        assert embedded.status_code == 422 and embedded.json()["error"]["code"] == "unknown_model", embedded.text
    created = await api.post("/api/v1/knowledge-bases", json={"name": "default"}, headers=headers)
    assert created.status_code == 201 and created.json()["embedding_model"] == "all-MiniLM-L6-v2"


UNSUPPORTED = [
    {"logprobs": True},
    {"top_logprobs": 3},
    {"functions": [{"name": "f", "parameters": {}}]},
    {"response_format": {"type": "json_object"}},
]


async def test_v1_refuses_what_it_would_silently_ignore(api):
    headers = await auth_headers(api, "sdkuser")
    for extra in UNSUPPORTED:
        body = {"model": "smollm2-135m-instruct", "messages": [{"role": "user", "content": "hi"}], **extra}
        response = await api.post("/v1/chat/completions", json=body, headers=headers)
        assert response.status_code == 400, f"{extra}: {response.text}"
        error = response.json()["error"]
        assert error["code"] == "unsupported_parameter" and next(iter(extra)) in error["message"]


async def test_dataset_uploads_are_rate_limited(sqlite_url, redis_url, redis_client, model_store):
    from app.main import create_app

    application = create_app(make_settings(sqlite_url, redis_url, model_store, rate_limit_uploads_per_window=1))
    async with application.router.lifespan_context(application):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://t") as client:
            headers = await auth_headers(client, "uploader")
            files = {"file": ("d.jsonl", b"not json\n", "application/jsonl")}
            first = await client.post("/api/v1/finetune/datasets", files=files, headers=headers)
            assert first.status_code == 422, first.text  # counted even when refused for its content
            second = await client.post("/api/v1/finetune/datasets", files=files, headers=headers)
            assert second.status_code == 429 and second.json()["error"]["code"] == "rate_limited"


async def test_oversized_seed_is_refused_at_the_api(api):
    """2**64 once failed every answer decoding on that model ("Overflow when unpacking long long")."""
    headers = await auth_headers(api, "seeder")
    for seed, expected in ((2**64, "validation_error"), (-1, "validation_error"), (2**63 - 1, None)):
        v1 = {"model": "no-such-model", "messages": [{"role": "user", "content": "hi"}], "seed": seed}
        v1_code = (await api.post("/v1/chat/completions", json=v1, headers=headers)).json()["error"]["code"]
        native = {"content": "hi", "params": {"seed": seed}, "stream": False}
        answer = await api.post("/api/v1/conversations/999/messages", json=native, headers=headers)
        native_code = answer.json()["error"]["code"]
        if expected:
            assert v1_code == native_code == expected, (seed, v1_code, native_code)
        else:  # in range: validation passes and the request fails later for its own reason
            assert (v1_code, native_code) == ("unknown_model", "not_found"), (seed, v1_code, native_code)
