"""Rate limits answer 429 with Retry-After and recover after the window; quotas give a clear error."""

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from app.kernel.db import sync_session_factory
from app.kernel.models import TokenUsage
from app.kernel.usage import record_usage
from tests.helpers import PASSWORD, auth_headers, register

WINDOW = 5  # seconds, from `limit_settings`


async def test_login_limit_per_ip_and_username_recovers(limited_client):
    await register(limited_client, "admin")
    await register(limited_client, "eve")
    form = {"username": "eve", "password": PASSWORD}
    codes = [(await limited_client.post("/api/v1/auth/login", data=form)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    limited = await limited_client.post("/api/v1/auth/login", data=form)
    body = limited.json()
    assert body["error"]["code"] == "rate_limited" and "login attempts" in body["error"]["message"]
    retry_after = int(limited.headers["Retry-After"])
    assert 1 <= retry_after <= WINDOW
    other = await limited_client.post("/api/v1/auth/login", data={"username": "admin", "password": PASSWORD})
    assert other.status_code == 200, "another username from the same address has its own budget"
    await asyncio.sleep(retry_after)
    assert (await limited_client.post("/api/v1/auth/login", data=form)).status_code == 200


async def test_message_limit_per_user(limited_client):
    headers = await auth_headers(limited_client, "mallory")
    other = await auth_headers(limited_client, "trent")
    url = "/api/v1/conversations/999/messages"
    codes = [(await limited_client.post(url, json={"content": "hi"}, headers=headers)).status_code for _ in range(3)]
    assert codes == [404, 404, 429], "the limit is checked before the conversation is looked up"
    assert (await limited_client.post(url, json={"content": "hi"}, headers=other)).status_code == 404


async def test_quota_exhaustion_is_explained(limited_client, limit_settings):
    admin = await auth_headers(limited_client, "root")
    user = await register(limited_client, "quinn")
    headers = await auth_headers(limited_client, "quinn-two")
    me = (await limited_client.get("/api/v1/users/me", headers=headers)).json()
    patched = await limited_client.patch(f"/api/v1/users/{me['id']}", json={"daily_token_quota": 100}, headers=admin)
    assert patched.status_code == 200, patched.text
    sessions = sync_session_factory(limit_settings.database_url)
    with sessions() as session:
        record_usage(session, me["id"], 40, 30)
        record_usage(session, me["id"], 20, 15)
        record_usage(session, user["id"], 500, 500)
        session.commit()
        row = session.scalar(select(TokenUsage).where(TokenUsage.user_id == me["id"]))
        assert (row.prompt_tokens, row.completion_tokens) == (60, 45)

    quota = (await limited_client.get("/api/v1/users/me/quota", headers=headers)).json()
    assert quota["used"] == 105 and quota["limit"] == 100 and quota["remaining"] == 0
    assert quota["day"] == datetime.now(UTC).date().isoformat()

    refused = await limited_client.post("/api/v1/conversations/1/messages", json={"content": "hi"}, headers=headers)
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "quota_exceeded"
    assert "105 of 100 tokens" in error["message"] and "midnight UTC" in error["message"]
    assert int(refused.headers["Retry-After"]) > 0

    unlimited = await auth_headers(limited_client, "ursula")
    assert (await limited_client.get("/api/v1/users/me/quota", headers=unlimited)).json()["limit"] is None


# -- /v1 goes through the same admission as native chat (issue 18 item 5) -------------------------------------


async def test_v1_shares_the_message_limit_with_native_chat(limited_client):
    headers = await auth_headers(limited_client, "vince")
    body = {"model": "no-such-model", "messages": [{"role": "user", "content": "hi"}]}
    native = await limited_client.post("/api/v1/conversations/999/messages", json={"content": "hi"}, headers=headers)
    assert native.status_code == 404
    first = await limited_client.post("/v1/chat/completions", json=body, headers=headers)
    assert first.status_code == 422, first.text
    refused = await limited_client.post("/v1/chat/completions", json=body, headers=headers)
    assert refused.status_code == 429, "the third generation request of the window (any route) is refused"
    assert refused.json()["error"]["code"] == "rate_limited" and int(refused.headers["Retry-After"]) >= 1


async def test_v1_and_search_respect_an_exhausted_quota(limited_client, limit_settings):
    admin = await auth_headers(limited_client, "root")
    headers = await auth_headers(limited_client, "quentin")
    me = (await limited_client.get("/api/v1/users/me", headers=headers)).json()
    await limited_client.patch(f"/api/v1/users/{me['id']}", json={"daily_token_quota": 1}, headers=admin)
    with sync_session_factory(limit_settings.database_url)() as session:
        record_usage(session, me["id"], 1, 0)
        session.commit()
    kb = (await limited_client.post("/api/v1/knowledge-bases", json={"name": "q"}, headers=headers)).json()
    calls = {
        "/v1/chat/completions": {"model": "no-such-model", "messages": [{"role": "user", "content": "hi"}]},
        "/v1/embeddings": {"input": "hi"},
        f"/api/v1/knowledge-bases/{kb['id']}/search": {"query": "hi"},
    }
    for url, body in calls.items():
        response = await limited_client.post(url, json=body, headers=headers)
        assert response.status_code == 429, f"{url}: {response.status_code} {response.text}"
        assert response.json()["error"]["code"] == "quota_exceeded", url


def test_v1_usage_is_recorded_and_then_refused(http):
    """Live stack: /v1 answers count against the daily quota like native chat, and a spent quota answers 429."""
    from tests.chat.conftest import TINY_MODEL, sign_up

    admin = sign_up(http, "usage_admin")
    headers = sign_up(http, "usage_user")
    body = {"model": TINY_MODEL, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 3}
    answer = http.post("/v1/chat/completions", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    embedded = http.post("/v1/embeddings", json={"input": ["one", "two"]}, headers=headers)
    assert embedded.status_code == 200, embedded.text
    expected = answer.json()["usage"]["total_tokens"] + embedded.json()["usage"]["total_tokens"]
    quota = http.get("/api/v1/users/me/quota", headers=headers).json()
    assert quota["used"] == expected > 0, quota

    me = http.get("/api/v1/users/me", headers=headers).json()
    http.patch(f"/api/v1/users/{me['id']}", json={"daily_token_quota": 1}, headers=admin).raise_for_status()
    refused = http.post("/v1/chat/completions", json=body, headers=headers)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "quota_exceeded"
